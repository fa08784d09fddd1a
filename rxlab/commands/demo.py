"""`rxlab demo`: the main job that `make run` runs on the embedded defaults.

It starts the web server in the background on a free local port (or reuses the one an earlier
demo left running), runs a goal on `arith` with the embedded model and two labs, and prints
the goal page and the preprints. The server keeps running so the pages can be opened."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import typer
from rich.console import Console

from rxlab.settings import get_settings

console = Console()

DEMO_GOAL = (
    "Find an inference-time architecture that beats a single sample of the embedded model "
    "on arith, and verify it on held-out items."
)
SERVER_FILE = "server.url"
START_TIMEOUT_S = 90


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _alive(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/openapi.json", timeout=3) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def ensure_server(home: Path) -> str:
    """The URL of a running `rxlab serve` for this home, starting one if needed."""
    record = home / SERVER_FILE
    if record.is_file():
        url = record.read_text().split()[0]
        if _alive(url):
            return url
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (home / "server.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "rxlab.cli", "serve", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=os.environ.copy(),
    )  # fmt: skip
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the web server exited ({process.returncode}); see {log.name}")
        if _alive(url):
            record.write_text(f"{url} {process.pid}\n")
            return url
        time.sleep(0.5)
    os.kill(process.pid, signal.SIGTERM)
    raise RuntimeError(f"the web server did not answer within {START_TIMEOUT_S}s; see {log.name}")


def demo(
    labs: int = typer.Option(2, min=1, max=8),
    budget: str = typer.Option("200k", help="the goal's budget"),
    text: str = typer.Option(DEMO_GOAL, help="the goal"),
    serve: bool = typer.Option(True, help="start (or reuse) the web server in the background"),
) -> None:
    """Run a whole goal on the embedded defaults: labs, search, the gate, preprints."""
    from agents.goals import GoalSpec
    from rxlab.commands.labs_run import _drive, _finish, _goals
    from rxlab.commands.search import parse_budget

    home = get_settings().ensure_home()
    url = ensure_server(home) if serve else None
    if url:
        console.print(f"web server: {url}/ (running in the background; log {home}/server.log)")
    limits = parse_budget(budget)
    spec = GoalSpec(
        text=text, task="arith", labs=labs,
        budget={"tokens": limits.max_tokens, "calls": limits.max_calls,
                "dollars": limits.max_dollars},
    )  # fmt: skip
    goal = _goals().create(spec)
    if url:
        console.print(f"goal page (live): {url}/goals/{goal.id}")
    _finish(asyncio.run(_drive(goal.id, "docker")), url)
