"""The GPU path against the plain one: Triton kernels, the CUDA-graph runner, the bf16 engine.

Runs on a CUDA GPU. Without one, the kernel tests can still run on CPU under Triton's
interpreter (``TRITON_INTERPRET=1`` with triton installed); everything else skips.
"""

from __future__ import annotations

import importlib.util
import os

import pytest
import torch

from kernels.engine.attention import decode_attention
from tests.kernels.test_engine_parts import chi2_pvalue

pytestmark = pytest.mark.gpu

HAS_CUDA = torch.cuda.is_available()
HAS_TRITON = importlib.util.find_spec("triton") is not None
INTERPRETED = os.environ.get("TRITON_INTERPRET") == "1"
needs_cuda = pytest.mark.skipif(not HAS_CUDA, reason="needs a CUDA GPU")


@pytest.fixture(scope="module")
def device() -> str:
    if not HAS_TRITON:
        pytest.skip("triton is not installed (it comes with CUDA builds of torch)")
    if HAS_CUDA:
        return "cuda"
    if INTERPRETED:
        return "cpu"
    pytest.skip("needs a CUDA GPU (or TRITON_INTERPRET=1 to run the kernels on CPU)")


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_triton_attention_equals_the_reference(device: str, dtype: torch.dtype) -> None:
    from kernels.engine.cuda import triton_attention as ta

    if dtype == torch.bfloat16 and device == "cpu":
        pytest.skip("the interpreter checks float32")
    torch.manual_seed(0)
    n, hq, hkv, d, t = 70, 9, 3, 64, 37
    qk = torch.randn(n, hq + hkv, d, device=device, dtype=dtype)
    q = qk[:, :hq]  # a strided view, as the model passes it
    prefixes = [
        (
            torch.randn(hkv, p, d, device=device, dtype=dtype),
            torch.randn(hkv, p, d, device=device, dtype=dtype),
        )
        for p in (100, 7)
    ]
    rows = [(0, 50), (50, n)]
    sk = torch.randn(hkv, n, 80, d, device=device, dtype=dtype)
    sv = torch.randn(hkv, n, 80, d, device=device, dtype=dtype)
    ref = decode_attention(
        q.float(),
        [(k.float(), v.float(), a, b) for (k, v), (a, b) in zip(prefixes, rows, strict=True)],
        sk[:, :, :t].float(),
        sv[:, :, :t].float(),
    )
    out_p = torch.empty(n, hq, d, device=device)
    lse_p = torch.empty(n, hq, device=device)
    out = torch.empty(n, hq, d, device=device, dtype=dtype)
    for (k, v), (a, b) in zip(prefixes, rows, strict=True):
        ta.prefix_attention(q[a:b], k, v, out_p[a:b], lse_p[a:b])
    ta.suffix_attention(q, sk, sv, out_p, lse_p, torch.tensor([t], device=device), out)
    tol = 1e-4 if dtype == torch.float32 else 2e-2
    torch.testing.assert_close(out.reshape(n, -1).float(), ref, atol=tol, rtol=tol)


def test_triton_sampler_is_gumbel_max_with_logprobs(device: str) -> None:
    from kernels.engine.cuda.triton_sampling import sample

    torch.manual_seed(1)
    logits = torch.randn(6, 5000, device=device) * 3
    noise = torch.empty_like(logits).exponential_()
    inv_t = torch.tensor([0.0, 1.0, 1.25, 2.0, 0.5, 0.0], device=device)
    tokens, logprobs = sample(logits, inv_t, noise)
    scores = torch.where(inv_t[:, None] > 0, logits * inv_t[:, None] - noise.log(), logits)
    assert tokens.tolist() == scores.argmax(-1).tolist()
    expected = logits.gather(1, tokens[:, None])[:, 0] - logits.logsumexp(-1)
    torch.testing.assert_close(logprobs, expected, atol=1e-5, rtol=0)


