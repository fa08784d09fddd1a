"""The agent proposer's model path: a capable model reads the history and the notes and
proposes a batch as JSON that pydantic validates (repaired once by ``agents.lab.llm.ask``).
Proposals outside the space, over the per-item budget or already tried are dropped; when
none is left the caller falls back to the rules."""

from __future__ import annotations

from pydantic import BaseModel, Field

from agents.allocate.history import Observation
from agents.lab.llm import ask
from search.staged.allocation import Allocation, StageAllocation
from search.staged.proposers import ProposalContext
from search.staged.space import describe_limits

ALLOCATE_PROMPT = """You allocate test-time compute for a multi-stage task, AgentTTS-style.
Task: {task}
Stages, in order: {stages}
Models: {models}. Sample counts per stage: {samples} (0 skips an optional stage).
Temperatures: {temperatures}. Each allocation must cost at most {budget} per item.
What AgentTTS found: (1) stages prefer different models, and at equal budget a smaller model
with more samples is often better; (2) gains from more samples rise, then plateau: find where;
(3) spend on early stages changes what later stages need.
Trials so far (allocation: dev accuracy, worst-case tokens per item):
{history}
Your notes so far:
{notes}
Propose {k} new allocations that are not in the trials above, and update your notes.
Answer with one JSON object: {{"notes": [str], "allocations": [{{"<stage>": {{"model": str,
"samples": int, "temperature": float}}}}]}}"""


class StageChoice(BaseModel):
    model: str
    samples: int = Field(ge=0, le=128)
    temperature: float = Field(0.7, ge=0.0, le=2.0)


class LLMProposal(BaseModel):
    """What the model answers: its notes and a batch of allocations (stage -> choice)."""

    notes: list[str] = Field(default_factory=list, max_length=20)
    allocations: list[dict[str, StageChoice]] = Field(min_length=1, max_length=16)


def render_prompt(ctx: ProposalContext, obs: list[Observation], notes: list[str], k: int) -> str:
    space = ctx.space
    stages = "; ".join(
        f"{s.name} ({s.description or s.kind}{', optional' if s.optional else ''})"
        for s in space.task.stages
    )
    history = "\n".join(
        f"- {o.allocation.describe()}: {o.accuracy:.3f}, {o.cost.tokens}" for o in obs[-40:]
    )
    return ALLOCATE_PROMPT.format(
        task=f"{space.task.label}: {space.task.summary}",
        stages=stages,
        models=", ".join(space.models),
        samples=list(space.samples),
        temperatures=list(space.temperatures),
        budget=describe_limits(space.per_item),
        history=history or "(none yet)",
        notes="\n".join(f"- {n}" for n in notes) or "(none)",
        k=k,
    )


def to_allocation(choice: dict[str, StageChoice]) -> Allocation:
    stages = {
        name: StageAllocation(samples=0)
        if not c.samples
        else StageAllocation(model=c.model, samples=c.samples, temperature=c.temperature)
        for name, c in choice.items()
    }
    return Allocation(name="proposal", stages=stages)


async def ask_model(
    ctx: ProposalContext, obs: list[Observation], notes: list[str], k: int
) -> tuple[list[Allocation], list[str], str]:
    """The model's proposals (as allocations, not yet checked), its notes, and why not."""
    assert ctx.gateway is not None and ctx.agent_model is not None
    prompt = render_prompt(ctx, obs, notes, k)
    asked = await ask(
        ctx.gateway,
        ctx.agent_model,
        prompt,
        LLMProposal,
        budget=ctx.agent_budget,
        tags={"role": "allocate"},
    )
    if asked.value is None:
        return [], [], asked.why_not
    allocations = []
    for choice in asked.value.allocations:
        try:
            allocations.append(to_allocation(choice))
        except ValueError as exc:
            return [], asked.value.notes, f"a proposal is malformed: {exc}"
    return allocations, asked.value.notes, ""
