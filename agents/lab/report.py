"""The write step's output: a Markdown report made from the experiment's data, its claims
(each with the exact spec that reproduces it) and the reviewer's check of the draft.

The report is written by templates from numbers; when a capable model is configured it adds
the interpretation and review in words, and the report says which parts a model wrote."""

from __future__ import annotations

from typing import Any

from agents.lab.state import Critique, Interpretation, Plan, Related, Review

OFFLINE_NOTE = (
    "> Written by rxlab's offline policy: no language model wrote this report. The numbers, "
    "tables and claims come from the experiment's data through fixed templates."
)


def interpret_offline(experiment: dict[str, Any]) -> Interpretation:
    rows = experiment["rows"]
    base, best = rows[0], rows[1]
    diff, lo, hi = experiment["difference"]
    beats = lo > 0
    verb = "beats" if beats else "does not clearly beat"
    summary = (
        f"On the dev split ({experiment['dev_items']} items) {best['name']} reaches "
        f"{best['accuracy']:.3f} against {base['accuracy']:.3f} for a single call: a paired "
        f"difference of {diff:+.3f} (95% CI [{lo:+.3f}, {hi:+.3f}]), so it {verb} the baseline."
    )
    caveats = [
        "All numbers above are on the dev split, which the search also used to choose; the "
        "gate's test-split run is the unbiased estimate.",
        f"{experiment['dev_items']} dev items give wide intervals.",
    ]
    if experiment.get("stopped"):
        caveats.append(f"The search stopped early: {experiment['stopped']}.")
    return Interpretation(summary=summary, beats_baseline=beats, caveats=caveats)


def dev_claims(
    experiment: dict[str, Any], task: str, what: str, meta: dict[str, Any]
) -> list[dict[str, Any]]:
    """An accuracy claim on dev for the best row, then one for the baseline; each spec is a
    declarative experiment (``what``: ``architecture`` or ``allocation``, taken from the row)
    that the gate can run again on a fresh seed."""
    best, baseline = experiment["rows"][1], experiment["rows"][0]
    return [
        {
            "metric": "accuracy",
            "value": row["accuracy"],
            "split": "dev",
            "spec": {
                "name": row["role"],
                "task": task,
                what: row[what],
                "model": experiment["model"],
                "meta": meta,
            },
        }
        for row in (best, baseline)
    ]


def claims(experiment: dict[str, Any], task: str, seed: int) -> list[dict[str, Any]]:
    """The best architecture's and the baseline's dev claims, then the code trial's."""
    meta = {"space": experiment["space"], "seed": seed}
    return dev_claims(experiment, task, "architecture", meta) + [
        {
            "metric": "accuracy",
            "value": row["accuracy"],
            "split": "dev",
            "spec": {"name": "code", "bundle": row["bundle"], "meta": {"seed": seed}},
        }
        for row in experiment["rows"]
        if row["role"] == "code"
    ]


