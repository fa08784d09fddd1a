"""A stage of a multi-stage task: its prompt, how its answers are read, and what it passes on.

A ``generate`` stage asks one prompt (the question and earlier stages' chosen outputs) and
groups its samples by their extracted answer (``reduce: vote``) or keeps them all
(``reduce: all``). A ``judge`` stage asks, for each of the top ``keep`` candidates of an earlier
stage, whether it is right, and re-ranks them by the share of samples that said yes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from search.components.base import Candidate
from search.components.unit_test_generator import parse_tests
from search.components.verifier import says_yes
from search.tasks.humaneval import extract_code
from search.tasks.scoring import extract_number, extract_text

Extract = Literal["number", "text", "line", "label", "code", "tests", "yes_no"]
STAGE_NAME = r"^[a-z][a-z0-9_]*$"
TESTS_PER_SAMPLE = 5  # assert lines kept from one sample of an `extract: tests` stage


class Stage(BaseModel):
    """What one stage asks and how its samples become the stage's output."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=STAGE_NAME)
    kind: Literal["generate", "judge"] = "generate"
    prompt: str = Field("", description="template: {question}, {<earlier stage>}, {candidate}")
    system: str | None = None
    max_tokens: int = Field(32, ge=1, le=8192)
    extract: Extract = "text"
    labels: tuple[str, ...] = Field((), description="the words an `extract: label` stage knows")
    reduce: Literal["vote", "all"] = "vote"
    keep: int = Field(3, ge=1, le=64, description="judge: how many candidates it judges")
    target: str | None = Field(None, description="judge: the stage whose candidates it judges")
    optional: bool = Field(False, description="0 samples allowed: the stage is skipped")
    temperature: float = Field(0.7, ge=0.0, le=2.0, description="the default temperature")
    description: str = ""


@dataclass(frozen=True)
class StageOutput:
    """What a stage left for one item: ranked candidates, best first (empty when skipped)."""

    candidates: tuple[Candidate, ...] = ()
    skipped: bool = False

    @property
    def chosen(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def text(self) -> str:
        chosen = self.chosen
        return chosen.text if chosen else ""

    @property
    def answer(self) -> str:
        chosen = self.chosen
        return (chosen.answer or chosen.text) if chosen else ""


def first_label(text: str, labels: Sequence[str]) -> str | None:
    """The known label that appears first in ``text`` (whole words, any case)."""
    found = [
        (m.start(), label)
        for label in labels
        if (m := re.search(rf"\b{re.escape(label)}\b", text, re.IGNORECASE))
    ]
    return min(found)[1] if found else None


def extractor(stage: Stage) -> Callable[[str], str | None]:
    """How ``stage`` reads one sample: the normalised answer that votes compare."""
    if stage.extract == "number":
        return extract_number
    if stage.extract == "label":
        return lambda text: first_label(text, stage.labels)
    if stage.extract == "code":
        return lambda text: extract_code(text).strip() or None
    if stage.extract == "tests":
        return lambda text: "\n".join(parse_tests(text, True, TESTS_PER_SAMPLE)) or None
    if stage.extract == "yes_no":
        return lambda text: "yes" if says_yes(text) else "no"
    if stage.extract == "line":
        return lambda text: next((ln.strip() for ln in text.splitlines() if ln.strip()), None)
    return extract_text


def vote(texts: Sequence[str], read: Callable[[str], str | None], origin: str) -> StageOutput:
    """Samples grouped by answer, most votes first (ties: the answer seen first); each group is
    represented by its first sample, scored by its share of the votes."""
    groups: dict[str, list[str]] = {}
    unread: list[str] = []
    for text in texts:
        answer = read(text)
        if answer is None:
            unread.append(text)
        else:
            groups.setdefault(answer, []).append(text)
    total = max(len(texts), 1)
    ranked = sorted(groups.items(), key=lambda kv: -len(kv[1]))  # stable: first seen wins ties
    cands = [Candidate(ts[0], a, origin, None, len(ts) / total) for a, ts in ranked]
    cands += [Candidate(t, None, origin, None, 0.0) for t in unread[:1] if not cands]
    return StageOutput(tuple(cands))


def keep_all(texts: Sequence[str], read: Callable[[str], str | None], origin: str) -> StageOutput:
    """Every distinct sample, in order (for code and tests, where a vote means little)."""
    seen: set[str] = set()
    cands = []
    for text in texts:
        answer = read(text)
        key = answer if answer is not None else text
        if key in seen:
            continue
        seen.add(key)
        cands.append(Candidate(text, answer, origin, None, None))
    return StageOutput(tuple(cands))
