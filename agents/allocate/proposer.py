"""The agent proposer: keeps the history (the study's trials), writes down what it learned
(notes kept with the study), and proposes the next batch by AgentTTS's three insights.

With a capable model configured (``agent_model``, e.g. a hosted one; the embedded 135M model
is not capable) it asks the model; an unusable answer is repaired once, then the rules
propose instead, and the notes say so. Without one, the insights run as rules.
"""

from __future__ import annotations

from typing import Any

from agents.allocate.history import load_remarks, observations, save_notes, tried_keys
from agents.allocate.insights import FOCUS_ATTR, Candidate, Focus, Rules
from agents.allocate.llm import ask_model
from agents.allocate.notes import learn
from agents.lab.llm import capable
from search.staged.proposers import Proposal, ProposalContext, Proposer, proposer


@proposer("agent")
class AgentProposer(Proposer):
    """History + notes + the three insights; a capable model when configured, else rules."""

    def __init__(self, seed: int = 0, use_model: bool = True) -> None:
        super().__init__(seed)
        self.use_model = use_model

    def sampler(self) -> Any:
        import optuna

        return optuna.samplers.RandomSampler(seed=self.seed)  # only when nothing is queued

    async def propose(self, study: Any, ctx: ProposalContext, k: int) -> list[Proposal]:
        space = ctx.space
        obs = observations(study, space)
        taken = tried_keys(study, space)
        rules = Rules(space, seed=self.seed + len(study.trials))
        notes = load_remarks(study)
        chosen: list[Candidate] = []
        if self.use_model and capable(ctx.agent_model) and ctx.gateway is not None:
            chosen, model_notes, why_not = await self._ask(ctx, obs, notes, taken, k, rules)
            notes += model_notes
            if not chosen:
                notes.append(f"the model's proposals were unusable ({why_not}); rules proposed")
        if not chosen:
            focus = Focus(**study.user_attrs.get(FOCUS_ATTR, {}))
            chosen = rules.propose(obs, taken, focus, k)
            study.set_user_attr(FOCUS_ATTR, {"step": focus.step, "passes": focus.passes})
        save_notes(study, notes, learn(obs, space.stages, rules.margin))
        return [Proposal(space.params(a), why) for a, why in chosen]

    async def finish(self, study: Any, ctx: ProposalContext) -> None:
        """The notes, rewritten from the whole history once the last trial is in."""
        obs = observations(study, ctx.space)
        margin = Rules(ctx.space).margin
        save_notes(study, load_remarks(study), learn(obs, ctx.space.stages, margin))

    async def _ask(
        self,
        ctx: ProposalContext,
        obs: Any,
        notes: list[str],
        taken: set[str],
        k: int,
        rules: Rules,
    ) -> tuple[list[Candidate], list[str], str]:
        allocations, model_notes, why_not = await ask_model(ctx, obs, notes, k)
        usable: list[Candidate] = []
        for alloc in allocations:
            if len(usable) < k and rules.usable(alloc, taken):
                taken.add(alloc.key())
                usable.append((alloc, f"proposed by {ctx.agent_model}"))
        if allocations and not usable:
            why_not = "every proposal was outside the space, over budget or already tried"
        return usable, model_notes, why_not
