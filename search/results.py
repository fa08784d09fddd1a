"""The results folder of a search: trials table, Pareto plot, best architecture, test scores.

trials.csv               one row per trial (dev split)
pareto.png               accuracy vs tokens per item, Pareto front drawn
best_architecture.yaml   the best trial's architecture
test.json                best vs the single-call baseline on the test split, with CIs
summary.json             everything above in one record, plus budget and replay savings
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kernels import Budget, Gateway
from search.architecture import Architecture
from search.executor import run_architecture
from search.outcomes import ItemOutcome, TrialResult
from search.records import SearchResult, TrialRecord
from search.replay import SampleBank
from search.stats import paired_difference
from search.tasks.base import Task

TRIAL_COLUMNS = (
    "number", "state", "name", "accuracy", "ci_low", "ci_high", "tokens_per_item", "calls",
    "dollars", "spent_tokens", "spent_calls", "wall_s", "params", "note",
)  # fmt: skip


@dataclass
class Comparison:
    """The best architecture against the single-call baseline on the same test items."""

    best: dict[str, Any]
    baseline: dict[str, Any]
    difference: float
    difference_ci: tuple[float, float]
    beats_baseline_ci: bool  # best's accuracy is above the baseline's 95% CI
    cis_disjoint: bool  # best's CI lies wholly above the baseline's CI
    difference_significant: bool  # the paired difference's 95% CI lies wholly above 0
    clearly_better: bool  # both of the above: the paired CI above 0, best above baseline's CI


def compare(best: TrialResult, baseline: TrialResult) -> Comparison:
    a = [o.score for o in best.outcomes]
    b = [o.score for o in baseline.outcomes]
    diff, lo, hi = paired_difference(a, b)
    above_ci = best.accuracy > baseline.ci[1]
    return Comparison(
        best=best.summary(),
        baseline=baseline.summary(),
        difference=round(diff, 4),
        difference_ci=(round(lo, 4), round(hi, 4)),
        beats_baseline_ci=above_ci,
        cis_disjoint=best.ci[0] > baseline.ci[1],
        difference_significant=lo > 0,
        clearly_better=above_ci and lo > 0,
    )


async def evaluate_on_test(
    task: Task,
    best: Architecture,
    baseline: Architecture,
    *,
    gateway: Gateway,
    model: str,
    budget: Budget | None = None,
    max_samples: int | None = None,
    concurrency: int = 8,
    progress: Callable[[ItemOutcome], None] | None = None,
) -> Comparison:
    """Run both on the test split, sharing one fresh replay bank (a paired comparison).

    The best runs first and draws ``max_samples`` (default: its own largest sample count);
    the baseline then reuses those samples when it asks the same thing, else draws its own.
    """
    items = task.split("test")
    bank = SampleBank()
    draws = {"best": max_samples or best.max_samples(), "baseline": baseline.max_samples()}
    results = {}
    for arch, tag in ((best, "best"), (baseline, "baseline")):
        results[tag] = await run_architecture(
            arch, task, items, gateway=gateway, model=model, budget=budget, replay=bank,
            replay_draw=max(draws[tag], 1), concurrency=concurrency, split="test",
            tags={"eval": tag}, progress=progress,
        )  # fmt: skip
    return compare(results["best"], results["baseline"])


def write_trials_csv(path: Path, trials: list[TrialRecord]) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(TRIAL_COLUMNS)
        for t in trials:
            row = {
                **asdict(t),
                "name": t.architecture.get("name", ""),
                "params": json.dumps(t.params),
            }
            writer.writerow([row.get(c, "") for c in TRIAL_COLUMNS])


def plot_pareto(path: Path, result: SearchResult, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    done = result.complete()
    front = result.pareto()
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(
        [t.tokens_per_item or 0.0 for t in done],
        [t.accuracy or 0.0 for t in done],
        alpha=0.5,
        label="trials",
    )
    ax.plot(
        [t.tokens_per_item or 0.0 for t in front],
        [t.accuracy or 0.0 for t in front],
        "o-",
        color="tab:red",
        label="Pareto front",
    )
    ax.set_xlabel("tokens per item (as deployed, no replay)")
    ax.set_ylabel("dev accuracy")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_results(
    out: Path,
    result: SearchResult,
    *,
    task: Task,
    space_name: str,
    best: Architecture,
    comparison: Comparison | None,
    test_budget: Budget | None = None,
) -> dict[str, Any]:
    """Write the results folder and return the summary record."""
    out.mkdir(parents=True, exist_ok=True)
    write_trials_csv(out / "trials.csv", result.trials)
    plot_pareto(out / "pareto.png", result, f"{task.name}: {space_name} ({result.sampler})")
    (out / "best_architecture.yaml").write_text(best.to_yaml())
    best_trial = result.best()
    summary: dict[str, Any] = {
        "task": task.describe(),
        "space": space_name,
        "sampler": result.sampler,
        "study": {"name": result.study_name, "storage": result.storage},
        "trials": {
            "total": len(result.trials),
            "complete": len(result.complete()),
            "stopped": result.stopped,
        },
        "best_dev": asdict(best_trial) if best_trial else None,
        "pareto_dev": [asdict(t) for t in result.pareto()],
        "budget": {
            "search": result.budget.describe(),
            "spent_tokens": result.budget.spent.tokens,
            "spent_calls": result.budget.spent.calls,
            "spent_dollars": result.budget.spent.dollars,
            "limit_tokens": result.budget.max_tokens,
            "limit_calls": result.budget.max_calls,
            "limit_dollars": result.budget.max_dollars,
            "test_evaluation": test_budget.describe() if test_budget else None,
        },
        "replay": result.replay.as_dict() if result.replay else None,
        "search_wall_s": round(result.wall_s, 1),
        "test": asdict(comparison) if comparison else None,
    }
    if comparison is not None:
        (out / "test.json").write_text(json.dumps(asdict(comparison), indent=2))
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    return summary
