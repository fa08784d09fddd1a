"""The engine's C++ CPU kernels against the plain torch path they replace, on the real GGUF."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from kernels.engine import Engine, EngineConfig, SamplingParams
from kernels.engine.cpu import native
from kernels.engine.cpu.native import KernelUnavailable, kernel_status, load_library
from kernels.engine.gguf_file import GGUFFile
from kernels.engine.kv_cache import PrefixKV, SuffixKV
from kernels.engine.model import TorchDecodeAttention
from kernels.local_model import gguf_path

READY = kernel_status()
needs_kernels = pytest.mark.skipif(READY != "ready", reason=f"CPU kernels: {READY}")


@pytest.fixture(scope="module")
def gguf() -> GGUFFile:
    return GGUFFile.open(gguf_path())


@needs_kernels
@pytest.mark.parametrize(
    "name", ["blk.3.ffn_down.weight", "blk.0.attn_q.weight", "token_embd.weight"]
)
def test_quantized_product_equals_the_dequantized_weights(gguf: GGUFFile, name: str) -> None:
    """Q4_1 (layers) and Q8_0 (embedding) blocks give x @ W.T of gguf's own dequantized W."""
    from kernels.engine.cpu.quant import BLOCK, BLOCK_BYTES, QuantMatrix

    info = gguf.tensors[name]
    matrix = QuantMatrix.from_blocks(
        info.ggml_type, gguf.raw_blocks(name, BLOCK, BLOCK_BYTES[info.ggml_type])
    )
    weight = torch.from_numpy(gguf.dequantize(name)).double()
    assert (matrix.rows, matrix.cols) == tuple(weight.shape)
    generator = torch.Generator().manual_seed(0)
    for rows in (1, 3, 8, 11, 16):  # one pass, a partial pass, two passes
        x = torch.randn(rows, matrix.cols, generator=generator)
        expected = x.double() @ weight.T
        got = matrix(x)
        assert got.shape == (rows, matrix.rows)
        scale = expected.abs().max().item()
        assert (got.double() - expected).abs().max().item() < 1e-5 * scale


@needs_kernels
def test_quantized_product_rejects_a_wrong_shape(gguf: GGUFFile) -> None:
    from kernels.engine.cpu.quant import QuantMatrix

    blocks = gguf.raw_blocks("blk.0.ffn_up.weight", 32, 20)
    matrix = QuantMatrix.from_blocks(3, blocks)
    with pytest.raises(ValueError, match=r"expected float32 \[M, 576\]"):
        matrix(torch.zeros(2, 100))
    with pytest.raises(ValueError, match="no quantized kernel"):
        QuantMatrix.from_blocks(12, blocks)  # Q4_K


def _caches(
    head_dim: int, prefix_lengths: list[int], rows_per_prefix: list[int]
) -> tuple[list[tuple[PrefixKV, int, int]], int]:
    generator = torch.Generator().manual_seed(1)
    layers, hkv = 2, 3
    ranges, start = [], 0
    for length, rows in zip(prefix_lengths, rows_per_prefix, strict=True):

        def part() -> list[torch.Tensor]:
            return [torch.randn(hkv, length, head_dim, generator=generator) for _ in range(layers)]  # noqa: B023

        ranges.append((PrefixKV(part(), part()), start, start + rows))
        start += rows
    return ranges, start


