"""The `rxlab` command line. Each area's commands live in ``rxlab/commands/<area>.py``."""

from __future__ import annotations

import os

import typer

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from benchmarks.allocation import bench_allocation
from benchmarks.engine_batching import bench_batching
from benchmarks.preprint_search import bench_preprints
from benchmarks.sandbox_overhead import bench_sandbox
from benchmarks.search_replay import bench_search
from rxlab.commands import allocate as allocate_cmd
from rxlab.commands import demo, engine, gate, labs_run, models, preprints, sandbox
from rxlab.commands import search as search_cmd

app = typer.Typer(
    help="rxlab: agent labs, inference-time architecture search and a gated preprint store.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
bench_app = typer.Typer(help="Benchmarks: numbers side by side with their baseline.")
app.add_typer(bench_app, name="bench")

app.command("models")(models.models)
app.command("chat")(models.chat)
app.command("demo")(demo.demo)

# --- areas mount themselves below, one line each ------------------------------------------
app.add_typer(gate.app, name="gate")
app.add_typer(sandbox.app, name="sandbox")
bench_app.command("sandbox")(bench_sandbox)
app.command("search")(search_cmd.search)
app.command("tasks")(search_cmd.tasks)
bench_app.command("search")(bench_search)
app.add_typer(preprints.app, name="preprints")
app.add_typer(preprints.labs_app, name="labs")
app.command("serve")(preprints.serve)
bench_app.command("preprints")(bench_preprints)
app.command("serve-model")(engine.serve_model)
bench_app.command("engine")(engine.bench_engine)
bench_app.command("batching")(bench_batching)
app.command("run")(labs_run.run)
app.command("resume")(labs_run.resume)
app.command("goals")(labs_run.goals)
app.add_typer(allocate_cmd.app, name="allocate")
bench_app.command("allocation")(bench_allocation)


if __name__ == "__main__":
    app()
