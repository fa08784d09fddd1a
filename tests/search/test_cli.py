from __future__ import annotations

import json
from pathlib import Path

import typer
import yaml
from typer.testing import CliRunner

from rxlab.commands import search as search_cmd

from .conftest import NoisySolver
from .test_search import SPACE


def cli() -> typer.Typer:
    app = typer.Typer()
    app.command("search")(search_cmd.search)
    app.command("tasks")(search_cmd.tasks)
    return app


def test_tasks_lists_arith_and_humaneval() -> None:
    out = CliRunner().invoke(cli(), ["tasks"], terminal_width=200)
    assert out.exit_code == 0, out.output
    assert "arith" in out.output and "humaneval" in out.output and "jsonl" in out.output


def test_search_command_writes_results(solver: NoisySolver, tmp_path: Path) -> None:
    space = tmp_path / "space.yaml"
    space.write_text(yaml.safe_dump(SPACE))
    args = ["search", "--task", "arith", "--space", str(space), "--budget", "60k", "--trials", "6",
            "--sampler", "random", "--out", str(tmp_path / "out")]  # fmt: skip
    out = CliRunner().invoke(cli(), args, terminal_width=200)
    assert out.exit_code == 0, out.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["trials"]["complete"] == 6
    assert summary["budget"]["limit_tokens"] == 60_000
    assert "test: single call" in out.output


def test_search_command_refuses_a_budget_too_small(solver: NoisySolver, tmp_path: Path) -> None:
    space = tmp_path / "space.yaml"
    space.write_text(yaml.safe_dump(SPACE))
    args = ["search", "--space", str(space), "--budget", "50"]
    out = CliRunner().invoke(cli(), args, terminal_width=200)
    assert out.exit_code == 2
    assert "cannot fit in the budget" in out.output
    assert solver.questions == []


def test_parse_budget() -> None:
    b = search_cmd.parse_budget("200k, 500 calls, $1.5")
    assert (b.max_tokens, b.max_calls, b.max_dollars) == (200_000, 500, 1.5)
