"""The engine on the real SmolLM2-135M GGUF, checked against transformers on the same weights."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from kernels.engine import Engine, EngineConfig, EngineMemoryError, Request, SamplingParams
from tests.kernels.test_engine_parts import chi2_pvalue

PROMPTS = [
    "What is the capital of France?",
    "Write a haiku about the sea.",
    "List three prime numbers.",
    "Explain photosynthesis in one sentence.",
    "Translate 'good morning' into Spanish.",
    "What is 12 times 7?",
    "Give me a name for a pet turtle.",
    "Why is the sky blue?",
    "Write a Python function that adds two numbers.",
    "Who wrote Romeo and Juliet?",
    "Describe a cat in five words.",
    "What does CPU stand for?",
    "Tell me a fun fact about octopuses.",
    "How many days are in a leap year?",
    "Suggest a title for a mystery novel.",
    "What is the boiling point of water in Celsius?",
    "Name a famous painting by Leonardo da Vinci.",
    "Summarise the plot of Cinderella in one line.",
    "What is the opposite of 'ancient'?",
    "Recommend a healthy breakfast.",
]
GREEDY_TOKENS = 16
# A prompt whose first reply token is uncertain, so temperature and top-p change its law.
SAMPLING_PROMPT = "Say one random word."
SAMPLES = 20000


@pytest.fixture(scope="module")
def engine() -> Engine:
    torch.set_num_threads(1)  # the machine is shared; one thread is steadier under load
    return Engine.load(config=EngineConfig(device="cpu"))


@pytest.fixture(scope="module")
def hf_model() -> Any:
    from kernels.engine.bench import _load_transformers

    return _load_transformers("cpu")


def chat(engine: Engine, text: str) -> list[int]:
    return engine.encode_chat([{"role": "user", "content": text}])


@pytest.mark.slow  # about two minutes on two shared cores (transformers' generate dominates)
def test_greedy_equals_transformers_token_for_token(engine: Engine, hf_model: Any) -> None:
    for text in PROMPTS:
        ids = chat(engine, text)
        with torch.inference_mode():
            out = hf_model.generate(
                torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                do_sample=False, max_new_tokens=GREEDY_TOKENS, pad_token_id=2,
            )  # fmt: skip
        expected = out[0, len(ids) :].tolist()
        got = engine.generate(ids, SamplingParams(temperature=0, max_tokens=GREEDY_TOKENS))
        assert got.samples[0].token_ids == expected, text


def test_logprobs_are_the_models(engine: Engine, hf_model: Any) -> None:
    ids = chat(engine, PROMPTS[1])
    out = engine.generate(ids, SamplingParams(temperature=0, max_tokens=6)).samples[0]
    with torch.inference_mode():
        logits = hf_model(torch.tensor([ids + out.token_ids])).logits[0, len(ids) - 1 : -1]
    expected = torch.log_softmax(logits.float(), -1).gather(
        -1, torch.tensor(out.token_ids)[:, None]
    )[:, 0]
    torch.testing.assert_close(torch.tensor(out.logprobs), expected, atol=2e-3, rtol=0)


def _first_token_law(engine: Engine, temperature: float, top_p: float) -> torch.Tensor:
    """softmax(logits / T) with top-p, from the engine's prompt logits."""
    from kernels.engine.sampling import warp_logits

    logits, _ = engine.model.prefill(chat(engine, SAMPLING_PROMPT))
    return torch.softmax(warp_logits(logits[None], temperature, 0, top_p)[0], -1)


