"""Staged tasks and allocations: built-ins, declared stages, and errors that name the stage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from search.staged import (
    Allocation,
    AllocationError,
    StageOutput,
    UnknownStagedTask,
    get_staged_task,
    list_staged_tasks,
)
from search.staged.stages import Stage, first_label, keep_all, vote
from search.tasks.scoring import extract_number


def test_built_ins_are_registered_with_their_stages() -> None:
    assert {"arith-staged", "humaneval-staged"} <= set(list_staged_tasks())
    arith = get_staged_task("arith-staged")
    assert arith.stage_names() == ["plan", "solve", "check"]
    assert arith.stage("check").optional and arith.stage("check").target == "solve"
    assert get_staged_task("humaneval-staged").stage_names() == ["code", "tests"]
    with pytest.raises(UnknownStagedTask, match="arith-staged"):
        get_staged_task("nope")


def test_solve_is_shown_examples_of_the_planned_operation() -> None:
    from search.components.base import Candidate

    task = get_staged_task("arith-staged", dev_size=4, test_size=4)
    item = task.split("dev")[0]
    solve = task.stage("solve")
    for label, cue in (("add", "What is 2 + 5?"), ("smaller", "smaller, 64 or 41")):
        trace = {"plan": StageOutput((Candidate(label, label, "t"),))}
        shown = " ".join(m["content"] for m in task.messages(solve, item, trace)[:-1])
        assert cue in shown
    no_plan = task.messages(solve, item, {"plan": StageOutput()})
    assert len(no_plan) == 2  # no plan, no examples: system prompt and the question
    assert len(task.plan_messages(solve, item)) == 5  # every plan the stage may see


def test_vote_groups_samples_by_answer_and_keep_all_dedups() -> None:
    out = vote(["7", "the answer is 8", "8", "x"], extract_number, "o")
    assert [c.answer for c in out.candidates] == ["8", "7"]
    assert out.candidates[0].score == 0.5 and out.text == "the answer is 8"
    kept = keep_all(["a", "a", "b"], lambda t: t, "o")
    assert [c.text for c in kept.candidates] == ["a", "b"]
    assert first_label("I would Subtract, not add", ("add", "subtract")) == "subtract"


def test_allocation_errors_name_the_stage_and_field() -> None:
    task = get_staged_task("arith-staged")
    ok = {
        "model": "mock/x",
        "stages": {"plan": {"samples": 2}, "solve": {"samples": 4}, "check": {"samples": 0}},
    }
    plan = Allocation.from_spec(ok).resolve(task)
    assert [(r.stage, r.samples, r.skipped) for r in plan] == [
        ("plan", 2, False),
        ("solve", 4, False),
        ("check", 0, True),
    ]
    with pytest.raises(AllocationError, match=r"stage 'solve', field 'samples'"):
        Allocation.from_spec({"stages": {"solve": {"samples": -1}}})
    missing = {"model": "mock/x", "stages": {"plan": {"samples": 1}, "solve": {"samples": 1}}}
    with pytest.raises(AllocationError, match=r"stage 'check'.*gives nothing"):
        Allocation.from_spec(missing).resolve(task)
    zero = {"model": "mock/x", "stages": {**ok["stages"], "plan": {"samples": 0}}}
    with pytest.raises(AllocationError, match=r"stage 'plan', field 'samples'.*not optional"):
        Allocation.from_spec(zero).resolve(task)
    extra = {"model": "mock/x", "stages": {**ok["stages"], "verify": {"samples": 1}}}
    with pytest.raises(AllocationError, match=r"stage 'verify'.*no such stage"):
        Allocation.from_spec(extra).resolve(task)
    arch = {"model": "mock/x", "stages": {**ok["stages"], "solve": {"architecture": {"x": 1}}}}
    with pytest.raises(AllocationError, match=r"stage 'solve', field 'architecture'"):
        Allocation.from_spec(arch).resolve(task)


def test_allocation_round_trips_through_yaml_and_keys_ignore_skipped_details() -> None:
    a = Allocation.from_spec(
        {
            "name": "a",
            "model": "mock/x",
            "stages": {"plan": {"samples": 2, "temperature": 0.3}, "check": {"samples": 0}},
        }
    )
    assert Allocation.from_text(a.to_yaml()) == a
    b = Allocation.from_spec(
        {
            "name": "b",
            "stages": {
                "plan": {"model": "mock/x", "samples": 2, "temperature": 0.3},
                "check": {"samples": 0, "temperature": 1.0},
            },
        }
    )
    assert a.key() == b.key()
    assert "plan=x x2 @0.3" in a.describe() and "check=skip" in a.describe()


def _declare(tmp_path: Path, stages: list[dict]) -> Path:
    rows = [{"question": f"What is {i} + {i}?", "answer": str(2 * i)} for i in range(1, 9)]
    (tmp_path / "items.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    spec = {"name": "sums", "data": "items.jsonl", "scorer": "numeric", "stages": stages}
    path = tmp_path / "sums.yaml"
    import yaml

    path.write_text(yaml.safe_dump(spec))
    return path


def test_declared_stages_load_from_yaml(tmp_path: Path) -> None:
    path = _declare(
        tmp_path,
        [
            {"name": "plan", "prompt": "Plan: {question}", "max_tokens": 8},
            {"name": "solve", "prompt": "Q: {question}\nPlan: {plan}", "extract": "number"},
            {
                "name": "check",
                "kind": "judge",
                "target": "solve",
                "optional": True,
                "prompt": "{question} = {candidate}? yes or no",
                "extract": "yes_no",
            },
        ],
    )
    task = get_staged_task(path)
    assert task.label == "sums" and task.stage_names() == ["plan", "solve", "check"]
    assert len(task.split("dev")) == 4
    item = task.split("dev")[0]
    trace = {"plan": vote(["add them"], lambda t: t, "o")}
    msgs = task.messages(task.stage("solve"), item, trace)
    assert msgs[-1]["content"] == f"Q: {item.question}\nPlan: add them"


@pytest.mark.parametrize(
    ("stages", "match"),
    [
        ([{"name": "solve", "prompt": "{question} {plan}"}], r"stage 'solve', field 'prompt'"),
        (
            [{"name": "a"}, {"name": "c", "kind": "judge", "prompt": "{candidate}"}],
            r"stage 'c', field 'target'",
        ),
        ([{"name": "a", "max_tokens": 0}], r"stage 'a', field 'max_tokens'"),
        ([{"name": "a"}, {"name": "a"}], r"stage 'a'.*two stages"),
    ],
)
def test_declared_stage_errors_name_the_stage(tmp_path: Path, stages: list, match: str) -> None:
    with pytest.raises(AllocationError, match=match):
        get_staged_task(_declare(tmp_path, stages))


def test_stage_names_are_checked() -> None:
    with pytest.raises(ValueError, match="name"):
        Stage(name="Bad Name")
