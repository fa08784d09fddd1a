"""A lab as a LangGraph graph:

    review -> plan -> experiment -> interpret -> write -> submit -> (revise -> submit) -> END

Every node returns a partial update of ``LabState``; LangGraph checkpoints the state after each
node, so ``rxlab resume`` continues from the last finished node (and the experiment node
resumes its optuna study, so finished trials are not run again)."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from typing import Any

from agents.goals import EventKind
from agents.lab import plan as plan_step
from agents.lab import review as review_step
from agents.lab.allocation import allocation_experiment
from agents.lab.allocation_report import allocation_body, allocation_claims, interpret_allocation
from agents.lab.deps import LabDeps
from agents.lab.experiment import experiment
from agents.lab.llm import ask, capable
from agents.lab.report import claims, interpret_offline, review_draft
from agents.lab.report import write_body as architecture_body
from agents.lab.roles import ENGINEER_INTERPRET_PROMPT, REVIEWER_PROMPT
from agents.lab.state import Critique, Interpretation, LabState, Plan, Related, Review
from agents.lab.submit import revise_claims, submit

Node = Callable[[LabState], Awaitable[dict[str, Any]]]
MAX_REVISIONS = 1


def _phase(deps: LabDeps, name: str, node: Node) -> Node:
    async def run(state: LabState) -> dict[str, Any]:
        deps.emit(EventKind.phase, {"phase": name})
        update = await node(state)
        deps.emit_spend()
        return {**update, "phase": name}

    return run


def _fallbacks(state: LabState, why: str | None) -> list[str]:
    done = list(state.get("fallbacks", []))
    return [*done, why] if why else done


def _note_fallback(deps: LabDeps, why: str | None) -> None:
    if why:
        deps.emit(EventKind.note, {"message": f"offline policy used for {why}"})


def nodes(deps: LabDeps) -> dict[str, Node]:
    async def review(state: LabState) -> dict[str, Any]:
        related, rev, why = await review_step.review(deps)
        _note_fallback(deps, why)
        return {
            "related": [r.model_dump() for r in related],
            "review": rev.model_dump(),
            "fallbacks": _fallbacks(state, why),
        }

    async def plan(state: LabState) -> dict[str, Any]:
        related = [Related.model_validate(r) for r in state["related"]]
        chosen, why = await plan_step.plan(deps, Review.model_validate(state["review"]), related)
        _note_fallback(deps, why)
        deps.emit(EventKind.note, {"message": f"plan: {chosen.hypothesis}"})
        return {"plan": chosen.model_dump(), "fallbacks": _fallbacks(state, why)}

    async def run_experiment(state: LabState) -> dict[str, Any]:
        plan = Plan.model_validate(state["plan"])
        run = allocation_experiment if plan.kind == "allocation" else experiment
        return {"experiment": await run(deps, plan)}

    async def interpret(state: LabState) -> dict[str, Any]:
        data = state["experiment"]
        offline = interpret_allocation if data.get("kind") == "allocation" else interpret_offline
        value, why = offline(data), None
        if capable(deps.agent_model):
            assert deps.agent_model is not None
            brief = {k: data[k] for k in ("space", "rows", "difference", "dev_items")}
            asked = await ask(
                deps.gateway, deps.agent_model,
                ENGINEER_INTERPRET_PROMPT.format(experiment=brief), Interpretation,
                budget=deps.budget(), tags={"phase": "interpret"},
            )  # fmt: skip
            if asked.value is None:
                why = f"interpret: {asked.why_not}"
            else:  # the numbers' verdict stands; the model adds words and caveats
                value = asked.value.model_copy(
                    update={
                        "beats_baseline": value.beats_baseline,
                        "caveats": [*value.caveats, *asked.value.caveats],
                    }
                )
        _note_fallback(deps, why)
        return {"interpretation": value.model_dump(), "fallbacks": _fallbacks(state, why)}

    async def write(state: LabState) -> dict[str, Any]:
        return await _write(deps, state)

    async def do_submit(state: LabState) -> dict[str, Any]:
        return await submit(deps, state)

    async def revise(state: LabState) -> dict[str, Any]:
        return await revise_claims(deps, state)

    return {
        "review": _phase(deps, "review", review),
        "plan": _phase(deps, "plan", plan),
        "experiment": _phase(deps, "experiment", run_experiment),
        "interpret": _phase(deps, "interpret", interpret),
        "write": _phase(deps, "write", write),
        "submit": _phase(deps, "submit", do_submit),
        "revise": _phase(deps, "revise", revise),
    }


async def _write(deps: LabDeps, state: LabState) -> dict[str, Any]:
    data = state["experiment"]
    plan = Plan.model_validate(state["plan"])
    allocation = data.get("kind") == "allocation"
    write_claims, write_body = (
        (allocation_claims, allocation_body) if allocation else (claims, architecture_body)
    )
    claim_list = write_claims(data, deps.spec.task, deps.spec.seed)
    model_wrote = capable(deps.agent_model) and not state.get("fallbacks")
    args: dict[str, Any] = {
        "goal": deps.spec.text,
        "lab": deps.lab,
        "task": deps.spec.task,
        "related": [Related.model_validate(r) for r in state["related"]],
        "review": Review.model_validate(state["review"]),
        "plan": plan,
        "experiment": data,
        "interpretation": Interpretation.model_validate(state["interpretation"]),
        "model_wrote": model_wrote,
    }
    draft = write_body(**args, critique=Critique())
    critique, why = review_draft(draft, claim_list), None
    if capable(deps.agent_model):
        assert deps.agent_model is not None
        asked = await ask(
            deps.gateway, deps.agent_model, REVIEWER_PROMPT.format(draft=draft), Critique,
            budget=deps.budget(), tags={"phase": "write"},
        )  # fmt: skip
        if asked.value is None:
            why = f"review of the draft: {asked.why_not}"
        else:
            critique = Critique(problems=[*critique.problems, *asked.value.problems])
    fallbacks = _fallbacks(state, why)
    body = write_body(**args, critique=critique)
    if fallbacks:
        body += "\n\n## Fallbacks\nThe language model's answer could not be used for: " + (
            "; ".join(fallbacks) + ". rxlab's offline policy did those steps instead."
        )
    best = data["rows"][1]
    title = f"{best['name']} on {deps.spec.task}: {best['accuracy']:.3f} dev accuracy"
    abstract = Interpretation.model_validate(state["interpretation"]).summary
    report = {
        "title": title,
        "abstract": abstract,
        "body": body,
        "claims": claim_list,
        "builds_on": plan.builds_on,
        "figure": data.get("figure") or str(deps.folder / "results" / "pareto.png"),
    }
    return {"report": report, "fallbacks": fallbacks, "wrote_with_model": model_wrote}


def after_submit(state: LabState) -> str:
    if state.get("revisable") and state.get("revisions", 0) < MAX_REVISIONS:
        return "revise"
    return "end"


def build_graph(deps: LabDeps) -> Any:
    from langgraph.graph import END, START, StateGraph

    graph = StateGraph(LabState)
    for name, node in nodes(deps).items():
        graph.add_node(name, node)  # type: ignore[call-overload]
    order = ["review", "plan", "experiment", "interpret", "write", "submit"]
    graph.add_edge(START, order[0])
    for a, b in itertools.pairwise(order):
        graph.add_edge(a, b)
    graph.add_conditional_edges("submit", after_submit, {"revise": "revise", "end": END})
    graph.add_edge("revise", "submit")
    return graph
