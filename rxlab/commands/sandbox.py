"""`rxlab sandbox ...`: run a folder's code in a sandbox, build the base image, clean up."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from rxlab.settings import get_settings

if TYPE_CHECKING:
    from sandbox import Evidence, ModelHandler

app = typer.Typer(help="Sandboxes: where untrusted code runs (hardened Docker by default).")
console = Console()


def gateway_handler(model: str, budget_tokens: int | None) -> ModelHandler:
    """Model calls from inside go to the gateway, under one budget for this sandbox."""
    from kernels import Budget, CompletionRequest, Gateway

    settings = get_settings()
    gateway = Gateway(settings.ensure_home(), cache=settings.cache)
    budget = Budget(max_tokens=budget_tokens)

    async def handler(payload: dict[str, Any]) -> dict[str, Any]:
        request = CompletionRequest(
            model=model,
            messages=payload["messages"],
            n=int(payload.get("n", 1)),
            temperature=float(payload.get("temperature", 0.7)),
            max_tokens=int(payload.get("max_tokens", 256)),
        )
        tags = {"sandbox": str(payload["sandbox_id"])}
        response = await gateway.complete(request, budget=budget, tags=tags)
        return {"texts": response.texts}

    return handler


def _size(n: int | None) -> str:
    return "-" if n is None else f"{n / 1024 / 1024:.1f} MB"


def print_evidence(ev: Evidence) -> None:
    table = Table(title=f"sandbox {ev.sandbox_id}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    isolation = "yes" if ev.isolated else "[red]NO: the local backend does not isolate[/red]"
    rows = {
        "backend": f"{ev.backend} ({ev.image or 'host'})",
        "isolated": isolation,
        "command": " ".join(ev.command),
        "exit code": str(ev.exit_code),
        "limit hit": ev.limit_hit or "none",
        "wall time": f"{ev.wall_s:.2f} s (limit {ev.limits.timeout_s:g} s)",
        "peak memory": f"{_size(ev.peak_memory_bytes)} (limit {ev.limits.memory_mb} MB)",
        "events": ", ".join(ev.events) or "none",
        "files in": "\n".join(f"{f.path} {f.size} B {f.sha256[:12]}" for f in ev.files_in),
        "files out": "\n".join(f"{f.path} {f.size} B {f.sha256[:12]}" for f in ev.files_out),
        "model calls": f"{len(ev.model_calls)} ({sum(not c.ok for c in ev.model_calls)} refused)",
    }
    for key, value in rows.items():
        table.add_row(key, value or "-")
    console.print(table)
    for name, text, cut in (
        ("stdout", ev.stdout, ev.stdout_truncated),
        ("stderr", ev.stderr, ev.stderr_truncated),
    ):
        if text:
            console.rule(name + (" (truncated)" if cut else ""))
            console.print(text, markup=False, highlight=False, end="")
    console.rule()


@app.command("run")
def run(
    folder: Path = typer.Argument(..., help="folder whose files go into the work folder"),
    command: list[str] = typer.Argument(..., help="the command, after `--`"),
    backend: str = typer.Option("docker", "--backend", help="docker, or local (NOT isolated)"),
    timeout_s: float = typer.Option(30.0, "--timeout", help="wall-time limit, seconds"),
    memory_mb: int = typer.Option(512, "--memory-mb"),
    pids: int = typer.Option(64, "--pids"),
    cpus: float = typer.Option(1.0, "--cpus"),
    disk_mb: int = typer.Option(64, "--disk-mb", help="size of the writable work folder"),
    output_bytes: int = typer.Option(1_000_000, "--output-bytes", help="kept per stream"),
    gpus: int = typer.Option(0, "--gpus", help="GPUs (needs Docker's nvidia runtime)"),
    network: bool = typer.Option(False, "--network", help="give the sandbox a network (unsafe)"),
    model: str | None = typer.Option(None, "--model", help="let the code call this model"),
    budget_tokens: int | None = typer.Option(None, "--budget-tokens", help="its token budget"),
    as_json: bool = typer.Option(False, "--json", help="print the evidence as JSON"),
) -> None:
    """Run DIR's code in a sandbox: `rxlab sandbox run DIR -- python3 main.py`."""
    from sandbox import Limits, SandboxConfig, SandboxError, run_in_sandbox

    if not folder.is_dir():
        console.print(f"[red]error:[/red] {folder} is not a folder")
        raise typer.Exit(2)
    limits = Limits(
        memory_mb=memory_mb,
        pids=pids,
        cpus=cpus,
        timeout_s=timeout_s,
        output_bytes=output_bytes,
        disk_mb=disk_mb,
    )
    config = SandboxConfig(limits=limits, gpus=gpus, network=network)
    handler = gateway_handler(model, budget_tokens) if model else None
    try:
        evidence = asyncio.run(
            run_in_sandbox(command, folder, backend=backend, config=config, model_handler=handler)
        )
    except SandboxError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if as_json:
        print(evidence.model_dump_json(indent=2))
    else:
        print_evidence(evidence)
    raise typer.Exit(0 if evidence.ok else 1)


@app.command("build-image")
def build_image(
    force: bool = typer.Option(False, "--force", help="rebuild even if the tag exists"),
    tag: str | None = typer.Option(None, "--tag", help="image tag (default: rxlab-sandbox:N)"),
) -> None:
    """Build the sandbox base image offline (debootstrap + docker import); skips if present."""
    from sandbox import DEFAULT_IMAGE, SandboxError
    from sandbox.image import build_image as build

    try:
        with console.status("building the sandbox image (debootstrap takes a few minutes)"):
            build(tag or DEFAULT_IMAGE, force=force, log=console.print)
    except SandboxError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None


@app.command("clean")
def clean() -> None:
    """Remove sandbox containers whose owner process is gone."""
    from sandbox import DockerBackend, SandboxError

    try:
        removed = DockerBackend().remove_stale()
    except SandboxError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    names = f": {', '.join(removed)}" if removed else ""
    console.print(f"removed {len(removed)} stale sandbox(es){names}")
