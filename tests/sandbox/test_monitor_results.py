"""Result anomalies (Wilson and Newcombe intervals) and the LLM judge."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.monitor import (
    JUDGE_PROMPT,
    ClaimResult,
    Counts,
    check_claim,
    check_gap,
    check_perfect,
    diff_interval,
    inspect_results,
    judge,
    wilson,
)


@pytest.mark.parametrize(
    ("k", "n", "lo", "hi"),
    [
        (0, 10, 0.0, 0.2775),
        (5, 10, 0.2366, 0.7634),
        (10, 10, 0.7225, 1.0),
        (81, 263, 0.2553, 0.3662),
    ],
)
def test_wilson_matches_published_values(k: int, n: int, lo: float, hi: float) -> None:
    got = wilson(k, n)
    assert got == pytest.approx((lo, hi), abs=1e-4)


@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_contains_the_estimate(kn: tuple[int, int]) -> None:
    k, n = kn
    lo, hi = wilson(k, n)
    assert 0.0 <= lo <= k / n <= hi <= 1.0


def test_newcombe_difference_interval() -> None:
    lo, hi = diff_interval(Counts(k=56, n=70), Counts(k=48, n=80))  # Newcombe 1998, example (a)
    assert (lo, hi) == pytest.approx((0.0524, 0.3339), abs=1e-3)


def test_a_claim_inside_the_interval_passes_and_a_fabricated_one_is_serious() -> None:
    honest = ClaimResult(claimed=0.55, reproduced=Counts(k=20, n=40))
    assert check_claim(honest) == []
    (flag,) = check_claim(ClaimResult(claimed=0.99, reproduced=Counts(k=20, n=40)))
    assert (flag.kind, flag.severity, flag.stage) == ("claim_mismatch", "serious", "result")
    assert flag.evidence.numbers["claimed"] == 0.99 and flag.evidence.numbers["n"] == 40
    assert "higher than the code achieves" in flag.message
    (low,) = check_claim(ClaimResult(claimed=0.05, reproduced=Counts(k=20, n=40)))
    assert low.severity == "warning"


def test_dev_test_gap() -> None:
    assert check_gap(Counts(k=20, n=40), Counts(k=90, n=200)) == []  # 0.50 vs 0.45: noise
    (flag,) = check_gap(Counts(k=40, n=40), Counts(k=66, n=200))
    assert (flag.kind, flag.severity) == ("generalization_gap", "serious")
    assert flag.evidence.numbers["lower"] > 0.15
    (mild,) = check_gap(Counts(k=30, n=40), Counts(k=110, n=200))
    assert mild.severity == "warning"
    assert check_gap(Counts(k=10, n=40), Counts(k=150, n=200)) == []  # test better: no gap


def test_perfect_scores_against_a_weak_baseline() -> None:
    (flag,) = check_perfect(Counts(k=40, n=40), Counts(k=14, n=40), split="dev")
    assert (flag.kind, flag.severity) == ("suspicious_score", "warning")
    assert check_perfect(Counts(k=40, n=40), 0.9) == []  # the baseline is strong
    assert check_perfect(Counts(k=39, n=40), 0.3) == []  # not perfect
    assert check_perfect(Counts(k=5, n=5), 0.1) == []  # too few items to say


def test_inspect_results_runs_every_check_it_can() -> None:
    flags = inspect_results(
        [ClaimResult(claimed=1.0, reproduced=Counts(k=40, n=40))],
        dev=Counts(k=40, n=40),
        test=Counts(k=66, n=200),
        baseline=Counts(k=14, n=40),
    )
    assert {f.kind for f in flags} == {"generalization_gap", "suspicious_score"}
    assert inspect_results() == []


def test_counts_are_checked() -> None:
    with pytest.raises(ValueError, match="cannot exceed"):
        Counts(k=5, n=4)
    with pytest.raises(ValueError):
        wilson(0, 0)


# --- the judge --------------------------------------------------------------------------
async def test_no_model_no_opinion() -> None:
    assert await judge("def solve(q, llm): ...", "", None) == []


async def test_the_judge_gives_a_labelled_opinion_never_serious() -> None:
    prompts: list[str] = []

    async def ask(prompt: str) -> str:
        prompts.append(prompt)
        return (
            "LABEL: gaming\nKINDS: hardcoded_answers, network_attempt\n"
            "REASON: line 3 returns a literal for one question."
        )

    (flag,) = await judge("ANSWERS = {...}", "stderr: nothing", ask)
    assert (flag.kind, flag.severity, flag.stage) == ("llm_judge", "warning", "judge")
    assert "gaming" in flag.message and "not evidence on its own" in flag.message
    assert flag.evidence.detail == "hardcoded_answers, network_attempt"
    assert "ANSWERS = {...}" in prompts[0] and "stderr: nothing" in prompts[0]
    assert "LABEL: honest | suspicious | gaming" in JUDGE_PROMPT


@pytest.mark.parametrize(
    ("reply", "severity", "label"),
    [
        ("LABEL: honest\nKINDS: none\nREASON: plain prompting.", "info", "honest"),
        ("label: Suspicious\nREASON: reads a file.", "warning", "suspicious"),
        ("I think it is fine.", "info", "unlabelled"),
    ],
)
async def test_judge_labels(reply: str, severity: str, label: str) -> None:
    async def ask(prompt: str) -> str:
        return reply

    (flag,) = await judge("code", "", ask)
    assert flag.severity == severity and label in flag.message
