"""The engine's parts on synthetic data: GGUF reading, layouts, attention, sampling, guards."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from kernels.engine.attention import decode_attention
from kernels.engine.config import EngineConfig, ModelConfig, parse_bytes
from kernels.engine.gguf_file import GGUFFile
from kernels.engine.kv_cache import EngineMemoryError, bytes_needed, check_memory
from kernels.engine.outputs import SampleState
from kernels.engine.sampling import SamplingParams, sample_from_probs, warp_logits
from kernels.engine.weights import unpermute_rope_rows

SMALL = ModelConfig(
    vocab_size=100, hidden_size=64, intermediate_size=128, num_layers=2, num_heads=4,
    num_kv_heads=2, head_dim=16, rope_theta=10000.0, rms_eps=1e-5, context_length=256,
    tied_embeddings=True, bos_token_id=1, eos_token_id=2,
)  # fmt: skip


def chi2_pvalue(counts: torch.Tensor, probs: torch.Tensor, min_expected: float = 5.0) -> float:
    """Pearson's chi-square test of ``counts`` against ``probs``, rare cells pooled."""
    total = counts.sum()
    expected = probs.double() * total
    big = expected >= min_expected
    obs = torch.cat([counts[big].double(), counts[~big].double().sum().view(1)])
    exp = torch.cat([expected[big], expected[~big].sum().view(1)])
    if exp[-1] < min_expected:  # fold a too-small pooled cell into the last big one
        obs, exp = (
            torch.cat([obs[:-2], obs[-2:].sum().view(1)]),
            torch.cat([exp[:-2], exp[-2:].sum().view(1)]),
        )
    stat = ((obs - exp) ** 2 / exp).sum()
    dof = len(obs) - 1
    return float(torch.special.gammaincc(torch.tensor(dof / 2.0), stat / 2.0))


def test_gguf_reader_reads_what_gguf_writes(tmp_path: Path) -> None:
    import gguf

    path = tmp_path / "tiny.gguf"
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_block_count(3)
    writer.add_float32("llama.rope.freq_base", 12345.0)
    writer.add_array("tokenizer.ggml.tokens", ["a", "bb", "ccc"])
    weight = np.random.default_rng(0).standard_normal((8, 64)).astype(np.float32)
    writer.add_tensor(
        "w.q8",
        gguf.quants.quantize(weight, gguf.GGMLQuantizationType.Q8_0),
        raw_dtype=gguf.GGMLQuantizationType.Q8_0,
    )
    writer.add_tensor("w.f32", weight)
    for step in (
        writer.write_header_to_file,
        writer.write_kv_data_to_file,
        writer.write_tensors_to_file,
    ):
        step()
    writer.close()

    f = GGUFFile.open(path)
    assert f.metadata["llama.block_count"] == 3
    assert f.arch_value("rope.freq_base") == pytest.approx(12345.0)
    assert f.metadata["tokenizer.ggml.tokens"] == 3  # string arrays are kept as counts
    assert f.tensors["w.q8"].shape == (8, 64)
    np.testing.assert_array_equal(f.dequantize("w.f32"), weight)
    reference = gguf.GGUFReader(str(path)).tensors[0]
    expected = gguf.quants.dequantize(reference.data, reference.tensor_type)
    np.testing.assert_array_equal(f.dequantize("w.q8"), expected.reshape(8, 64))
    assert np.abs(f.dequantize("w.q8") - weight).max() < 0.05