@pytest.mark.parametrize(("temperature", "top_p"), [(0.8, 1.0), (1.2, 0.9)])
def test_sampled_tokens_follow_the_models_distribution(
    engine: Engine, temperature: float, top_p: float
) -> None:
    params = SamplingParams(n=SAMPLES, temperature=temperature, top_p=top_p, max_tokens=1, seed=3)
    out = engine.generate(chat(engine, SAMPLING_PROMPT), params)
    firsts = torch.tensor([s.token_ids[0] for s in out.samples])
    counts = torch.bincount(firsts, minlength=engine.model.config.vocab_size)
    law = _first_token_law(engine, temperature, top_p)
    assert law.max() < 0.9, "the prompt must leave the first token uncertain"
    assert chi2_pvalue(counts, law) > 1e-4
    # the same test rejects a law with the wrong temperature or the wrong top-p
    assert chi2_pvalue(counts, _first_token_law(engine, temperature * 1.15, top_p)) < 1e-6
    wrong_p = 0.6 if top_p == 1.0 else 1.0
    assert chi2_pvalue(counts, _first_token_law(engine, temperature, wrong_p)) < 1e-6
    if top_p < 1:
        assert (counts[law == 0] == 0).all()


def test_same_seed_same_samples_other_seed_others(engine: Engine) -> None:
    ids = chat(engine, PROMPTS[6])
    params = SamplingParams(n=4, temperature=1.0, max_tokens=12, seed=11)
    first, again = engine.generate(ids, params), engine.generate(ids, params)
    assert first.texts == again.texts and len(set(first.texts)) > 1
    assert [s.logprobs for s in first.samples] == [s.logprobs for s in again.samples]
    other = engine.generate(ids, SamplingParams(n=4, temperature=1.0, max_tokens=12, seed=12))
    assert other.texts != first.texts


def test_stop_strings_cut_the_text_and_end_the_sample(engine: Engine) -> None:
    ids = chat(engine, PROMPTS[1])
    free = engine.generate(ids, SamplingParams(temperature=0, max_tokens=24)).samples[0]
    stop = free.text[10:13]
    assert stop and stop in free.text
    cut = engine.generate(ids, SamplingParams(temperature=0, max_tokens=24, stop=(stop,)))
    sample = cut.samples[0]
    assert sample.text == free.text[: free.text.index(stop)]
    assert sample.finish_reason == "stop"
    assert len(sample.token_ids) < len(free.token_ids)
    assert sample.token_ids == free.token_ids[: len(sample.token_ids)]


def test_max_tokens_and_end_of_turn(engine: Engine) -> None:
    out = engine.generate(chat(engine, PROMPTS[5]), SamplingParams(n=3, max_tokens=5, seed=1))
    assert all(len(s.token_ids) <= 5 for s in out.samples)
    assert out.completion_tokens == sum(len(s.token_ids) for s in out.samples)
    short = engine.generate(chat(engine, PROMPTS[0]), SamplingParams(temperature=0, max_tokens=30))
    sample = short.samples[0]  # "The capital of France is Paris." and the end-of-turn token
    assert sample.finish_reason == "stop" and sample.token_ids[-1] == 2
    assert len(sample.token_ids) < 30 and sample.text.endswith("Paris.")


def test_batched_prompts_equal_separate_runs(engine: Engine) -> None:
    requests = [
        Request(chat(engine, PROMPTS[0]), SamplingParams(temperature=0, max_tokens=10)),
        Request(
            chat(engine, PROMPTS[7]), SamplingParams(n=3, temperature=0.9, max_tokens=8, seed=4)
        ),
        Request(chat(engine, PROMPTS[12]), SamplingParams(temperature=0, max_tokens=14)),
    ]
    batched = engine.generate_batch(requests)
    assert [len(o.samples) for o in batched] == [1, 3, 1]
    for i in (0, 2):
        alone = engine.generate(requests[i].prompt_ids, requests[i].params)
        assert batched[i].samples[0].token_ids == alone.samples[0].token_ids
    assert all(len(s.token_ids) <= 8 for s in batched[1].samples)


def test_memory_guard_refuses_before_allocating(engine: Engine) -> None:
    small = Engine(engine.loaded, EngineConfig(device="cpu", memory_limit_bytes=50 * 2**20))
    ids = chat(small, PROMPTS[0])
    assert small.generate(ids, SamplingParams(n=2, max_tokens=4, seed=0)).samples
    with pytest.raises(EngineMemoryError) as info:
        small.generate(ids, SamplingParams(n=4096, max_tokens=2048))
    assert info.value.n == 4096 and info.value.needed > info.value.limit == 50 * 2**20