def test_triton_sampler_draws_softmax_over_temperature(device: str) -> None:
    from kernels.engine.cuda.triton_sampling import sample

    generator = torch.Generator(device=device).manual_seed(2)
    base = torch.randn(40, device=device, generator=generator) * 2
    rows = 4000 if device == "cpu" else 50000
    logits = base.expand(rows, -1).contiguous()
    noise = torch.empty_like(logits).exponential_(generator=generator)
    tokens, _ = sample(logits, torch.full((rows,), 1 / 0.7, device=device), noise)
    counts = torch.bincount(tokens.cpu(), minlength=40)
    assert chi2_pvalue(counts, torch.softmax(base.cpu() / 0.7, -1)) > 1e-4
    assert chi2_pvalue(counts, torch.softmax(base.cpu() / 0.9, -1)) < 1e-6


@pytest.fixture(scope="module")
def cpu_engine() -> object:
    from kernels.engine import Engine, EngineConfig

    return Engine.load(config=EngineConfig(device="cpu"))


def test_triton_decode_attention_in_the_model_equals_eager(device: str, cpu_engine: object) -> None:
    """The CUDA runner's attention (without graphs) against the eager runner, step by step."""
    from kernels.engine.cuda.runner import CudaGraphRunner
    from kernels.engine.runner import EagerRunner

    if device != "cpu":
        pytest.skip("the CUDA runner is compared on the GPU in test_cuda_engine_matches_cpu")
    model = cpu_engine.model  # type: ignore[attr-defined]
    ids = cpu_engine.encode_chat([{"role": "user", "content": "Hello!"}])  # type: ignore[attr-defined]
    with torch.inference_mode():
        _, prefix = model.prefill(ids)
        eager = EagerRunner(model, [prefix], [0, 0], 4)
        triton = CudaGraphRunner(model, [prefix], [0, 0], 4, use_graph=False)
        tokens = torch.tensor([28, 90])
        for step in range(3):
            positions = torch.full((2,), len(ids) + step)
            torch.testing.assert_close(
                triton.step(tokens, positions), eager.step(tokens, positions), atol=1e-3, rtol=1e-4
            )


@needs_cuda
def test_cuda_engine_matches_cpu(cpu_engine: object) -> None:
    """float32 on the GPU (Triton attention, CUDA graphs) gives the CPU engine's greedy tokens."""
    from kernels.engine import Engine, EngineConfig, SamplingParams

    gpu = Engine(_gpu_loaded("float32"), EngineConfig(device="cuda", dtype="float32"))
    for text in ("Why is the sky blue?", "List three prime numbers.", "Write a haiku."):
        ids = gpu.encode_chat([{"role": "user", "content": text}])
        params = SamplingParams(temperature=0, max_tokens=16)
        expected = cpu_engine.generate(ids, params).samples[0].token_ids  # type: ignore[attr-defined]
        assert gpu.generate(ids, params).samples[0].token_ids == expected, text


@needs_cuda
def test_cuda_graphs_change_nothing_and_seeds_repeat() -> None:
    from kernels.engine import Engine, EngineConfig, SamplingParams

    loaded = _gpu_loaded("bfloat16")
    graphs = Engine(loaded, EngineConfig(device="cuda"))
    plain = Engine(loaded, EngineConfig(device="cuda", cuda_graphs=False))
    ids = graphs.encode_chat([{"role": "user", "content": "Tell me a story."}])
    params = SamplingParams(n=64, temperature=0.8, max_tokens=32, seed=9)
    first = graphs.generate(ids, params)
    assert first.texts == graphs.generate(ids, params).texts
    assert first.texts == plain.generate(ids, params).texts
    assert len(first.samples) == 64


def _gpu_loaded(dtype: str) -> object:
    from kernels.engine.loader import load_model
    from kernels.local_model import gguf_path

    return load_model(gguf_path(), "cuda", dtype)