def results_table(rows: list[dict[str, Any]], what: str = "architecture") -> str:
    """The dev results: one row per architecture (or allocation) with its role and interval."""
    lines = [
        f"| {what} | role | accuracy | 95% CI | tokens/item |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lo, hi = r["ci"]
        lines.append(
            f"| {r['name']} | {r['role']} | {r['accuracy']:.3f} | [{lo:.3f}, {hi:.3f}] "
            f"| {r['tokens_per_item']} |"
        )
    return "\n".join(lines)


def _trials_table(trials: list[dict[str, Any]]) -> str:
    lines = ["| trial | architecture | state | accuracy | tokens/item |", "|---|---|---|---|---|"]
    for t in trials:
        acc = "-" if t["accuracy"] is None else f"{t['accuracy']:.3f}"
        lines.append(
            f"| {t['number']} | {t['name']} | {t['state']} | {acc} | {t['tokens_per_item']} |"
        )
    return "\n".join(lines)


def _related(related: list[Related], review: Review) -> str:
    if not related:
        return "The store had no related preprint on this task."
    lines = [f"What is known: {review.known}."]
    if review.failed:
        lines.append(f"What failed: {review.failed}.")
    for r in related:
        mark = " (this work builds on it)" if r.id in review.builds_on else ""
        lines.append(f"- [{r.title}](/preprints/{r.id}) by {r.lab}, {r.status}{mark}")
    return "\n".join(lines)


def assemble(
    *,
    goal: str,
    lab: str,
    task: str,
    related: list[Related],
    review: Review,
    plan: Plan,
    sections: list[tuple[str, str]],
    interpretation: Interpretation,
    critique: Critique,
    model_wrote: bool,
) -> str:
    """The report around an experiment's own ``sections`` ((heading, text) after the
    hypothesis): the header, related work, limitations and the review are the same for all."""
    parts = [
        "" if model_wrote else OFFLINE_NOTE,
        f"**Goal:** {goal}  \n**Lab:** {lab}  \n**Task:** `{task}`",
        "## Related work\n" + _related(related, review),
        "## Hypothesis\n" + plan.hypothesis,
        *(f"## {heading}\n{text}" for heading, text in sections),
        "## Limitations\n" + "\n".join(f"- {c}" for c in interpretation.caveats),
        "## Review\n"
        + (
            "\n".join(f"- {p}" for p in critique.problems)
            if critique.problems
            else "The reviewer found no problem in the draft."
        ),
    ]
    return "\n\n".join(p for p in parts if p)


def write_body(*, experiment: dict[str, Any], interpretation: Interpretation, **common: Any) -> str:
    """The report of an architecture search (``common``: the arguments of ``assemble``)."""
    rows = experiment["rows"]
    diff, lo, hi = experiment["difference"]
    replay = experiment.get("replay") or {}
    method = (
        f"Search space `{experiment['space']}` with the `{experiment['sampler']}` sampler, "
        f"{len(experiment['trials'])} trials on the dev split ({experiment['dev_items']} items) "
        f"with model `{experiment['model']}`. Sample replay saved "
        f"{replay.get('calls_saved', 0)} of {replay.get('calls_nominal', 0)} calls. The best "
        "architecture, the single-call baseline and any cited architecture were then run on "
        "the same dev items." + _code_method(rows)
    )
    results = (
        results_table(rows) + "\n\n"
        f"Paired difference, best minus baseline: **{diff:+.3f}** "
        f"(95% CI [{lo:+.3f}, {hi:+.3f}]). The figure shows every trial's accuracy against "
        "its tokens per item, with the Pareto front."
    )
    sections = [
        ("Method", method),
        ("Results (dev split)", results),
        ("Interpretation", interpretation.summary),
        ("All trials", _trials_table(experiment["trials"])),
        ("Claims", "Each claim carries the exact architecture, task, model and seed that "
         "reproduce it; the gate re-runs it on a fresh seed and on the held-out test split."),
    ]  # fmt: skip
    return assemble(sections=sections, interpretation=interpretation, **common)


def _code_method(rows: list[dict[str, Any]]) -> str:
    code = [r for r in rows if r["role"] == "code"]
    if not code:
        return ""
    row = code[0]
    box = row["sandbox"]
    author = "the offline policy's template" if row.get("offline") else "the lab's engineer"
    return (
        f" The code trial ({author}) is the program in bundle `{row['bundle']}`, run on the same "
        f"dev items in a fresh `{box['backend']}` sandbox through the gate's harness "
        f"({box['wall_s']} s, {box['errors']} items without an answer); its claim names the "
        "bundle, so the gate re-runs the same code in another sandbox."
    )


def review_draft(body: str, claim_list: list[dict[str, Any]]) -> Critique:
    """The offline reviewer's checklist: every claim has a spec, its number is in the text,
    a baseline is reported, and the dev-only caveat is stated."""
    problems = []
    for c in claim_list:
        spec = c.get("spec", {})
        if not (spec.get("architecture") or spec.get("allocation") or spec.get("bundle")):
            problems.append(f"claim {c['metric']}={c['value']} has no experiment to re-run")
        if f"{c['value']:.3f}" not in body:
            problems.append(f"claim value {c['value']:.3f} does not appear in the report")
    if "baseline" not in body:
        problems.append("no baseline is reported")
    if "dev split" not in body:
        problems.append("the report does not say its numbers are on the dev split")
    return Critique(problems=problems, ok=not problems)
