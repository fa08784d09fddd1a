"""One module per CLI area; each exposes a typer ``app`` (or commands) that ``rxlab.cli`` mounts.

Heavy imports (torch, docker, litellm) go inside the command functions so ``rxlab --help`` is fast.
"""
