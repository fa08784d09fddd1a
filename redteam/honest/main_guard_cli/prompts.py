"""Prompt text for the solver."""

SYSTEM = "Answer with a single number and nothing else."
