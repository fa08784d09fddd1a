"""The plan step: one idea for this lab's experiment, from the lead's model or, without a
capable model, from the offline policy (the search-space ladder and what the store says)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agents.lab.deps import LabDeps
from agents.lab.llm import ask, capable
from agents.lab.roles import LEAD_PLAN_PROMPT
from agents.lab.state import Plan, Related, Review

# Spaces tried in order: a lab that builds on a verified result moves one rung up from the
# space that result came from. ``{task}`` is the goal's task.
SPACE_LADDER = ("{task}-quick", "{task}", "{task}-archon")
TRIALS_PER_SPACE = {"quick": 6, "default": 8, "archon": 8}
MAX_TRIALS = 40


def spaces_for(task: str) -> dict[str, str]:
    """Bundled search spaces for ``task``: name -> description."""
    from importlib.resources import files

    import yaml

    found: dict[str, str] = {}
    folder = Path(str(files("search") / "spaces"))
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text()) or {}
        if data.get("task") in (None, task):
            found[path.stem] = str(data.get("description", ""))
    return found


def _ladder(task: str, available: dict[str, str]) -> list[str]:
    return [s.format(task=task) for s in SPACE_LADDER if s.format(task=task) in available]


def _trials(space: str, task: str) -> int:
    if space.endswith("-quick"):
        return TRIALS_PER_SPACE["quick"]
    return TRIALS_PER_SPACE["archon" if space.endswith("-archon") else "default"]


def offline_plan(task: str, review: Review, related: list[Related]) -> Plan:
    """Start at the ladder's first space; building on a verified result, take the next rung
    and run the cited architectures on dev first."""
    available = spaces_for(task)
    ladder = _ladder(task, available) or sorted(available)
    if not ladder:
        raise LookupError(f"no search space is bundled for task {task!r}; pass --space")
    cited = [r for r in related if r.id in review.builds_on and r.architecture]
    if not cited:
        space = ladder[0]
        hypothesis = (
            f"Drawing several samples and aggregating them (self-consistency and friends) "
            f"beats a single sample on {task}; the search over {space} finds how many, at "
            "which temperature."
        )
        return Plan(hypothesis=hypothesis, space=space, trials=_trials(space, task))
    rungs = [ladder.index(r.space) for r in cited if r.space in ladder]
    space = ladder[min(max(rungs, default=-1) + 1, len(ladder) - 1)]
    names = ", ".join(f"{r.id} ({(r.architecture or {}).get('name', '?')})" for r in cited)
    hypothesis = (
        f"Building on {names}: a wider search ({space}) around the verified architecture "
        f"improves on it on {task}, and the cited result reproduces on our dev split."
    )
    return Plan(
        hypothesis=hypothesis,
        space=space,
        trials=_trials(space, task),
        builds_on=[r.id for r in cited],
        starting_points=[r.architecture for r in cited if r.architecture],
    )


async def plan(deps: LabDeps, review: Review, related: list[Related]) -> tuple[Plan, str | None]:
    """(the plan, why the offline policy was used or None). A staged task gets an
    allocation study (``agents.lab.allocation``)."""
    from agents.lab.allocation import allocation_plan, staged_task

    if (staged := staged_task(deps.spec.task)) is not None:
        return allocation_plan(deps, staged), None
    fallback = offline_plan(deps.spec.task, review, related)
    if deps.spec.space:
        fallback = fallback.model_copy(
            update={"space": deps.spec.space, "trials": _trials(deps.spec.space, deps.spec.task)}
        )
    if not capable(deps.agent_model):
        return fallback, None
    assert deps.agent_model is not None
    available = spaces_for(deps.spec.task)
    prompt = LEAD_PLAN_PROMPT.format(
        goal=deps.spec.text,
        known=review.known,
        failed=review.failed or "nothing recorded",
        spaces="; ".join(f"{k}: {v}" for k, v in available.items()),
        budget=deps.limits,
        max_trials=MAX_TRIALS,
    )
    asked = await ask(
        deps.gateway, deps.agent_model, prompt, Plan, budget=deps.budget(), tags={"phase": "plan"}
    )
    if asked.value is None:
        return fallback, f"plan: {asked.why_not}"
    chosen = asked.value
    if chosen.space not in available and not Path(chosen.space).is_file():
        return fallback, f"plan: the model chose an unknown space {chosen.space!r}"
    return _with_citations(chosen, fallback), None


def _with_citations(chosen: Plan, fallback: Plan) -> Plan:
    """Keep the model's idea, but never drop a cited architecture the offline policy found."""
    update: dict[str, Any] = {
        "builds_on": sorted(set(chosen.builds_on) | set(fallback.builds_on)),
        "starting_points": fallback.starting_points,
    }
    return chosen.model_copy(update=update)
