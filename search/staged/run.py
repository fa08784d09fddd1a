"""Running one stage for one item: sample, read, reduce; or judge; or a whole architecture."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from kernels import CompletionRequest
from search.components.base import Candidate, State
from search.components.verifier import says_yes
from search.context import Context
from search.executor import run_layer
from search.staged.allocation import Resolved
from search.staged.stages import Stage, StageOutput, extractor, keep_all, vote
from search.staged.task import StagedTask, Trace
from search.staged.view import StageView
from search.tasks.base import Item


def _request(stage: Stage, r: Resolved, messages: list[dict[str, str]]) -> CompletionRequest:
    return CompletionRequest(
        model=r.model,
        messages=messages,
        n=r.samples,
        temperature=r.temperature,
        max_tokens=stage.max_tokens,
    )


async def generate(
    task: StagedTask, stage: Stage, r: Resolved, item: Item, trace: Trace, ctx: Context
) -> StageOutput:
    request = _request(stage, r, task.messages(stage, item, trace))
    texts = await ctx.sample(request, draw=max(ctx.replay_draw, r.samples))
    origin = f"{stage.name}:{r.model}@{r.temperature:g}"
    reduce = vote if stage.reduce == "vote" else keep_all
    return reduce(texts, extractor(stage), origin)


async def judge(
    task: StagedTask, stage: Stage, r: Resolved, item: Item, trace: Trace, ctx: Context
) -> StageOutput:
    """Ask, for each of the target's top ``keep`` candidates, whether it is right; re-rank by
    the share of yes (then by the target's own ranking)."""
    target = trace[stage.target or ""]
    judged = list(target.candidates[: stage.keep])

    async def yes_share(cand: Candidate) -> float:
        messages = task.messages(stage, item, trace, candidate=cand.answer or cand.text)
        texts = await ctx.sample(_request(stage, r, messages), draw=max(ctx.replay_draw, r.samples))
        return sum(says_yes(t) for t in texts) / max(len(texts), 1)

    shares = await asyncio.gather(*(yes_share(c) for c in judged))
    order = sorted(range(len(judged)), key=lambda i: -shares[i])  # stable: target order on ties
    ranked = [replace(judged[i], critique=f"judged yes {shares[i]:.2f}") for i in order]
    return StageOutput((*ranked, *target.candidates[stage.keep :]))


async def architecture(
    task: StagedTask, stage: Stage, r: Resolved, item: Item, trace: Trace, ctx: Context
) -> StageOutput:
    """Run the stage's architecture on the stage's prompt; its candidates are the output."""
    assert r.architecture is not None
    view = StageView(task, stage, trace)
    inner = replace(ctx, task=view, default_model=r.model)  # same meter, budget and bank
    state = State(item=item)
    for layer in r.architecture.layers:
        state = await run_layer(layer, state, inner)
    return StageOutput(tuple(state.candidates))


async def run_stage(
    task: StagedTask, r: Resolved, item: Item, trace: Trace, ctx: Context
) -> StageOutput:
    stage = task.stage(r.stage)
    if r.architecture is not None:
        return await architecture(task, stage, r, item, trace, ctx)
    if r.skipped:
        return StageOutput(skipped=True)
    if stage.kind == "judge":
        return await judge(task, stage, r, item, trace, ctx)
    return await generate(task, stage, r, item, trace, ctx)
