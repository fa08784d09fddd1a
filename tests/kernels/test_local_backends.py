"""The local model's two backends behind one ``LocalBackend`` contract: same prompt, same checks.

The engine is the default backend; transformers ``generate()`` is the reference. Token-level
agreement of greedy decoding is checked in ``test_engine_model.py``; here, what the shared base
gives both: the chat template, token counts, the checked keyword form of ``generate`` and the
replies' finish reasons.
"""

from __future__ import annotations

from typing import Any

import pytest

from kernels.local_model import EngineBackend, LocalBackend, TransformersBackend

MESSAGES = [{"role": "user", "content": "Count from one to ten in words."}]


@pytest.fixture(scope="module")
def engine() -> EngineBackend:
    return EngineBackend("smollm2-135m", device="cpu")


@pytest.fixture(scope="module")
def reference() -> TransformersBackend:
    return TransformersBackend("smollm2-135m")


def test_the_backends_share_the_contract() -> None:
    assert issubclass(EngineBackend, LocalBackend) and issubclass(TransformersBackend, LocalBackend)
    with pytest.raises(TypeError, match="abstract"):
        LocalBackend()  # type: ignore[abstract]


@pytest.mark.slow  # loading the transformers reference takes a while on shared cores
def test_both_backends_template_and_count_alike(engine: Any, reference: Any) -> None:
    ids = engine.prompt_ids(MESSAGES)
    assert ids == reference.prompt_ids(MESSAGES) == engine.engine.encode_chat(MESSAGES)
    assert engine.count_prompt_tokens(MESSAGES) == reference.count_prompt_tokens(MESSAGES)
    assert len(ids) == engine.count_prompt_tokens(MESSAGES) > 5


@pytest.mark.slow
@pytest.mark.parametrize("which", ["engine", "reference"])
def test_generate_checks_values_and_reports_why_replies_ended(
    which: str, request: pytest.FixtureRequest
) -> None:
    backend: LocalBackend = request.getfixturevalue(which)
    with pytest.raises(ValueError, match="top_p"):
        backend.generate(MESSAGES, top_p=0.0)
    with pytest.raises(ValueError, match="n=0"):
        backend.generate(MESSAGES, n=0)
    short = backend.generate(MESSAGES, temperature=0, max_tokens=3)
    assert short.finish_reasons == ["length"] and short.completion_tokens == 3
    assert short.prompt_tokens == backend.count_prompt_tokens(MESSAGES)
    free = backend.generate(MESSAGES, temperature=0, max_tokens=10).texts[0]
    word = free.split()[1]
    cut = backend.generate(MESSAGES, n=2, temperature=0, max_tokens=10, stop=[word])
    assert cut.texts == [free[: free.index(word)]] * 2 and cut.finish_reasons == ["stop"] * 2
