from __future__ import annotations

import json
from pathlib import Path

import pytest

from search import SearchError, UnknownTask, get_task, list_tasks
from search.tasks.scoring import extract_number


def test_registry_lists_builtin_tasks() -> None:
    assert {"arith", "humaneval"} <= set(list_tasks())
    with pytest.raises(UnknownTask, match=r"unknown task 'nope'.*arith"):
        get_task("nope")


def test_arith_splits_are_fixed_seeded_and_disjoint() -> None:
    a, b = get_task("arith", seed=3), get_task("arith", seed=3)
    assert [i.question for i in a.split("dev")] == [i.question for i in b.split("dev")]
    dev = {i.question for i in a.split("dev")}
    test = {i.question for i in a.split("test")}
    assert len(dev) == 30 and len(test) == 150 and not dev & test
    other = get_task("arith", seed=4)
    assert [i.question for i in other.split("dev")] != [i.question for i in a.split("dev")]
    kinds = {i.meta["kind"] for i in a.split("test")}
    assert kinds == {"next", "sequence", "floor", "age"}
    item = a.split("dev")[0]
    messages = a.prompt(item)
    assert messages[-1] == {"role": "user", "content": item.question}
    assert len(messages) == 1 + 2 * 3 + 1  # system, three examples of its kind, the question
    own_kind = [q for q, _ in a.examples[item.meta["kind"]]]
    assert [m["content"] for m in messages[1:-1:2]] == own_kind


def test_arith_items_are_never_worked_examples() -> None:
    from search.tasks.arith_kinds import EXAMPLES

    task = get_task("arith", seed=1, dev_size=40, test_size=200)  # 60 of each kind
    shown = {q for kind in task.kinds for q, _ in EXAMPLES[kind]}
    asked = {i.question for i in task.split("dev") + task.split("test")}
    assert len(asked) == 240 and not asked & shown
    with pytest.raises(ValueError, match="has run out of new questions"):
        get_task("arith", dev_size=100, test_size=300).split("dev")  # 69 sequences exist


def test_arith_compare_keeps_the_comparison_kinds() -> None:
    task = get_task("arith-compare")
    kinds = [i.meta["kind"] for i in task.split("dev") + task.split("test")]
    assert set(kinds) == {"larger", "smaller", "add", "word"}
    assert len(kinds) == 180 and task.describe()["name"] == "arith-compare"
    item = next(i for i in task.split("dev") if i.meta["kind"] == "larger")
    assert [m["content"] for m in task.prompt(item)][1] == "Which number is larger, 23 or 58?"


async def test_arith_scorer_is_numeric() -> None:
    task = get_task("arith")
    item = task.split("dev")[0]
    assert (await task.score(item, f"The answer is {item.answer}.")).value == 1.0
    assert (await task.score(item, f"{int(item.answer) + 1}")).value == 0.0
    assert (await task.score(item, "")).value == 0.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [("58", "58"), ("3 + 4 = 7", "7"), ("The answer is 12.", "12"), ("66 is larger", "66"),
     ("1,200 apples", "1200"), ("none", None)],
)  # fmt: skip
def test_extract_number(text: str, expected: str | None) -> None:
    assert extract_number(text) == expected


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


async def test_jsonl_exact_and_numeric(tmp_path: Path) -> None:
    rows = [{"question": f"Capital {i}?", "answer": f"The City {i}"} for i in range(6)]
    task = get_task(f"jsonl:{_write(tmp_path / 'q.jsonl', rows)}")
    dev, test = task.split("dev"), task.split("test")
    assert len(dev) == 3 and len(test) == 3
    item = dev[0]
    assert (await task.score(item, item.answer.lower() + "!\nmore text")).value == 1.0
    assert (await task.score(item, "somewhere else")).value == 0.0
    nums = _write(tmp_path / "n.jsonl", [{"question": "1+1?", "answer": "2"}] * 2)
    numeric = get_task(f"jsonl:{nums}", scorer="numeric")
    assert (await numeric.score(numeric.split("dev")[0], "It is 2.0")).value == 1.0


def test_jsonl_errors_name_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "a", "answer": "b"}\n{"question": "no answer"}\n')
    with pytest.raises(SearchError, match=r"bad.jsonl:2"):
        get_task(f"jsonl:{bad}").split("dev")
    with pytest.raises(SearchError, match="does not exist"):
        get_task(f"jsonl:{tmp_path / 'missing.jsonl'}").split("dev")


def test_humaneval_loads_from_the_package() -> None:
    task = get_task("humaneval")
    dev, test = task.split("dev"), task.split("test")
    assert len(dev) == 64 and len(test) == 100
    assert not {i.id for i in dev} & {i.id for i in test}
    assert all("def " in i.question and i.meta["entry_point"] for i in dev)
