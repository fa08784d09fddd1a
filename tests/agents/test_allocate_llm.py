"""The agent proposer with a capable model: validated proposals, one repair, then the rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import agents.allocate  # noqa: F401  (registers the agent proposer)
from agents.allocate import ALLOCATE_PROMPT, LLMProposal
from kernels import Gateway, mock_scripts
from search.staged import get_staged_task
from search.staged.proposers import ProposalContext, get_proposer
from search.staged.space import AllocationSpace
from search.staged.study import StudyResult, run_study
from tests.search.test_staged_fakes import Land

PROPOSAL = {
    "notes": ["plan prefers a low temperature"],
    "allocations": [
        {
            "plan": {"model": "mock/land", "samples": 2, "temperature": 0.3},
            "solve": {"model": "mock/land", "samples": 4, "temperature": 0.7},
            "check": {"model": "mock/land", "samples": 0, "temperature": 0.7},
        }
    ],
}


async def study_with(script: Any, rxlab_home: Path, model: str = "mock/allocator") -> StudyResult:
    with mock_scripts(land=Land(seed=1), allocator=script):
        gateway = Gateway(rxlab_home, cache=False)
        task = get_staged_task("arith-staged", dev_size=3, test_size=3)
        space = AllocationSpace(task, ["mock/land"], task.split("dev"), gateway)
        ctx = ProposalContext(space, gateway, agent_model=model)
        return await run_study(
            space, get_proposer("agent"), gateway=gateway, trials=1, study_name="llm", ctx=ctx
        )


def test_the_prompt_states_the_three_insights_and_the_schema_validates() -> None:
    assert "smaller model" in ALLOCATE_PROMPT and "plateau" in ALLOCATE_PROMPT
    assert "early stages" in ALLOCATE_PROMPT
    assert LLMProposal.model_validate(PROPOSAL).allocations[0]["solve"].samples == 4
    with pytest.raises(ValueError):
        LLMProposal.model_validate({"notes": [], "allocations": []})


async def test_a_valid_answer_is_tried_and_its_notes_kept(rxlab_home: Path) -> None:
    prompts: list[str] = []

    def allocator(messages: list[dict[str, str]], params: dict[str, Any]) -> str:
        prompts.append(messages[-1]["content"])
        return json.dumps(PROPOSAL)

    result = await study_with(allocator, rxlab_home)
    trial = result.evaluated()[0]
    assert trial.reason == "proposed by mock/allocator"
    assert trial.label.startswith("plan=land x2 @0.3, solve=land x4 @0.7")
    assert "plan prefers a low temperature" in result.notes
    assert len(prompts) == 1 and "Trials so far" in prompts[0] and "(none yet)" in prompts[0]


async def test_a_broken_answer_is_repaired_once(rxlab_home: Path) -> None:
    calls: list[int] = []

    def allocator(messages: list[dict[str, str]], params: dict[str, Any]) -> str:
        calls.append(len(messages))
        return '{"notes": [' if len(calls) == 1 else json.dumps(PROPOSAL)

    result = await study_with(allocator, rxlab_home)
    assert calls == [1, 3]  # the repair quotes the broken answer and asks again
    assert result.evaluated()[0].reason == "proposed by mock/allocator"


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ("not json at all", "not valid after one repair"),
        (
            json.dumps(
                {**PROPOSAL, "allocations": [{"plan": {"model": "mock/land", "samples": 3}}]}
            ),
            "outside the space",
        ),
    ],
)
async def test_an_unusable_answer_falls_back_to_the_rules(
    rxlab_home: Path, answer: str, why: str
) -> None:
    result = await study_with([answer], rxlab_home)
    assert result.evaluated()[0].reason.startswith("the anchor")
    assert any("unusable" in n and why in n for n in result.notes)


async def test_the_embedded_model_is_not_asked(rxlab_home: Path) -> None:
    result = await study_with(["unused"], rxlab_home, model="local/smollm2-135m")
    assert result.evaluated()[0].reason.startswith("the anchor")
    assert not any("unusable" in n for n in result.notes)
