"""A real completion from the embedded model, through litellm's custom-provider path."""

from __future__ import annotations

from pathlib import Path

import pytest

from kernels import Budget, CompletionRequest, Gateway


@pytest.mark.slow
async def test_local_model_answers_through_litellm(rxlab_home: Path) -> None:
    gateway = Gateway(rxlab_home)
    budget = Budget(max_tokens=2000)
    request = CompletionRequest(
        model="local/smollm2-135m",
        messages="What is the capital of France? Answer in one word.",
        temperature=0.0,
        max_tokens=8,
    )
    response = await gateway.complete(request, budget=budget)
    assert len(response.texts) == 1 and response.texts[0].strip()
    assert "paris" in response.texts[0].lower()
    assert response.prompt_tokens > 10  # the chat template wraps the question
    assert 1 <= response.completion_tokens <= 8
    assert response.cost == 0.0
    # the worst case reserved covered what was used, and the budget holds the real use
    assert budget.spent.tokens == response.total_tokens
    assert gateway.worst_case(request).tokens >= response.total_tokens
    again = await gateway.complete(request, budget=budget)
    assert again.cached and again.texts == response.texts
