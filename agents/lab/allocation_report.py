"""The report of an allocation study: interpretation, claims and Markdown body, from the
study's data through fixed templates (the same shape as ``agents.lab.report``'s, so the graph
only picks which module writes). Each claim carries the exact allocation, staged task, model
and seed; the gate re-runs it on a fresh seed and on the held-out test split."""

from __future__ import annotations

from typing import Any

from agents.lab.report import assemble, dev_claims, results_table
from agents.lab.state import Interpretation

BASELINE_WORDS = "one sample per stage"


def interpret_allocation(experiment: dict[str, Any]) -> Interpretation:
    base, best = experiment["rows"][0], experiment["rows"][1]
    diff, lo, hi = experiment["difference"]
    beats = lo > 0
    verb = "beats" if beats else "does not clearly beat"
    summary = (
        f"On the dev split ({experiment['dev_items']} items) the best allocation found "
        f"({best['name']}) reaches {best['accuracy']:.3f} against {base['accuracy']:.3f} for "
        f"{BASELINE_WORDS}: a paired difference of {diff:+.3f} (95% CI [{lo:+.3f}, {hi:+.3f}]), "
        f"so it {verb} the baseline."
    )
    caveats = [
        "All numbers above are on the dev split, which the study also used to choose; the "
        "gate's test-split run is the unbiased estimate.",
        f"{experiment['dev_items']} dev items give wide intervals, and the best of "
        f"{len(experiment['trials'])} trials is chosen on them (a winner's curse).",
    ]
    if experiment.get("stopped"):
        caveats.append(f"The study stopped early: {experiment['stopped']}.")
    return Interpretation(summary=summary, beats_baseline=beats, caveats=caveats)


def allocation_claims(experiment: dict[str, Any], task: str, seed: int) -> list[dict[str, Any]]:
    """An accuracy claim on dev for the best allocation, then one for the baseline."""
    meta = {"study": experiment["study"], "proposer": experiment["proposer"], "seed": seed}
    return dev_claims(experiment, task, "allocation", meta)


def _trials_table(trials: list[dict[str, Any]]) -> str:
    lines = [
        "| trial | allocation | state | dev accuracy | best so far | tokens/item | why |",
        "|---|---|---|---|---|---|---|",
    ]
    best = None
    for t in trials:
        acc = "-" if t["accuracy"] is None else f"{t['accuracy']:.3f}"
        if t["accuracy"] is not None and t["state"] == "COMPLETE":
            best = max(best or 0.0, t["accuracy"])
        so_far = "-" if best is None else f"{best:.3f}"
        why = (t.get("reason") or "").replace("|", "/")[:120]
        lines.append(
            f"| {t['number']} | {t['name']} | {t['state']} | {acc} | {so_far} "
            f"| {t['tokens_per_item']} | {why} |"
        )
    return "\n".join(lines)


def _method(experiment: dict[str, Any]) -> str:
    space = experiment["space_description"]
    replay = experiment.get("replay") or {}
    return (
        f"An allocation study on the staged task `{experiment['space']}` (stages "
        f"{', '.join(space['stages'])}) with the `{experiment['proposer']}` proposer: "
        f"{len(experiment['trials'])} trials on the dev split ({experiment['dev_items']} items). "
        f"Each stage could get a model from {', '.join(f'`{m}`' for m in space['models'])}, "
        f"{', '.join(map(str, space['samples']))} samples (an optional stage may be skipped) "
        f"and a temperature of {', '.join(f'{t:g}' for t in space['temperatures'])}. Samples "
        f"were replayed from one bank, which saved {replay.get('calls_saved', 0)} of "
        f"{replay.get('calls_nominal', 0)} calls. The best allocation and the baseline "
        f"({BASELINE_WORDS} of `{experiment['model']}`, optional stages skipped) were then run "
        "on the same dev items."
    )


def allocation_body(
    *, experiment: dict[str, Any], interpretation: Interpretation, **common: Any
) -> str:
    """The report of an allocation study (``common``: the arguments of ``report.assemble``)."""
    diff, lo, hi = experiment["difference"]
    notes = experiment.get("notes") or []
    results = (
        results_table(experiment["rows"], "allocation") + "\n\n"
        f"Paired difference, best minus baseline: **{diff:+.3f}** "
        f"(95% CI [{lo:+.3f}, {hi:+.3f}]). The figure shows the best dev accuracy so far "
        "after each trial."
    )
    sections = [
        ("Method", _method(experiment)),
        ("Results (dev split)", results),
        ("Interpretation", interpretation.summary),
        ("All trials", _trials_table(experiment["trials"])),
        ("What the proposer learned",
         "\n".join(f"- {n}" for n in notes) if notes else "The proposer wrote no notes."),
        ("Claims", "Each claim carries the exact allocation, staged task, model and seed that "
         "reproduce it; the gate re-runs it on a fresh seed and on the held-out test split."),
    ]  # fmt: skip
    return assemble(sections=sections, interpretation=interpretation, **common)
