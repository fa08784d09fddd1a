"""What the agent proposer knows: the study's evaluated allocations and its own notes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kernels import Cost
from search.staged.allocation import Allocation
from search.staged.proposers import NOTES_ATTR
from search.staged.space import AllocationSpace

MAX_NOTES = 40


@dataclass(frozen=True)
class Observation:
    """One evaluated allocation: its dev accuracy and its worst-case cost per item."""

    number: int
    allocation: Allocation
    accuracy: float
    cost: Cost
    reason: str = ""

    @property
    def key(self) -> str:
        return self.allocation.key()


def observations(study: Any, space: AllocationSpace) -> list[Observation]:
    """Every completed, feasible trial of ``study`` (any proposer's), oldest first."""
    out = []
    for t in study.trials:
        if t.state.name != "COMPLETE" or t.user_attrs.get("infeasible"):
            continue
        alloc = space.allocation(t.params, name=f"trial-{t.number}")
        acc = t.user_attrs.get("accuracy", t.value)
        reason = str(t.user_attrs.get("reason", ""))
        out.append(Observation(t.number, alloc, float(acc or 0.0), space.cost(alloc), reason))
    return out


def tried_keys(study: Any, space: AllocationSpace) -> set[str]:
    """Keys of every allocation already asked, feasible or not, finished or queued."""
    keys = set()
    for t in study.trials:
        params = t.params or t.system_attrs.get("fixed_params")
        if params and all(k in params for k in space.distributions()):
            keys.add(space.allocation(params).key())
    return keys


def best(obs: list[Observation]) -> Observation | None:
    """Highest accuracy; on a tie the earlier (the incumbent): a tie on a few items is noise,
    and following it to cheaper allocations walks away from where the gains are."""
    return max(obs, key=lambda o: (o.accuracy, -o.number), default=None)


REMARKS_ATTR = "rxlab_agent_remarks"  # what the model said and when it fell back; kept


def load_notes(study: Any) -> list[str]:
    return list(study.user_attrs.get(NOTES_ATTR, []))


def load_remarks(study: Any) -> list[str]:
    return list(study.user_attrs.get(REMARKS_ATTR, []))


def save_notes(study: Any, remarks: list[str], learned: list[str]) -> None:
    """Keep the notes with the study: the remarks so far (the model's notes, fall-backs) and
    what the history teaches now (rewritten each round), deduplicated, at most ``MAX_NOTES``."""
    kept: list[str] = []
    for note in remarks:
        if note not in kept:
            kept.append(note)
    kept = kept[-MAX_NOTES // 2 :]
    study.set_user_attr(REMARKS_ATTR, kept)
    study.set_user_attr(NOTES_ATTR, [*kept, *learned][-MAX_NOTES:])
