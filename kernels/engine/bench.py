"""The engine against transformers ``generate()``: same weights, prompt and sampling, one process.

Both sample ``n`` completions of one ~256-token prompt, 128 new tokens each (the end-of-turn
token is ignored by both so every sample has the same length), at temperature 0.8. Tokens/s
counts generated tokens over the wall time of the whole call, prompt included. On CPU, when the
engine runs its C++ kernels, the engine's plain torch path is timed too (the kernels' share).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

from kernels.engine.config import EngineConfig

CPU_SAMPLES = (1, 8, 32)
GPU_SAMPLES = (1, 8, 64, 256)
PROMPT_TOKENS = 256
NEW_TOKENS = 128
TEMPERATURE = 0.8
# A plain English paragraph repeated until the chat-templated prompt has PROMPT_TOKENS tokens.
PROMPT_TEXT = (
    "The lighthouse keeper kept a log of every ship that passed the point, the weather at dawn "
    "and dusk, and the birds that nested in the rocks below the lamp. "
)
PROMPT_QUESTION = "Summarise the log above in one paragraph."
# HBM bandwidth (bytes/s) by GPU name, for the memory-bound ceiling of a decode step.
GPU_BANDWIDTH = {"H200": 4.8e12, "H100": 3.35e12, "A100": 2.0e12, "L40S": 0.864e12}


@dataclass
class BenchRow:
    n: int
    engine_tps: float
    baseline_tps: float | None
    bound_fraction: float | None = None  # GPU: engine tokens/s over the bandwidth bound
    torch_path_tps: float | None = None  # CPU: the engine without its C++ kernels

    @property
    def ratio(self) -> float | None:
        return self.engine_tps / self.baseline_tps if self.baseline_tps else None


def build_prompt(tokenizer: object, target: int = PROMPT_TOKENS) -> list[int]:
    """Chat-templated prompt ids of about ``target`` tokens (cut to exactly ``target``)."""
    text = ""
    ids: list[int] = []
    while len(ids) < target:
        text += PROMPT_TEXT
        messages = [{"role": "user", "content": text + PROMPT_QUESTION}]
        ids = list(
            tokenizer.apply_chat_template(  # type: ignore[attr-defined]
                messages, add_generation_prompt=True, tokenize=True, return_dict=False
            )
        )
    return ids[-target:]


def run_benchmark(
    samples: tuple[int, ...] | None = None,
    device: str = "cpu",
    baseline: bool = True,
    threads: int | None = None,
    new_tokens: int = NEW_TOKENS,
    report: Callable[[str], None] = print,
    torch_path: bool = True,
) -> list[BenchRow]:
    """Time the engine (and transformers unless ``baseline`` is False) for each n.

    With ``torch_path``, on CPU, also the engine's plain torch path when its kernels are on.
    """
    import torch

    from kernels.engine.engine import Engine
    from kernels.engine.sampling import SamplingParams

    if threads:
        torch.set_num_threads(threads)
    samples = samples or (GPU_SAMPLES if device == "cuda" else CPU_SAMPLES)
    engine = Engine.load(config=EngineConfig(device=device))  # type: ignore[arg-type]
    prompt = build_prompt(engine.tokenizer)
    plain = None
    if device == "cpu":
        report(f"engine: {engine.describe()}")
        if torch_path and engine.loaded.cpu_kernels:
            plain = Engine.load(config=EngineConfig(device="cpu", cpu_kernels=False))
    hf = _load_transformers(device) if baseline else None
    report(
        f"prompt {len(prompt)} tokens, {new_tokens} new, T={TEMPERATURE}, "
        f"torch threads {torch.get_num_threads()}"
    )

    def run_engine(which: Engine, n: int, tokens: int) -> None:
        params = SamplingParams(n=n, temperature=TEMPERATURE, max_tokens=tokens, ignore_eos=True)
        which.generate(prompt, params)

    def run_hf(n: int, tokens: int) -> None:
        _hf_generate(hf, prompt, n, tokens)

    rows = []
    for n in samples:
        engine_tps = _tokens_per_s(partial(run_engine, engine, n), n, new_tokens, device)
        plain_tps = (
            _tokens_per_s(partial(run_engine, plain, n), n, new_tokens, device) if plain else None
        )
        base_tps = _tokens_per_s(partial(run_hf, n), n, new_tokens, device) if hf else None
        bound = _bound_fraction(engine, len(prompt), n, new_tokens, engine_tps)
        row = BenchRow(n, engine_tps, base_tps, bound, plain_tps)
        report(format_row(row))
        rows.append(row)
    return rows


def format_row(row: BenchRow) -> str:
    base = f"{row.baseline_tps:9.1f}" if row.baseline_tps else "        -"
    ratio = f"{row.ratio:6.1f}x" if row.ratio else "      -"
    bound = f"  {row.bound_fraction:6.1%} of bandwidth bound" if row.bound_fraction else ""
    plain = f"  (torch path {row.torch_path_tps:.1f})" if row.torch_path_tps else ""
    return (
        f"n={row.n:<4} engine {row.engine_tps:9.1f} tok/s{plain}  transformers {base} tok/s "
        f"{ratio}{bound}"
    )


def save_results(
    out: Path, rows: list[BenchRow], device: str, new_tokens: int = NEW_TOKENS
) -> Path:
    """Write the rows as JSON and a tokens/s-against-n plot into ``out``; returns the plot."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    (out / f"engine-{device}.json").write_text(
        json.dumps(
            {"device": device, "new_tokens": new_tokens, "rows": [asdict(r) for r in rows]},
            indent=2,
        )
    )
    fig, ax = plt.subplots(figsize=(6, 4))
    series: dict[str, list[float | None]] = {
        "rxlab engine": [r.engine_tps for r in rows],
        "rxlab engine, plain torch": [r.torch_path_tps for r in rows],
        "transformers generate()": [r.baseline_tps for r in rows],
    }
    for label, values in series.items():
        points = [(r.n, v) for r, v in zip(rows, values, strict=True) if v]
        if points:
            ax.plot(*zip(*points, strict=True), marker="o", label=label)
    ax.set_xscale("log", base=2)
    ax.set_xticks([r.n for r in rows], [str(r.n) for r in rows])
    ax.set_yscale("log")
    ax.set_xlabel("samples of one prompt (n)")
    ax.set_ylabel("generated tokens / s")
    ax.set_title(f"SmolLM2-135M on {device}: {new_tokens} new tokens, T={TEMPERATURE}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    plot = out / f"engine-{device}.png"
    fig.savefig(plot, dpi=120)
    plt.close(fig)
    return plot


def _tokens_per_s(run: Callable[[int], None], n: int, new_tokens: int, device: str) -> float:
    """Generated tokens per second of ``run(new_tokens)`` after a two-token warm-up."""
    import torch

    run(2)
    if device == "cuda":
        torch.cuda.synchronize()
    started = time.perf_counter()
    run(new_tokens)
    if device == "cuda":
        torch.cuda.synchronize()
    return n * new_tokens / (time.perf_counter() - started)


def _load_transformers(device: str) -> Any:
    import torch
    from transformers import AutoModelForCausalLM

    from kernels.local_model import gguf_path

    path = gguf_path()
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    model: Any = AutoModelForCausalLM.from_pretrained(
        str(path.parent), gguf_file=path.name, dtype=dtype
    )
    return model.to(device).eval()


def _hf_generate(model: Any, prompt: list[int], n: int, new_tokens: int) -> None:
    import torch

    device = model.device  # type: ignore[attr-defined]
    ids = torch.tensor([prompt], device=device)
    with torch.inference_mode():
        model.generate(  # type: ignore[attr-defined]
            ids,
            attention_mask=torch.ones_like(ids),
            do_sample=True,
            temperature=TEMPERATURE,
            top_p=1.0,
            top_k=0,
            max_new_tokens=new_tokens,
            min_new_tokens=new_tokens,
            num_return_sequences=n,
            pad_token_id=2,
        )


def _bound_fraction(
    engine: object, prompt_len: int, n: int, new_tokens: int, tokens_per_s: float
) -> float | None:
    """On CUDA: achieved tokens/s over (n tokens per step) / (bytes per step / bandwidth)."""
    import torch

    if not torch.cuda.is_available() or engine.config.device != "cuda":  # type: ignore[attr-defined]
        return None
    name = torch.cuda.get_device_name()
    bandwidth = next((bw for key, bw in GPU_BANDWIDTH.items() if key in name), None)
    if bandwidth is None:
        return None
    model = engine.model  # type: ignore[attr-defined]
    per_token = model.config.kv_bytes_per_token(model.dtype.itemsize)
    # a step reads every weight once, the shared prefix once, each row's suffix (mean length)
    step_bytes = model.weights.nbytes() + prompt_len * per_token + n * new_tokens / 2 * per_token
    return tokens_per_s / (n * bandwidth / step_bytes)
