"""rxlab: CLI, settings and wiring."""
