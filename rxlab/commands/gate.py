"""`rxlab gate check DIR`: run the gate on an experiment bundle."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from rxlab.settings import get_settings

app = typer.Typer(help="The gate: reproduce claims on held-out data and look for gaming.")
console = Console()

DECISION_STYLE = {"verified": "green", "rejected": "yellow", "flagged": "red"}


@app.command("check")
def check(
    bundle: Path = typer.Argument(..., help="folder with rxlab.yaml and code"),
    as_json: bool = typer.Option(False, "--json", help="print the decision as JSON"),
    backend: str = typer.Option("docker", help="sandbox backend (docker, or local: NOT isolated)"),
    seed: int | None = typer.Option(None, help="seed of the reproduction (default: fresh)"),
    items: int | None = typer.Option(None, help="at most this many items per split"),
) -> None:
    """Exit 0 whenever the gate reached a decision, 2 for a malformed bundle."""
    from agents.gate import check_bundle
    from kernels import Gateway
    from sandbox.monitor import MalformedBundle

    settings = get_settings()
    gateway = Gateway(settings.ensure_home(), cache=False)
    try:
        with console.status("gate: running the bundle in fresh sandboxes...", spinner="dots"):
            report = asyncio.run(
                check_bundle(bundle, gateway=gateway, backend=backend, seed=seed, max_items=items)
            )
    except MalformedBundle as exc:
        console.print(f"[red]malformed bundle:[/red] {exc}", markup=True)
        raise typer.Exit(2) from None
    if as_json:
        print(json.dumps(report.summary(), indent=2))
        return
    style = DECISION_STYLE[report.decision]
    console.print(f"decision: [{style}]{report.decision}[/{style}]")
    table = Table("metric", "split", "claimed", "reproduced", "95% interval", "ok")
    for c in report.claims:
        table.add_row(
            c.metric,
            c.split,
            f"{c.claimed:g}",
            f"{c.reproduced:.3f}",
            f"[{c.interval[0]:.3f}, {c.interval[1]:.3f}]",
            "yes" if c.ok else "NO",
        )
    console.print(table)
    if report.test is not None:
        t = report.test
        console.print(
            f"test split (never seen by the lab): {t.accuracy:.3f} "
            f"[{t.interval[0]:.3f}, {t.interval[1]:.3f}] on {t.n} items"
        )
    for f in report.flags:
        console.print(f"flag [{f.severity}] {f.kind} at {f.where()}: {f.message}", markup=False)
    for reason in report.reasons:
        console.print(f"- {reason}", markup=False)
