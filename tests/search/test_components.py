"""The model-calling components with scripted judges: what each keeps, scores and sends."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest

from kernels import Gateway, mock_scripts
from search import Candidate, Context, State, get_task
from search._registry import Registry
from search.components.critic import Critic
from search.components.fuser import Fuser
from search.components.ranker import Ranker
from search.components.verifier import Verifier


def state() -> State:
    task = get_task("arith")
    item = task.split("dev")[0]
    right, wrong = item.answer, str(int(item.answer) + 5)
    cands = (Candidate(wrong, wrong, "g"), Candidate(right, right, "g"))
    return State(item=item, candidates=cands)


def ctx(gateway: Gateway) -> Context:
    return Context(get_task("arith"), gateway, "mock/judge")


def proposed(messages: list[dict[str, str]]) -> str:
    return re.findall(r"Proposed answer:\n(\S+)", messages[-1]["content"])[0]


async def test_verifier_keeps_what_it_verifies_and_all_when_none(gateway: Gateway) -> None:
    s = state()
    right = s.item.answer

    def judge(messages: list[dict[str, str]], params: dict[str, Any]) -> str:
        return "Yes." if proposed(messages) == right else "No, it is wrong."

    with mock_scripts(judge=judge):
        out = await Verifier()(s, ctx(gateway))
    assert [(c.answer, c.score) for c in out.candidates] == [(right, 1.0)]
    with mock_scripts(judge=["no"]):
        out = await Verifier()(s, ctx(gateway))
    assert [c.answer for c in out.candidates] == [c.answer for c in s.candidates]
    assert all(c.score == 0.0 for c in out.candidates)


async def test_verifier_scores_by_the_share_of_yes(gateway: Gateway) -> None:
    verdicts = itertools.cycle(["yes", "no", "no", "no"])  # one yes in four for every candidate

    with mock_scripts(judge=lambda m, p: next(verdicts)) as scripts:
        out = await Verifier(samples=4, temperature=1.0, threshold=0.25)(state(), ctx(gateway))
        assert [c.score for c in out.candidates] == [0.25, 0.25]
        strict = await Verifier(samples=4, temperature=1.0, threshold=0.5)(state(), ctx(gateway))
    assert len(strict.candidates) == 2  # none reaches 0.5, so all are kept
    assert len(scripts["judge"].calls) == 4  # one request per candidate per run, n=4 each
    assert [r.n for r in gateway.usage.records()] == [4, 4, 4, 4]


async def test_critic_attaches_critiques_in_order(gateway: Gateway) -> None:
    s = state()
    with mock_scripts(judge=lambda m, p: f"about {proposed_response(m)}") as scripts:
        out = await Critic()(s, ctx(gateway))
    assert [c.critique for c in out.candidates] == [f"about {c.text}" for c in s.candidates]
    assert s.item.question in scripts["judge"].calls[0][-1]["content"]


def proposed_response(messages: list[dict[str, str]]) -> str:
    return re.findall(r"Proposed response:\n(\S+)", messages[-1]["content"])[0]


async def test_ranker_orders_and_fuser_writes_new_candidates(gateway: Gateway) -> None:
    s = state()
    with mock_scripts(judge=["[2] > [1]"]):
        ranked = await Ranker(top_k=1)(s, ctx(gateway))
    assert [c.answer for c in ranked.candidates] == [s.item.answer]
    with mock_scripts(judge=["42"]) as scripts:
        fused = await Fuser(samples=3, temperature=0.7)(s, ctx(gateway))
    assert [c.answer for c in fused.candidates] == ["42", "42", "42"]
    sent = scripts["judge"].calls[0]
    assert sent[0]["role"] == "system"  # the task's own prompt: system message and examples
    assert "[1] " in sent[-1]["content"] and "[2] " in sent[-1]["content"]


def test_registry_names_classes_and_refuses_a_second_under_one_name() -> None:
    reg: Registry[object] = Registry("widget", attr="label")

    @reg.register("a")
    class A:
        label = ""

    assert A.label == "a" and reg.get("a") is A and reg.names() == ["a"]
    assert reg.register("a")(A) is A  # the same class again is fine
    with pytest.raises(ValueError, match="widget 'a' is registered twice"):

        @reg.register("a")
        class B:
            label = ""
