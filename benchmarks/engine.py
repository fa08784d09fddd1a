"""The engine benchmark as a script: ``python -m benchmarks.engine [--n 8] [--threads 1]``.

Same as ``rxlab bench engine``: rxlab's engine against transformers ``generate()`` in one
process, on the same GGUF weights and prompt, printing tokens/s and the ratio for each n.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import typer

from rxlab.commands.engine import bench_engine

if __name__ == "__main__":
    typer.run(bench_engine)
