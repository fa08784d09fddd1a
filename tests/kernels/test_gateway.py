"""The gateway with the scripted ``mock/`` provider: texts, tokens, budget, cache, retries."""

from __future__ import annotations

import asyncio
from pathlib import Path

import litellm
import pytest

from kernels import (
    Budget,
    BudgetExceeded,
    CompletionRequest,
    Gateway,
    MissingAPIKey,
    ProviderError,
    UnknownModel,
    mock_scripts,
)


@pytest.fixture
def gateway(rxlab_home: Path) -> Gateway:
    return Gateway(rxlab_home, retry_delays=(0.0, 0.0))


async def test_returns_n_texts_with_token_counts(gateway: Gateway) -> None:
    with mock_scripts(abc=["one two", "three"]):
        response = await gateway.complete(
            CompletionRequest(model="mock/abc", messages="a b c", n=3, max_tokens=5)
        )
    assert response.texts == ["one two", "three", "one two"]
    assert response.prompt_tokens == 3
    assert response.completion_tokens == 5
    assert response.cost == 0.0
    assert not response.cached


async def test_dict_script_answers_by_prompt(gateway: Gateway) -> None:
    with mock_scripts(qa={"2+2?": "4", "*": "no idea"}):
        a = await gateway.complete(CompletionRequest(model="mock/qa", messages="2+2?"))
        b = await gateway.complete(CompletionRequest(model="mock/qa", messages="other"))
    assert (a.texts, b.texts) == (["4"], ["no idea"])


async def test_max_tokens_and_stop_are_applied(gateway: Gateway) -> None:
    with mock_scripts(long=["alpha beta gamma. delta epsilon"]):
        r = await gateway.complete(
            CompletionRequest(model="mock/long", messages="x", max_tokens=2, temperature=0.5)
        )
        s = await gateway.complete(
            CompletionRequest(model="mock/long", messages="y", stop=["."], temperature=0.5)
        )
    assert r.texts == ["alpha beta"]
    assert s.texts == ["alpha beta gamma"]


async def test_budget_refuses_before_any_call_is_made(gateway: Gateway) -> None:
    """A budget of 10 tokens refuses a request of 100 max tokens; the provider is never called."""
    with mock_scripts(spy=["never"]) as scripts:
        with pytest.raises(BudgetExceeded) as info:
            await gateway.complete(
                CompletionRequest(model="mock/spy", messages="hello", max_tokens=100),
                budget=Budget(max_tokens=10),
            )
        assert scripts["spy"].calls == []
    assert "only 10 of 10 tokens are left" in str(info.value)
    assert gateway.usage.records() == []


async def test_concurrent_calls_never_overspend(gateway: Gateway) -> None:
    budget = Budget(max_tokens=55)

    async def one() -> bool:
        try:
            await gateway.complete(
                CompletionRequest(model="mock/echo", messages="hi", max_tokens=9, temperature=1),
                budget=budget,
            )
        except BudgetExceeded:
            return False
        return True

    results = await asyncio.gather(*(one() for _ in range(20)))
    # each call reserves its worst case (1 + 9 tokens) and settles to 2 (echo of "hi"), so at
    # least 5 fit at once and calls settled early free room for a few more, never past 55
    assert sum(results) >= 5
    assert budget.spent.tokens == 2 * sum(results) <= 55
    assert budget.reserved.tokens == 0


async def test_seeded_requests_are_cached(gateway: Gateway) -> None:
    with mock_scripts(counter=["first", "second"]) as scripts:
        request = CompletionRequest(model="mock/counter", messages="q", seed=7)
        a = await gateway.complete(request)
        b = await gateway.complete(request)
        c = await gateway.complete(request, cache=False)
        assert len(scripts["counter"].calls) == 2
    assert (a.texts, b.texts, c.texts) == (["first"], ["first"], ["second"])
    assert b.cached and not a.cached and not c.cached


async def test_sampled_requests_without_seed_are_not_cached(gateway: Gateway) -> None:
    with mock_scripts(counter=["first", "second"]):
        request = CompletionRequest(model="mock/counter", messages="q", temperature=0.8)
        a = await gateway.complete(request)
        b = await gateway.complete(request)
    assert (a.texts, b.texts) == (["first"], ["second"])


