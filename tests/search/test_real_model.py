"""A small real run: the embedded SmolLM2-135M through the gateway on a few arith items."""

from __future__ import annotations

import pytest

from kernels import Budget, Gateway
from search import Architecture, SampleBank, get_task, run_architecture, worst_case

pytestmark = pytest.mark.slow


def _local_model_missing() -> str | None:
    from kernels.local_model import LocalModelMissing, gguf_path

    try:
        gguf_path()
    except LocalModelMissing as exc:
        return str(exc)
    return None


@pytest.mark.skipif(_local_model_missing() is not None, reason="embedded model not installed")
async def test_vote_over_replayed_samples_with_the_embedded_model(rxlab_home) -> None:  # type: ignore[no-untyped-def]
    task = get_task("arith")
    items = task.split("dev")[:3]
    gateway = Gateway(rxlab_home, cache=False)
    model = "local/smollm2-135m"
    bank = SampleBank()
    single = Architecture.from_spec(
        {"layers": [[{"type": "generator", "samples": 1, "temperature": 0.7, "max_tokens": 4}]]}
    )
    voted = Architecture.from_spec(
        {"layers": [[{"type": "generator", "samples": 4, "temperature": 0.7, "max_tokens": 4}],
                    [{"type": "vote"}]]}
    )  # fmt: skip
    bound = worst_case(voted, task, items, gateway=gateway, model=model, replay=bank, replay_draw=4)
    budget = Budget(max_tokens=bound.tokens)
    common = {"gateway": gateway, "model": model, "budget": budget, "replay": bank,
              "replay_draw": 4, "concurrency": 1}  # fmt: skip
    first = await run_architecture(single, task, items, **common)  # type: ignore[arg-type]
    second = await run_architecture(voted, task, items, **common)  # type: ignore[arg-type]
    assert first.errors == 0 and second.errors == 0
    assert budget.spent.tokens <= bound.tokens
    assert bank.stats.calls_made == 3 and bank.stats.calls_saved == 3  # the vote reused the draws
    for single_out, voted_out in zip(first.outcomes, second.outcomes, strict=True):
        assert single_out.spent_calls == 1 and voted_out.spent_calls == 0
        assert voted_out.tokens >= single_out.tokens  # 4 samples cost more as deployed
    records = gateway.usage.records()
    assert len(records) == 3 and all(r.n == 4 and r.model == model for r in records)