@needs_kernels
@pytest.mark.parametrize(
    ("head_dim", "prefix_lengths", "rows_per_prefix"),
    [(64, [37], [4]), (64, [300, 5], [3, 2]), (24, [9, 17, 1], [1, 2, 3])],
)
def test_cpu_attention_equals_the_torch_hydragen_split(
    head_dim: int, prefix_lengths: list[int], rows_per_prefix: list[int]
) -> None:
    """One softmax over prefix and suffix equals Hydragen's two parts merged by log-sum-exp."""
    from kernels.engine.cpu.ops import CpuDecodeAttention

    ranges, rows = _caches(head_dim, prefix_lengths, rows_per_prefix)
    layers, hkv, hq, capacity = 2, 3, 9, 12

    def suffix() -> SuffixKV:
        shape = (hkv, rows, capacity, head_dim)
        return SuffixKV(
            [torch.zeros(shape) for _ in range(layers)], [torch.zeros(shape) for _ in range(layers)]
        )

    torch_suffix, cpu_suffix = suffix(), suffix()
    reference = TorchDecodeAttention(ranges, torch_suffix)
    kernel = CpuDecodeAttention(ranges, cpu_suffix)
    generator = torch.Generator().manual_seed(2)
    for _ in range(capacity):
        for layer in range(layers):
            k, v = (torch.randn(rows, hkv, head_dim, generator=generator) for _ in range(2))
            q = torch.randn(rows, hq, head_dim, generator=generator) * 0.3
            reference.write(layer, k, v)
            kernel.write(layer, k, v)
            torch.testing.assert_close(kernel.attend(layer, q), reference.attend(layer, q))
        torch_suffix.length += 1
        cpu_suffix.length += 1


@needs_kernels
def test_cpu_rms_norm_equals_torch() -> None:
    from kernels.engine.cpu.ops import rms_norm

    x, weight = torch.randn(5, 579), torch.randn(579)  # a length with a remainder after 8 lanes
    expected = torch.nn.functional.rms_norm(x, (579,), weight, 1e-5)
    torch.testing.assert_close(rms_norm(x, weight, 1e-5), expected)


