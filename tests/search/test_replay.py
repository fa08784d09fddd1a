from __future__ import annotations

from pathlib import Path

from kernels import CompletionRequest, Gateway, mock_scripts
from search import SampleBank
from search.replay import split_tokens


def req(n: int, temperature: float = 0.7) -> CompletionRequest:
    return CompletionRequest(model="mock/counter", messages="q", n=n, temperature=temperature)


def counter():  # type: ignore[no-untyped-def]
    state = {"i": 0}

    def answer(messages, params):  # type: ignore[no-untyped-def]
        state["i"] += 1
        return f"sample {state['i']}"

    return answer


async def test_fewer_samples_reuse_the_largest_draw(gateway: Gateway) -> None:
    bank = SampleBank()
    with mock_scripts(counter=counter()) as scripts:
        first = await bank.serve(gateway, req(2), draw=8)
        again = await bank.serve(gateway, req(5), draw=8)
        full = await bank.serve(gateway, req(8), draw=8)
    assert len(scripts["counter"].calls) == 1  # one call drew all 8
    assert first.texts == ["sample 1", "sample 2"]
    assert again.texts == full.texts[:5] and len(full.texts) == 8
    assert first.spent.calls == 1 and again.spent.calls == 0 and again.nominal.calls == 1
    stats = bank.stats
    assert (stats.calls_nominal, stats.calls_made, stats.calls_saved) == (3, 1, 2)
    assert stats.tokens_spent == 1 + 16  # prompt "q" + 8 samples of 2 words
    assert stats.tokens_nominal == (1 + 4) + (1 + 10) + (1 + 16)
    assert stats.tokens_saved == stats.tokens_nominal - stats.tokens_spent


async def test_more_samples_than_drawn_extend_the_bank(gateway: Gateway) -> None:
    bank = SampleBank()
    with mock_scripts(counter=counter()) as scripts:
        await bank.serve(gateway, req(2), draw=2)
        more = await bank.serve(gateway, req(4), draw=2)
    assert more.texts == ["sample 1", "sample 2", "sample 3", "sample 4"]
    assert len(scripts["counter"].calls) == 2


async def test_greedy_is_drawn_once_and_repeated(gateway: Gateway) -> None:
    bank = SampleBank()
    with mock_scripts(counter=counter()) as scripts:
        served = await bank.serve(gateway, req(4, temperature=0.0), draw=8)
    assert served.texts == ["sample 1"] * 4
    assert gateway.usage.records()[0].n == 1 and len(scripts["counter"].calls) == 1


async def test_bank_persists_for_a_resumed_search(gateway: Gateway, tmp_path: Path) -> None:
    path = tmp_path / "bank.sqlite"
    with mock_scripts(counter=counter()) as scripts:
        await SampleBank(path).serve(gateway, req(3), draw=3)
        again = await SampleBank(path).serve(gateway, req(3), draw=3)
    assert len(scripts["counter"].calls) == 1 and again.spent.calls == 0


def test_split_tokens_sums_back() -> None:
    shares = split_tokens(10, ["a", "bbb", "cc"])
    assert sum(shares) == 10 and shares[1] >= shares[0]
