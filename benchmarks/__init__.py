"""Benchmarks: each prints numbers side by side with its baseline (`rxlab bench <name>`)."""
