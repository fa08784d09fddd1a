"""A small real run: arith-staged with the embedded SmolLM2-135M through every stage."""

from __future__ import annotations

from pathlib import Path

import pytest

from kernels import Budget, Gateway
from search.staged import Allocation, CostModel, get_staged_task, pick_items, run_allocation
from search.staged.executor import prepare

pytestmark = pytest.mark.slow  # ~20 s on an idle 2-core machine, over 60 s when it is shared


def _local_model_missing() -> str | None:
    from kernels.local_model import LocalModelMissing, gguf_path

    try:
        gguf_path()
    except LocalModelMissing as exc:
        return str(exc)
    return None


@pytest.mark.skipif(_local_model_missing() is not None, reason="embedded model not installed")
async def test_plan_solve_check_with_the_embedded_model(rxlab_home: Path) -> None:
    model = "local/smollm2-135m"
    task = get_staged_task("arith-staged", dev_size=4, test_size=4)
    gateway = Gateway(rxlab_home, cache=False)
    spec = {
        "model": model,
        "stages": {
            "plan": {"samples": 2, "temperature": 0.7},
            "solve": {"samples": 2, "temperature": 0.3},
            "check": {"samples": 1, "temperature": 0.3},
        },
    }
    plan = prepare(task, Allocation.from_spec(spec), gateway, None)
    items = pick_items(task, "dev", 2, seed=0)
    worst = CostModel(task, items, gateway).cost(plan).total
    budget = Budget(max_tokens=worst.tokens)
    result = await run_allocation(
        task, spec, "dev", gateway=gateway, budget=budget, max_items=2, seed=0, concurrency=1
    )
    assert result.n == 2 and result.errors == 0
    assert 0 <= result.correct <= 2
    assert 0 < budget.spent.tokens <= worst.tokens
    records = gateway.usage.records()
    assert {r.model for r in records} == {model}
    for outcome in result.outcomes:
        assert set(outcome.stages) == {"plan", "solve", "check"}
        assert 3 <= outcome.calls <= 4  # plan, solve, and check judges one or two answers
    assert sum(r.prompt_tokens + r.completion_tokens for r in records) == result.tokens