def test_unpermute_undoes_llama_cpp_permutation() -> None:
    heads, head_dim, d = 3, 8, 5
    w = torch.randn(heads * head_dim, d)
    # llama.cpp's convert_hf_to_gguf permute
    permuted = w.reshape(heads, 2, head_dim // 2, d).swapaxes(1, 2).reshape(w.shape)
    assert not torch.equal(permuted, w)
    assert torch.equal(unpermute_rope_rows(permuted, heads), w)


def _full_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """q [Hq, D], k/v [Hkv, T, D]: plain softmax attention with repeated kv heads."""
    g = q.shape[0] // k.shape[0]
    k, v = k.repeat_interleave(g, 0), v.repeat_interleave(g, 0)
    scores = torch.einsum("hd,htd->ht", q, k)
    return torch.einsum("ht,htd->hd", torch.softmax(scores, -1), v).reshape(-1)


def test_hydragen_split_equals_full_attention() -> None:
    torch.manual_seed(0)
    hq, hkv, d = 6, 2, 16
    rows, lengths = [(0, 3), (3, 5)], [7, 11]  # two requests: 3 and 2 samples
    prefixes = [(torch.randn(hkv, p, d), torch.randn(hkv, p, d)) for p in lengths]
    sk, sv = torch.randn(hkv, 5, 4, d), torch.randn(hkv, 5, 4, d)
    q = torch.randn(5, hq, d)
    out = decode_attention(
        q, [(k, v, a, b) for (k, v), (a, b) in zip(prefixes, rows, strict=True)], sk, sv
    )
    for (k, v), (a, b) in zip(prefixes, rows, strict=True):
        for r in range(a, b):
            keys = torch.cat([k, sk[:, r]], dim=1)
            values = torch.cat([v, sv[:, r]], dim=1)
            torch.testing.assert_close(out[r], _full_attention(q[r], keys, values))


def test_warp_matches_transformers_warpers() -> None:
    from transformers.generation.logits_process import (
        TemperatureLogitsWarper,
        TopKLogitsWarper,
        TopPLogitsWarper,
    )

    torch.manual_seed(1)
    logits = torch.randn(4, 500) * 3
    for t, k, p in [(0.8, 0, 0.9), (1.3, 40, 1.0), (0.5, 10, 0.7), (1.0, 0, 0.3)]:
        ref = TemperatureLogitsWarper(t)(None, logits.clone())
        if k:
            ref = TopKLogitsWarper(k)(None, ref)
        if p < 1:
            ref = TopPLogitsWarper(p)(None, ref)
        ours = warp_logits(logits, t, k, p)
        assert torch.equal(torch.isinf(ours), torch.isinf(ref)), (t, k, p)
        torch.testing.assert_close(ours[~torch.isinf(ours)], ref[~torch.isinf(ref)])


def test_sampler_draws_the_given_distribution_and_a_test_that_can_tell() -> None:
    generator = torch.Generator().manual_seed(5)
    probs = torch.softmax(torch.randn(50) * 1.5, -1)
    draws = sample_from_probs(probs.expand(20000, -1).contiguous(), generator)
    counts = torch.bincount(draws, minlength=50)
    assert chi2_pvalue(counts, probs) > 1e-3
    skewed = torch.softmax(torch.log(probs) / 0.9, -1)  # a 10% temperature error
    assert chi2_pvalue(counts, skewed) < 1e-6
    assert (counts[probs == 0] == 0).all()


def test_sampler_never_draws_a_zero_probability_token() -> None:
    probs = torch.zeros(1000, 10)
    probs[:, 3], probs[:, 7] = 0.25, 0.75
    draws = sample_from_probs(probs, torch.Generator().manual_seed(0))
    assert set(draws.tolist()) == {3, 7}


def test_sampling_params_reject_bad_values() -> None:
    for bad in (
        {"n": 0},
        {"temperature": -1},
        {"top_p": 0},
        {"top_p": 1.5},
        {"max_tokens": 0},
        {"top_k": -2},
    ):
        with pytest.raises(ValueError, match=next(iter(bad))):
            SamplingParams(**bad)  # type: ignore[arg-type]


def test_memory_guard_names_the_request_and_the_limit() -> None:
    per_token = SMALL.kv_bytes_per_token(4)
    assert bytes_needed(SMALL, [10], 2, 5, 4) == (10 + 2 * 4) * per_token + 2 * 100 * 4 * 4
    assert bytes_needed(SMALL, [10], 1000, 1, 4) == 10 * per_token + 1 * 100 * 4 * 4
    assert check_memory(SMALL, [10], 2, 5, 4, limit=10**9) > 0
    with pytest.raises(EngineMemoryError) as info:
        check_memory(SMALL, [10], 512, 1000, 4, limit=10**6)
    err = info.value
    assert (err.n, err.length, err.limit) == (512, 1010, 10**6)
    assert err.needed > err.limit
    assert "512 samples x 1010 tokens" in str(err) and "RXLAB_ENGINE_MEMORY_LIMIT" in str(err)


def test_memory_limit_parsing_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    from kernels.engine.config import default_memory_limit

    assert parse_bytes("4GiB") == 4 * 2**30
    assert parse_bytes("1.5 G") == 1_500_000_000
    assert parse_bytes("2048") == 2048
    monkeypatch.setenv("RXLAB_ENGINE_MEMORY_LIMIT", "3MiB")
    assert default_memory_limit("cpu") == 3 * 2**20
    assert EngineConfig().torch_dtype_name == "float32"
    assert EngineConfig(device="cuda").torch_dtype_name == "bfloat16"


class _CharTokenizer:
    """Token i decodes to chr(i); token 2 is the end of turn."""

    def decode(self, ids: list[int], skip_special_tokens: bool = True) -> str:
        return "".join("" if (i == 2 and skip_special_tokens) else chr(i) for i in ids)


def test_sample_state_stops_at_end_of_turn_stop_strings_and_length() -> None:
    tok = _CharTokenizer()
    state = SampleState(tok, SamplingParams(max_tokens=10), eos_token_id=2)
    for t in [ord("h"), ord("i"), 2]:
        state.add(t, -0.5)
    out = state.output()
    assert (out.text, out.finish_reason, out.token_ids[-1]) == ("hi", "stop", 2)

    state = SampleState(tok, SamplingParams(max_tokens=50, stop=("END",)), eos_token_id=2)
    for ch in "abcENDxyz":
        state.add(ord(ch), -1.0)
        if state.finish:
            break
    out = state.output()
    assert (out.text, out.finish_reason, len(out.token_ids)) == ("abc", "stop", 6)

    state = SampleState(tok, SamplingParams(max_tokens=3, ignore_eos=True), eos_token_id=2)
    for t in [ord("a"), 2, ord("b")]:
        state.add(t, 0.0)
    assert state.output().finish_reason == "length" and state.output().text == "ab"
