"""What the engine knows about a model (read from the GGUF) and how it is asked to run."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

from kernels.engine.gguf_file import GGUFFile

Device = Literal["cpu", "cuda"]
# Environment knob for the KV-cache budget, in bytes (suffixes K, M, G, KiB, MiB, GiB allowed).
MEMORY_LIMIT_ENV = "RXLAB_ENGINE_MEMORY_LIMIT"
# Default share of the machine's memory (RAM on CPU, free GPU memory on CUDA) the cache may take.
DEFAULT_MEMORY_FRACTION = 0.4
_UNITS = {"k": 1e3, "m": 1e6, "g": 1e9, "kib": 2**10, "mib": 2**20, "gib": 2**30}


@dataclass(frozen=True)
class ModelConfig:
    """The shape of a Llama-family model."""

    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_layers: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    rope_theta: float
    rms_eps: float
    context_length: int
    tied_embeddings: bool
    bos_token_id: int
    eos_token_id: int

    @property
    def group_size(self) -> int:
        """Query heads per key/value head (grouped-query attention)."""
        return self.num_heads // self.num_kv_heads

    def kv_bytes_per_token(self, itemsize: int) -> int:
        return 2 * self.num_layers * self.num_kv_heads * self.head_dim * itemsize

    @classmethod
    def from_gguf(cls, gguf: GGUFFile) -> ModelConfig:
        arch = gguf.metadata["general.architecture"]
        if arch != "llama":
            raise ValueError(f"{gguf.path.name} is a {arch!r} model; the engine runs 'llama' only")
        hidden = int(gguf.arch_value("embedding_length"))
        heads = int(gguf.arch_value("attention.head_count"))
        vocab = gguf.arch_value("vocab_size") or gguf.metadata["tokenizer.ggml.tokens"]
        return cls(
            vocab_size=int(vocab),
            hidden_size=hidden,
            intermediate_size=int(gguf.arch_value("feed_forward_length")),
            num_layers=int(gguf.arch_value("block_count")),
            num_heads=heads,
            num_kv_heads=int(gguf.arch_value("attention.head_count_kv", heads)),
            head_dim=int(gguf.arch_value("rope.dimension_count", hidden // heads)),
            rope_theta=float(gguf.arch_value("rope.freq_base", 10000.0)),
            rms_eps=float(gguf.arch_value("attention.layer_norm_rms_epsilon", 1e-5)),
            context_length=int(gguf.arch_value("context_length", 2048)),
            tied_embeddings="output.weight" not in gguf.tensors,
            bos_token_id=int(gguf.metadata.get("tokenizer.ggml.bos_token_id", 1)),
            eos_token_id=int(gguf.metadata.get("tokenizer.ggml.eos_token_id", 2)),
        )


@dataclass(frozen=True)
class EngineConfig:
    """How the engine runs: where, in what precision, and within how much memory.

    ``memory_limit_bytes`` bounds the KV cache plus the per-step logits of one call; ``None``
    takes ``RXLAB_ENGINE_MEMORY_LIMIT`` or else a share of the machine's memory.
    """

    device: Device = "cpu"
    dtype: Literal["float32", "bfloat16", "float16"] | None = None  # None: fp32 CPU, bf16 GPU
    memory_limit_bytes: int | None = None
    cuda_graphs: bool = True
    triton: bool = True
    num_threads: int | None = None  # CPU threads; None keeps torch's choice
    cpu_kernels: bool = True  # CPU float32: decode steps run the C++ kernels (kernels.engine.cpu)

    @property
    def torch_dtype_name(self) -> str:
        if self.dtype is not None:
            return self.dtype
        return "bfloat16" if self.device == "cuda" else "float32"


def parse_bytes(text: str) -> int:
    """``"4GiB"`` -> 4294967296; a plain number is bytes."""
    raw = text.strip().lower().replace(" ", "")
    for unit in sorted(_UNITS, key=len, reverse=True):
        if raw.endswith(unit):
            return int(float(raw[: -len(unit)]) * _UNITS[unit])
    return int(float(raw.rstrip("b") or "0"))


def default_memory_limit(device: Device) -> int:
    """The KV budget when none is configured: the env knob, else a share of free memory."""
    configured = os.environ.get(MEMORY_LIMIT_ENV)
    if configured:
        return parse_bytes(configured)
    if device == "cuda":
        import torch

        free, _total = torch.cuda.mem_get_info()
        return int(free * DEFAULT_MEMORY_FRACTION)
    pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    return int(pages * page_size * DEFAULT_MEMORY_FRACTION)
