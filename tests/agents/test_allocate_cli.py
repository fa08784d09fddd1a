"""`rxlab allocate` and the allocation benchmark, end to end on scripted models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from benchmarks.allocation import summarise, trials_to_reach
from kernels import mock_scripts
from rxlab.commands.allocate import app
from search.staged.study import AllocationTrial, StudyResult
from tests.search.test_staged_fakes import Land


def test_allocate_writes_curves_the_best_and_its_test_check(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = [
        "--task",
        "arith-staged",
        "--models",
        "mock/land",
        "--proposer",
        "agent,random",
        "--trials",
        "3",
        "--dev-size",
        "4",
        "--test-items",
        "4",
        "--samples",
        "1,2",
        "--temperatures",
        "0.7",
        "--out",
        str(out),
        "--budget",
        "2000",
    ]
    with mock_scripts(land=Land(seed=9)):
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "best on dev:" in result.output and "test best:" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert [s["proposer"] for s in summary["studies"]] == ["agent", "random"]
    assert all(s["evaluated"] == 3 for s in summary["studies"])
    assert summary["test"]["best"]["n"] == summary["test"]["baseline"]["n"] == 4
    for name in ("trials.csv", "best_so_far.png", "best_allocation.yaml", "notes.md", "test.json"):
        assert (out / name).stat().st_size > 0
    assert "best so far" in (out / "notes.md").read_text()


def test_allocate_errors_are_clear_and_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--task", "nope", "--models", "mock/land"])
    assert result.exit_code == 2 and "unknown staged task 'nope'" in result.output
    result = CliRunner().invoke(app, ["--models", "mock/land", "--proposer", "grid"])
    assert result.exit_code == 2 and "unknown proposer 'grid'" in result.output


def test_allocate_lists_the_staged_tasks() -> None:
    result = CliRunner().invoke(app, ["tasks"])
    assert result.exit_code == 0 and "plan -> solve -> check?" in result.output


def _study(name: str, accs: list[float]) -> StudyResult:
    trials = [AllocationTrial(i, "COMPLETE", {}, "", name, accuracy=a) for i, a in enumerate(accs)]
    return StudyResult(f"s-{name}", "", name, trials, 0.0)


def test_trials_needed_are_counted_against_the_best_of_any_proposer() -> None:
    assert trials_to_reach([0.2, 0.5, 0.5, 0.6], 0.5) == 2
    assert trials_to_reach([0.2, 0.3], 0.5) is None
    runs: dict[str, Any] = {
        "agent": {0: _study("agent", [0.3, 0.5, 0.6])},
        "tpe": {0: _study("tpe", [0.4, 0.4, 0.4])},
        "random": {0: _study("random", [0.2, 0.59, 0.4])},
    }
    s = summarise(runs, trials=3)
    assert s["targets"] == {0: 0.6}
    assert s["proposers"]["agent"]["needed"] == [3]
    assert s["proposers"]["random"]["needed"] == [2]  # 0.59 is within 2% of 0.6
    assert s["proposers"]["tpe"]["needed"] == [None] and s["proposers"]["tpe"]["mean_needed"] == 4
