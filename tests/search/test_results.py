from __future__ import annotations

import json
from pathlib import Path

import yaml

from kernels import Budget, Gateway
from search import SearchSpace, compare, evaluate_on_test, get_task, run_search, write_results
from search.optimize import best_architecture
from search.outcomes import ItemOutcome, TrialResult

from .conftest import NoisySolver
from .test_search import SPACE


def result(scores: list[float]) -> TrialResult:
    return TrialResult(
        architecture="a",
        split="test",
        outcomes=[ItemOutcome(item_id=str(i), score=s) for i, s in enumerate(scores)],
    )


def test_compare_reports_cis_and_a_paired_difference() -> None:
    strong = result([1.0] * 90 + [0.0] * 10)
    weak = result([1.0] * 50 + [0.0] * 50)
    c = compare(strong, weak)
    assert c.difference == 0.4 and c.difference_ci[0] > 0
    assert c.beats_baseline_ci and c.cis_disjoint and c.difference_significant
    same = compare(weak, weak)
    assert not same.beats_baseline_ci and not same.difference_significant


async def test_results_folder(gateway: Gateway, solver: NoisySolver, tmp_path: Path) -> None:
    task = get_task("arith", dev_size=8, test_size=30)
    space = SearchSpace.from_spec(SPACE)
    found = await run_search(
        task, space, gateway=gateway, budget=Budget(max_tokens=40_000), model="mock/solver",
        sampler="random", trials=8, seed=2,
    )  # fmt: skip
    best = best_architecture(found)
    test_budget = Budget()
    comparison = await evaluate_on_test(
        task, best, space.baseline_architecture(), gateway=gateway, model="mock/solver",
        budget=test_budget, max_samples=best.max_samples(),
    )  # fmt: skip
    out = tmp_path / "results"
    summary = write_results(
        out, found, task=task, space_name=space.name, best=best, comparison=comparison,
        test_budget=test_budget,
    )  # fmt: skip
    assert {p.name for p in out.iterdir()} == {
        "trials.csv", "pareto.png", "best_architecture.yaml", "test.json", "summary.json"
    }  # fmt: skip
    assert (out / "pareto.png").read_bytes()[:4] == b"\x89PNG"
    rows = (out / "trials.csv").read_text().splitlines()
    assert rows[0].startswith("number,state,name,accuracy") and len(rows) == 9
    assert yaml.safe_load((out / "best_architecture.yaml").read_text()) == best.to_spec()
    saved = json.loads((out / "summary.json").read_text())
    assert saved["test"]["best"]["n"] == 30 and saved["test"]["baseline"]["n"] == 30
    assert saved["test"]["best"]["accuracy"] == 1.0 and saved["test"]["beats_baseline_ci"]
    assert summary["budget"]["spent_tokens"] <= 40_000
