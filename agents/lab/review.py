"""The review step: search the preprint store, read the most related preprints, and say what
is known, what failed and what to build on."""

from __future__ import annotations

from typing import Any

from agents.lab.deps import LabDeps
from agents.lab.llm import ask, capable
from agents.lab.roles import LEAD_REVIEW_PROMPT
from agents.lab.state import Related, Review

TOP_K = 5


def related_preprints(deps: LabDeps) -> list[Related]:
    """The store's best matches for the goal on the same task, newest information first."""
    from preprints import PreprintFilter

    same_goal = deps.store.list(PreprintFilter(goal=deps.goal_id), limit=TOP_K).items
    query = f"{deps.spec.text} {deps.spec.task}"
    hits = deps.store.search(query, limit=TOP_K, filters=PreprintFilter(task=deps.spec.task))
    ids = [p.preprint_id for p in same_goal] + [h.preprint.preprint_id for h in hits.hits]
    seen: set[str] = set()
    related: list[Related] = []
    for preprint_id in ids:
        if preprint_id not in seen and len(related) < TOP_K:
            seen.add(preprint_id)
            related.append(_related(deps.store.get(preprint_id)))
    return related


def _related(preprint: Any) -> Related:
    arch, acc, space = None, None, None
    for claim in preprint.claims:
        spec = claim.spec or {}
        if claim.metric == "accuracy" and spec.get("name") == "best":
            arch, acc = spec.get("architecture"), claim.value
            space = (spec.get("meta") or {}).get("space")
    return Related(
        id=preprint.preprint_id,
        title=preprint.title,
        lab=preprint.lab,
        status=str(preprint.status),
        accuracy=acc,
        architecture=arch,
        space=space,
    )


BUILDABLE = ("verified", "submitted")  # a submitted preprint may still be at the gate


def _said(status: str) -> str:
    return "verified by the gate" if status == "verified" else "not yet verified"


def offline_review(related: list[Related]) -> Review:
    """What the store says, from its data: verified results are known, results still at the
    gate are promising, rejected or flagged ones failed. Build on the best of the first two."""
    usable = [r for r in related if r.status in BUILDABLE and r.architecture]
    usable.sort(key=lambda r: (r.status != "verified", -(r.accuracy or 0.0)))
    failed = [r for r in related if r.status in ("rejected", "flagged")]
    known = "; ".join(
        f"{r.id} ({r.lab}): {(r.architecture or {}).get('name', '?')} reached dev accuracy "
        f"{r.accuracy or 0.0:.3f} ({_said(r.status)})"
        for r in usable
    )
    return Review(
        known=known or "nothing on this task yet",
        failed="; ".join(f"{r.id} ({r.lab}) was {r.status}" for r in failed),
        builds_on=[r.id for r in usable[:2]],
    )


async def review(deps: LabDeps) -> tuple[list[Related], Review, str | None]:
    """(related preprints, the review, why the offline policy was used or None)."""
    related = related_preprints(deps)
    fallback = offline_review(related)
    if not capable(deps.agent_model):
        return related, fallback, None
    assert deps.agent_model is not None
    listing = "\n".join(
        f"- {r.id} [{r.status}] {r.title} (dev accuracy {r.accuracy})" for r in related
    )
    asked = await ask(
        deps.gateway,
        deps.agent_model,
        LEAD_REVIEW_PROMPT.format(goal=deps.spec.text, task=deps.spec.task, related=listing),
        Review,
        budget=deps.budget(),
        tags={"phase": "review"},
    )
    if asked.value is None:
        return related, fallback, f"review: {asked.why_not}"
    known_ids = {r.id for r in related}
    value = asked.value.model_copy(
        update={"builds_on": [i for i in asked.value.builds_on if i in known_ids]}
    )
    return related, value, None