async def test_cache_hit_spends_no_budget(gateway: Gateway) -> None:
    request = CompletionRequest(model="mock/echo", messages="a b", temperature=0)
    await gateway.complete(request)
    budget = Budget(max_calls=0)
    hit = await gateway.complete(request, budget=budget)
    assert hit.cached and budget.spent.calls == 0


async def test_transient_errors_are_retried(gateway: Gateway) -> None:
    err = litellm.RateLimitError("slow down", llm_provider="mock", model="mock/flaky")
    with mock_scripts(flaky=[err, "ok"]) as scripts:
        response = await gateway.complete(CompletionRequest(model="mock/flaky", messages="x"))
    assert response.texts == ["ok"]
    assert len(scripts["flaky"].calls) == 2


async def test_retries_give_up_and_release_the_budget(gateway: Gateway) -> None:
    err = litellm.RateLimitError("slow down", llm_provider="mock", model="mock/dead")
    budget = Budget(max_tokens=1000)
    with mock_scripts(dead=[err]) as scripts, pytest.raises(ProviderError, match="3 tries"):
        await gateway.complete(CompletionRequest(model="mock/dead", messages="x"), budget=budget)
    assert len(scripts["dead"].calls) == 3
    assert budget.reserved.tokens == 0 and budget.spent.tokens == 0


async def test_a_bug_in_the_provider_is_not_retried(gateway: Gateway) -> None:
    with mock_scripts(bad=[ValueError("boom")]) as scripts, pytest.raises(ProviderError) as info:
        await gateway.complete(CompletionRequest(model="mock/bad", messages="x"))
    assert len(scripts["bad"].calls) == 1
    assert "boom" in str(info.value)


@pytest.mark.parametrize(
    ("model", "needle"),
    [
        ("mock/nonexistent", "no mock script 'nonexistent'"),
        ("local/gpt-7", "Local models are: smollm2-135m"),
        ("nosuchprovider/x", "unknown model 'nosuchprovider/x'"),
    ],
)
async def test_unknown_models_get_one_clear_error(
    gateway: Gateway, model: str, needle: str
) -> None:
    with pytest.raises(UnknownModel) as info:
        await gateway.complete(CompletionRequest(model=model, messages="x"))
    assert needle.lower() in str(info.value).lower()
    assert "rxlab models" in str(info.value)


def test_model_without_provider_prefix_is_refused() -> None:
    with pytest.raises(ValueError, match="no provider prefix"):
        CompletionRequest(model="gpt-4o-mini", messages="x")


async def test_missing_api_key_names_the_variable(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(MissingAPIKey, match="OPENAI_API_KEY"):
        await gateway.complete(CompletionRequest(model="openai/gpt-4o-mini", messages="x"))


def test_hosted_models_are_priced_from_litellm(gateway: Gateway) -> None:
    assert gateway.price("openai/gpt-4o-mini", 1000, 1000) > 0
    assert gateway.price("local/smollm2-135m", 1000, 1000) == 0
    cost = gateway.worst_case(CompletionRequest(model="openai/gpt-4o-mini", messages="hi"))
    assert cost.dollars > 0 and cost.tokens >= 256


async def test_usage_is_recorded_with_tags(gateway: Gateway, rxlab_home: Path) -> None:
    await gateway.complete(
        CompletionRequest(model="mock/echo", messages="a b c", n=2, temperature=1),
        tags={"lab": "A", "experiment": "e1"},
    )
    await gateway.complete(
        CompletionRequest(model="mock/echo", messages="x", temperature=1), tags={"lab": "B"}
    )
    again = Gateway(rxlab_home)  # the log is on disk
    lab_a = again.usage.records(lab="A")
    assert len(lab_a) == 1
    assert lab_a[0].prompt_tokens == 3 and lab_a[0].completion_tokens == 6
    assert lab_a[0].tags["experiment"] == "e1"
    assert len(again.usage.records()) == 2