@needs_kernels
def test_cpu_rotary_and_silu_mul_equal_torch() -> None:
    from kernels.engine.cpu.ops import rotary_, silu_mul

    rows, heads, d = 4, 5, 64
    x = torch.randn(rows, (heads + 2) * d)  # two trailing heads (values) stay as they are
    angles = torch.rand(rows, d // 2) * 6
    cos = torch.cat([angles, angles], -1).cos()
    sin = torch.cat([-angles, angles], -1).sin()
    qk = x[:, : heads * d].view(rows, heads, d)
    expected = torch.addcmul(qk * cos[:, None], qk.roll(d // 2, -1), sin[:, None])
    rotated = x.clone()
    rotary_(rotated, heads, d, cos, sin)
    torch.testing.assert_close(rotated[:, : heads * d].view(rows, heads, d), expected)
    assert torch.equal(rotated[:, heads * d :], x[:, heads * d :])
    gate_up = torch.randn(3, 2 * 1541) * 4  # a width with a remainder after 8 lanes
    gate, up = gate_up[:, :1541], gate_up[:, 1541:]
    torch.testing.assert_close(silu_mul(gate_up), torch.nn.functional.silu(gate) * up)


@pytest.fixture(scope="module")
def engines() -> tuple[Engine, Engine]:
    kernels = Engine.load(config=EngineConfig(device="cpu"))
    plain = Engine.load(config=EngineConfig(device="cpu", cpu_kernels=False))
    return kernels, plain


@needs_kernels
def test_the_engine_runs_its_kernels_and_agrees_with_its_torch_path(
    engines: tuple[Engine, Engine],
) -> None:
    """Same greedy tokens, same logprobs (to float32 rounding), same seeded samples."""
    kernels, plain = engines
    assert kernels.loaded.cpu_kernels and not plain.loaded.cpu_kernels
    assert kernels.describe().startswith("cpu (C++ kernels")
    assert plain.describe() == "cpu (plain torch: C++ kernels turned off)"
    for text in ["Name three colours.", "What is 2 + 2?", "Write a short poem about rain."]:
        ids = kernels.encode_chat([{"role": "user", "content": text}])
        greedy = SamplingParams(temperature=0, max_tokens=24, ignore_eos=True)
        a, b = kernels.generate(ids, greedy).samples[0], plain.generate(ids, greedy).samples[0]
        assert a.token_ids == b.token_ids
        assert max(abs(x - y) for x, y in zip(a.logprobs, b.logprobs, strict=True)) < 1e-3
    ids = kernels.encode_chat([{"role": "user", "content": "Say one random word."}])
    sampled = SamplingParams(n=8, temperature=0.8, max_tokens=6, seed=11)
    ours = [s.token_ids for s in kernels.generate(ids, sampled).samples]
    theirs = [s.token_ids for s in plain.generate(ids, sampled).samples]
    assert ours == theirs


def test_a_missing_compiler_is_a_clear_error() -> None:
    with pytest.raises(KernelUnavailable, match="cannot run the C\\+\\+ compiler"):
        load_library("/nonexistent/g++")
    with pytest.raises(KernelUnavailable, match="no C\\+\\+ compiler"):
        load_library(None)


def test_a_failed_build_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "cpu_kernels.cpp"
    broken.write_text("this is not C++\n")
    monkeypatch.setattr(native, "SOURCE", broken)
    monkeypatch.setenv(native.CACHE_ENV, str(tmp_path / "cache"))
    compiler = native.shutil.which("g++")
    if compiler is None:
        pytest.skip("no g++ here")
    with pytest.raises(KernelUnavailable, match=r"building the CPU kernels failed: .*error"):
        load_library(compiler)
    assert not list((tmp_path / "cache").glob("*.so"))  # nothing half-built is cached


def test_an_unwritable_cache_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(native.CACHE_ENV, str(blocker / "kernels"))
    compiler = native.shutil.which("g++")
    if compiler is None:
        pytest.skip("no g++ here")
    with pytest.raises(
        KernelUnavailable, match=r"cannot write the kernel cache .*RXLAB_KERNEL_CACHE"
    ):
        load_library(compiler)


@needs_kernels
def test_the_build_is_cached_by_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(native.CACHE_ENV, str(tmp_path))
    compiler = native.shutil.which("g++")
    assert compiler is not None
    load_library(compiler)
    built = list(tmp_path.glob("cpu_kernels-*.so"))
    assert len(built) == 1
    stamp = built[0].stat().st_mtime_ns
    load_library(compiler)
    assert [p.stat().st_mtime_ns for p in tmp_path.glob("cpu_kernels-*.so")] == [stamp]


def test_without_kernels_the_engine_warns_and_runs_plain_torch(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from kernels.engine.loader import load_model

    def unavailable() -> None:
        raise KernelUnavailable("no C++ compiler (g++) on PATH to build the CPU kernels")

    monkeypatch.setattr(native, "library", unavailable)
    with caplog.at_level("WARNING"):
        loaded = load_model(gguf_path(), "cpu")
    assert not loaded.cpu_kernels and loaded.model.quant is None
    assert "plain torch CPU path: no C++ compiler" in caplog.text


@needs_kernels
def test_bench_engine_prints_both_engine_paths_and_saves_a_plot(tmp_path: Path) -> None:
    """A tiny real run of `rxlab bench engine`: the table, the CPU path, the JSON and the plot."""
    import json

    from typer.testing import CliRunner

    from rxlab.cli import app

    out = tmp_path / "bench"
    args = [
        "bench",
        "engine",
        "--n",
        "1",
        "--n",
        "2",
        "--new-tokens",
        "4",
        "--no-baseline",
        "--out",
    ]
    result = CliRunner().invoke(app, [*args, str(out)])
    assert result.exit_code == 0, result.output
    assert "engine: cpu (C++ kernels" in result.output
    assert "engine, torch path" in result.output
    saved = json.loads((out / "engine-cpu.json").read_text())
    assert [row["n"] for row in saved["rows"]] == [1, 2]
    assert all(row["engine_tps"] > 0 and row["torch_path_tps"] > 0 for row in saved["rows"])
    assert (out / "engine-cpu.png").read_bytes()[:4] == b"\x89PNG"
