"""An allocation study as a lab's experiment (AgentTTS-style), for goals on a staged task.

The plan picks the agent proposer and a trial count the lab's budget covers; the experiment
runs the study (``search.staged.run_study`` with ``agents.allocate``'s proposer, one optuna
study, samples replayed from one bank) on the dev split, then runs the best allocation and the
baseline (one sample per stage of the task model, optional stages skipped) on the same dev
items, and writes the results folder (trials, best-so-far plot, the proposer's notes). A
resumed lab resumes its study: finished trials are not run again.
"""

from __future__ import annotations

from typing import Any

from agents.lab.deps import LabDeps
from agents.lab.experiment import result_row, search_budget, trial_event
from agents.lab.state import Plan
from search.staged import AllocationSpace, StagedTask

STUDY = "allocation"
LAB_SAMPLES = (1, 2, 4)
LAB_TEMPERATURES = (0.3, 0.7, 1.0)
MIN_TRIALS, MAX_TRIALS = 3, 8
# What one trial may cost, in baseline allocations run on the whole dev split (the replay
# bank draws the largest sample count once, then later trials reuse it).
BASELINES_PER_TRIAL = 3
HYPOTHESIS = (
    "The stages of {task} do not need the same allocation: an agent proposer that follows "
    "AgentTTS's insights (stages prefer different models and sample counts; gains from more "
    "samples rise, then plateau; what early stages get changes what later ones need) finds, "
    "in {trials} trials, a per-stage model, sample count and temperature that beats one "
    "sample per stage of {model}."
)


def staged_task(name: str) -> StagedTask | None:
    """The staged task ``name`` names, or None when it names a plain task."""
    from search import SearchError
    from search.staged import get_staged_task

    try:
        return get_staged_task(name)
    except (SearchError, OSError):
        return None


def allocation_space(deps: LabDeps, task: StagedTask) -> AllocationSpace:
    models = list(deps.spec.models) or [deps.task_model]
    return AllocationSpace(
        task,
        models,
        task.split("dev"),
        deps.gateway.tagged(phase="experiment"),
        samples=LAB_SAMPLES,
        temperatures=LAB_TEMPERATURES,
    )


def trials_for(deps: LabDeps, space: AllocationSpace, share: float) -> int:
    """As many trials as the search's share of the lab's tokens covers, within bounds."""
    limit = deps.limits["tokens"]
    if limit is None:
        return MAX_TRIALS
    baseline = space.baseline().resolve(space.task, space.models[0])
    per_trial = space.costs.cost(baseline).total.tokens * BASELINES_PER_TRIAL
    return max(MIN_TRIALS, min(MAX_TRIALS, int(limit * share) // max(per_trial, 1)))


def allocation_plan(deps: LabDeps, task: StagedTask) -> Plan:
    """The offline policy's plan for a staged task: an allocation study by the agent proposer."""
    space = allocation_space(deps, task)
    share = Plan.model_fields["search_share"].default
    trials = trials_for(deps, space, share)
    model = space.models[0]
    return Plan(
        hypothesis=HYPOTHESIS.format(task=task.label, trials=trials, model=model),
        kind="allocation",
        space=task.label,
        proposer="agent",
        trials=trials,
        search_share=share,
    )


def _trial_summary(t: Any) -> dict[str, Any]:
    return {
        "number": t.number,
        "state": t.state if t.feasible else "OVER BUDGET",
        "name": t.label,
        "accuracy": t.accuracy,
        "ci": [t.ci_low, t.ci_high],
        "tokens_per_item": t.tokens_per_item,
        "spent_tokens": t.spent_tokens,
        "reason": t.reason,
    }


async def run_study_for(deps: LabDeps, plan: Plan, space: AllocationSpace) -> Any:
    import agents.allocate  # noqa: F401  (registers the agent proposer)
    from search.replay import SampleBank
    from search.staged import ProposalContext, get_proposer, run_study

    gateway = deps.gateway.tagged(phase="experiment")
    seed = deps.spec.seed
    ctx = ProposalContext(space, gateway, deps.agent_model, deps.budget(), seed=seed)
    best_so_far: list[float] = []
    return await run_study(
        space, get_proposer(plan.proposer, seed=seed), gateway=gateway, trials=plan.trials,
        storage=f"sqlite:///{deps.folder / 'optuna.db'}", study_name=STUDY, seed=seed,
        bank=SampleBank(deps.folder / "replay.sqlite"), budget=search_budget(deps, plan),
        ctx=ctx,
        progress=lambda t: trial_event(deps, t, best_so_far, t.label, allocation=t.allocation),
    )  # fmt: skip


async def allocation_experiment(deps: LabDeps, plan: Plan) -> dict[str, Any]:
    """Run the plan's allocation study on dev; the experiment record the report needs."""
    from search.replay import SampleBank
    from search.staged import Allocation, get_staged_task, run_allocation
    from search.staged.results import write_results
    from search.stats import paired_difference

    task = get_staged_task(deps.spec.task)
    space = allocation_space(deps, task)
    study = await run_study_for(deps, plan, space)
    best = study.best()
    if best is None:
        raise RuntimeError(
            f"the allocation study on {task.label} evaluated no allocation "
            f"({study.stopped or 'no trial finished'}); give the goal a larger budget"
        )
    bank, lab_budget = SampleBank(deps.folder / "replay.sqlite"), deps.budget()

    async def on_dev(alloc: Allocation, tag: str) -> Any:
        return await run_allocation(
            task, alloc, "dev", gateway=space.gateway, budget=lab_budget, seed=deps.spec.seed,
            items=space.items, replay=bank, replay_draw=space.max_samples(), precheck=False,
            tags={"eval": tag},
        )  # fmt: skip

    chosen = Allocation.from_spec({**best.allocation, "name": "best"})
    baseline = space.baseline()
    base, top = await on_dev(baseline, "baseline"), await on_dev(chosen, "best")
    rows = [
        result_row("one sample per stage (baseline)", base, "baseline", allocation=base.allocation),
        result_row(chosen.describe(), top, "best", allocation=top.allocation),
    ]
    diff, lo, hi = paired_difference(rows[1]["scores"], rows[0]["scores"])
    results = deps.folder / "results"
    write_results(results, [study], space, None)
    deps.emit_spend()
    return {
        "kind": "allocation",
        "space": task.label,
        "space_description": space.describe(),
        "sampler": plan.proposer,
        "proposer": plan.proposer,
        "model": space.models[0],
        "study": study.study_name,
        "storage": study.storage,
        "trials": [_trial_summary(t) for t in study.trials],
        "curve": study.curve(),
        "notes": study.notes,
        "rows": rows,
        "difference": [round(diff, 4), round(lo, 4), round(hi, 4)],
        "replay": study.replay.as_dict() if study.replay else None,
        "stopped": study.stopped,
        "results_dir": str(results),
        "figure": str(results / "best_so_far.png"),
        "dev_items": len(space.items),
    }


async def remeasure(deps: LabDeps, spec: dict[str, Any], seeds: list[int]) -> list[float]:
    """The claim's allocation re-run on the dev split with each of ``seeds`` (a revision)."""
    from search.staged import run_allocation

    gateway = deps.gateway.tagged(phase="revise")
    scores = []
    for seed in seeds:
        result = await run_allocation(
            spec.get("task") or deps.spec.task, spec["allocation"], "dev", gateway=gateway,
            budget=deps.budget(), seed=seed, model=spec.get("model"), precheck=False,
            tags={"eval": "revision"},
        )  # fmt: skip
        scores.append(result.accuracy)
    return scores
