"""The results folder of an allocation study, and the test-split check of its best allocation.

trials.csv               one row per trial of every study (dev split), with the proposer
best_so_far.png          best dev accuracy so far against trials, one curve per proposer
best_allocation.yaml     the best allocation found
notes.md                 what each proposer wrote down (the agent's notes)
test.json                best vs the baseline allocation on the test split, with CIs
summary.json             all of the above in one record
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from kernels import Budget, Gateway
from search.replay import SampleBank
from search.results import Comparison, compare
from search.staged.allocation import Allocation
from search.staged.executor import StagedOutcome, run_allocation
from search.staged.space import AllocationSpace
from search.staged.study import AllocationTrial, StudyResult

TRIAL_COLUMNS = (
    "proposer",
    "number",
    "state",
    "feasible",
    "label",
    "accuracy",
    "ci_low",
    "ci_high",
    "tokens_per_item",
    "worst_tokens_per_item",
    "calls",
    "dollars",
    "spent_tokens",
    "wall_s",
    "reason",
    "note",
)


def best_of(studies: Sequence[StudyResult]) -> AllocationTrial | None:
    found = [b for s in studies if (b := s.best()) is not None]
    return max(found, key=lambda t: (t.accuracy or 0.0, -(t.tokens_per_item or 0.0)), default=None)


async def evaluate_on_test(
    space: AllocationSpace,
    best: Allocation,
    *,
    gateway: Gateway,
    budget: Budget | None = None,
    seed: int = 0,
    max_items: int | None = None,
    progress: Callable[[StagedOutcome], None] | None = None,
) -> Comparison:
    """Best vs the baseline allocation on the test split, sharing one fresh replay bank (the
    baseline's samples are the first of the best's: a paired comparison)."""
    bank = SampleBank()
    results = []
    for alloc in (space.baseline(), best):
        results.append(
            await run_allocation(
                space.task,
                alloc,
                "test",
                gateway=gateway,
                budget=budget,
                seed=seed,
                max_items=max_items,
                replay=bank,
                replay_draw=space.max_samples(),
                progress=progress,
                tags={"eval": alloc.name},
            )
        )
    return compare(results[1], results[0])


def write_trials_csv(path: Path, studies: Sequence[StudyResult]) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(TRIAL_COLUMNS)
        for study in studies:
            for t in study.trials:
                row = {**asdict(t), "proposer": t.proposer or study.proposer}
                writer.writerow([row.get(c, "") for c in TRIAL_COLUMNS])


def plot_curves(path: Path, curves: dict[str, list[list[float]]], title: str) -> None:
    """One line per proposer: the mean best-so-far over its runs (each run drawn faintly)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4))
    for i, (label, runs) in enumerate(sorted(curves.items())):
        color = f"C{i}"
        for run in runs:
            ax.plot(range(1, len(run) + 1), run, color=color, alpha=0.25, linewidth=1)
        length = max((len(r) for r in runs), default=0)
        mean = [
            sum(r[min(j, len(r) - 1)] for r in runs if r) / max(sum(1 for r in runs if r), 1)
            for j in range(length)
        ]
        ax.plot(range(1, length + 1), mean, color=color, marker="o", markersize=3, label=label)
    ax.set_xlabel("trials evaluated")
    ax.set_ylabel("best dev accuracy so far")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_results(
    out: Path,
    studies: Sequence[StudyResult],
    space: AllocationSpace,
    comparison: Comparison | None,
) -> dict[str, Any]:
    """Write the results folder; return the summary record."""
    out.mkdir(parents=True, exist_ok=True)
    write_trials_csv(out / "trials.csv", studies)
    curves: dict[str, list[list[float]]] = {}
    for s in studies:
        curves.setdefault(s.proposer, []).append(s.curve())
    plot_curves(out / "best_so_far.png", curves, f"{space.task.label}: allocation studies")
    best = best_of(studies)
    if best is not None:
        chosen = Allocation.from_spec({**best.allocation, "name": "best"})
        (out / "best_allocation.yaml").write_text(chosen.to_yaml())
    notes = [
        f"## {s.proposer} ({s.study_name})\n" + "\n".join(f"- {n}" for n in s.notes)
        for s in studies
        if s.notes
    ]
    (out / "notes.md").write_text("\n\n".join(notes) + "\n" if notes else "no notes\n")
    summary: dict[str, Any] = {
        "space": space.describe(),
        "studies": [
            {
                "proposer": s.proposer,
                "name": s.study_name,
                "storage": s.storage,
                "evaluated": len(s.evaluated()),
                "stopped": s.stopped,
                "wall_s": round(s.wall_s, 1),
                "curve": s.curve(),
                "replay": s.replay.as_dict() if s.replay else None,
            }
            for s in studies
        ],
        "best_dev": asdict(best) if best else None,
        "test": asdict(comparison) if comparison else None,
    }
    if comparison is not None:
        (out / "test.json").write_text(json.dumps(asdict(comparison), indent=2))
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    return summary
