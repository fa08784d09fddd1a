"""`rxlab gate check DIR` runs the gate on a bundle; `rxlab gate preprint ID` on a preprint."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from rxlab.settings import get_settings

if TYPE_CHECKING:
    from agents.gate import GateReport

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
    _print_report(report)


def _print_report(report: GateReport) -> None:
    style = DECISION_STYLE[report.decision]
    console.print(
        f"decision: [{style}]{report.decision}[/{style}] ({report.kind} bundle {report.bundle})"
    )
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


@app.command("preprint")
def preprint(
    preprint_id: str = typer.Argument(..., help="the preprint's id, e.g. rx-0123456789"),
    bundle: Path | None = typer.Option(
        None, help="the code bundle for claims whose spec names no experiment"
    ),
    version: int | None = typer.Option(None, help="the version to check (default: the latest)"),
    backend: str = typer.Option("docker", help="sandbox backend (docker, or local: NOT isolated)"),
    seed: int | None = typer.Option(None, help="seed of the reproduction (default: fresh)"),
    items: int | None = typer.Option(None, help="at most this many items per split"),
    as_json: bool = typer.Option(False, "--json", help="print the outcome as JSON"),
) -> None:
    """Gate a preprint's claims and record the decision (verdicts and flags) in the store.
    Exit 0 when the gate decided, 2 when there is nothing it could run."""
    from agents.gate import BundleStore, gate_preprint
    from agents.gate.publish import NothingToCheck
    from kernels import Gateway
    from preprints import StoreError
    from rxlab.commands.preprints import open_store

    settings = get_settings()
    home = settings.ensure_home()
    store = open_store(embeddings=False)
    try:
        with console.status(f"gate: checking {preprint_id}...", spinner="dots"):
            outcome = asyncio.run(
                gate_preprint(
                    store,
                    preprint_id,
                    gateway=Gateway(home, cache=False),
                    bundles=BundleStore(home / "bundles"),
                    bundle=bundle,
                    version=version,
                    backend=backend,
                    seed=seed,
                    max_items=items,
                )
            )
    except (NothingToCheck, StoreError) as exc:
        console.print(f"[red]cannot gate {preprint_id}:[/red] {exc}", markup=True)
        raise typer.Exit(2) from None
    if as_json:
        print(outcome.model_dump_json(indent=2, exclude={"reports"}))
        return
    style = DECISION_STYLE[outcome.status]
    console.print(f"{preprint_id} v{outcome.version}: [{style}]{outcome.status}[/{style}]")
    for report in outcome.reports:
        _print_report(report)
    for error in outcome.errors:
        console.print(f"- not run: {error}", markup=False)
