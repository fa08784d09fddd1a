"""The experiment step: search the plan's space on the dev split under the lab's budget, run
the cited architectures and the single-call baseline on the same dev items, and keep what the
report needs. A resumed lab resumes its optuna study: finished trials are not run again."""

from __future__ import annotations

from typing import Any

from agents.goals import EventKind
from agents.lab import code_trial
from agents.lab.deps import LabDeps
from agents.lab.state import Plan
from kernels import Budget

STUDY = "search"


def search_budget(deps: LabDeps, plan: Plan) -> Budget:
    """The search's share of the lab's limits, never more than what the lab has left outside
    the search (the search adds what its own earlier runs spent when it resumes)."""
    limits = deps.limits
    outside = deps.spent() - deps.spent(phase="experiment")

    def cap(limit: Any, used: float, kind: type) -> Any:
        if limit is None:
            return None
        return kind(max(0, min(limit * plan.search_share, limit - used)))

    return Budget(
        max_tokens=cap(limits["tokens"], outside.tokens, int),
        max_calls=cap(limits["calls"], outside.calls, int),
        max_dollars=cap(limits["dollars"], outside.dollars, float),
    )


def trial_event(deps: LabDeps, record: Any, best: list[float], label: str, **extra: Any) -> None:
    """A finished trial on the goal's event log (``best``: the best-so-far curve, extended)."""
    if record.accuracy is not None:
        best.append(max([record.accuracy, *best]))
    deps.emit(
        EventKind.trial,
        {
            "number": record.number,
            "accuracy": record.accuracy,
            "tokens": record.spent_tokens,
            "best": best[-1] if best else None,
            "architecture": label,
            **extra,
        },
    )
    deps.emit_spend()


def result_row(name: str, result: Any, role: str, **what_ran: Any) -> dict[str, Any]:
    """One row of a lab's dev results: accuracy, interval, tokens per item, per-item scores,
    and what ran (``architecture=`` or ``allocation=``)."""
    s = result.summary()
    return {
        "name": name,
        "role": role,
        "accuracy": s["accuracy"],
        "ci": [s["ci_low"], s["ci_high"]],
        "tokens_per_item": s["tokens_per_item"],
        "n": s["n"],
        **what_ran,
        "scores": [o.score for o in result.outcomes],
    }


async def experiment(deps: LabDeps, plan: Plan) -> dict[str, Any]:
    from search import Architecture, get_task, resolve_space, run_architecture, run_search
    from search.optimize import best_architecture
    from search.replay import SampleBank
    from search.results import write_results
    from search.stats import paired_difference

    task = get_task(deps.spec.task)
    space = resolve_space(plan.space)
    model = space.model or deps.task_model
    gateway = deps.gateway.tagged(phase="experiment")
    folder = deps.folder
    best_so_far: list[float] = []
    result = await run_search(
        task, space, gateway=gateway, budget=search_budget(deps, plan), model=model,
        sampler=plan.sampler, trials=plan.trials, storage=f"sqlite:///{folder / 'optuna.db'}",
        study_name=STUDY, seed=deps.spec.seed, bank_path=folder / "replay.sqlite",
        progress=lambda r, _b: trial_event(deps, r, best_so_far, r.architecture.get("name", "?")),
        first=[space.self_consistency_params()],  # the usual first guess, then the sampler's
    )  # fmt: skip
    best = best_architecture(result)
    dev = task.split("dev")
    bank = SampleBank(folder / "replay.sqlite")
    lab_budget = deps.budget()

    async def on_dev(arch: Any, tag: str) -> Any:
        return await run_architecture(
            arch, task, dev, gateway=gateway, model=model, budget=lab_budget, replay=bank,
            replay_draw=max(space.max_samples(), 1), seed=deps.spec.seed, tags={"eval": tag},
        )  # fmt: skip

    baseline_arch = space.baseline_architecture()
    rows = [
        result_row("single call (baseline)", await on_dev(baseline_arch, "baseline"),
                   "baseline", architecture=baseline_arch.to_spec()),
        result_row(best.name, await on_dev(best, "best"), "best", architecture=best.to_spec()),
    ]  # fmt: skip
    for i, spec in enumerate(plan.starting_points):
        arch = Architecture.from_spec(spec)
        cited = await on_dev(arch, f"cited-{i}")
        rows.append(result_row(f"cited: {arch.name}", cited, "cited", architecture=spec))
    if any(r["role"] == "cited" and r["accuracy"] > rows[1]["accuracy"] for r in rows):
        top = max((r for r in rows if r["role"] == "cited"), key=lambda r: r["accuracy"])
        rows[1], top["role"] = {**top, "role": "best"}, "cited"
    if code_trial.wanted(task):  # an idea as code, in the sandbox (after the rows it uses)
        rows.append(await code_trial.code_trial(deps, task, rows[1]["architecture"], model))
    diff, lo, hi = paired_difference(rows[1]["scores"], rows[0]["scores"])
    write_results(
        folder / "results", result, task=task, space_name=space.name, best=best, comparison=None
    )
    deps.emit_spend()
    return {
        "space": space.name,
        "sampler": plan.sampler,
        "model": model,
        "study": result.study_name,
        "storage": result.storage,
        "trials": [_trial_summary(t) for t in result.trials],
        "rows": rows,
        "difference": [round(diff, 4), round(lo, 4), round(hi, 4)],
        "replay": result.replay.as_dict() if result.replay else None,
        "stopped": result.stopped,
        "results_dir": str(folder / "results"),
        "dev_items": len(dev),
    }


def _trial_summary(t: Any) -> dict[str, Any]:
    return {
        "number": t.number,
        "state": t.state,
        "name": t.architecture.get("name", ""),
        "accuracy": t.accuracy,
        "ci": [t.ci_low, t.ci_high],
        "tokens_per_item": t.tokens_per_item,
        "spent_tokens": t.spent_tokens,
    }
