"""The KV cache: one shared prefix per request, one suffix row per sample, and its memory guard."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kernels.engine.config import ModelConfig

if TYPE_CHECKING:
    import torch

# Per sample and step the engine also holds a row of logits and a few of its float32 copies
# (temperature, softmax, noise); counted with the cache so the guard covers a step's peak.
LOGIT_COPIES = 4


class EngineMemoryError(MemoryError):
    """A call would need more cache memory than the engine may use; nothing was allocated."""

    def __init__(self, n: int, length: int, needed: int, limit: int) -> None:
        self.n, self.length, self.needed, self.limit = n, length, needed, limit
        super().__init__(
            f"{n} samples x {length} tokens would need {_gib(needed)} of KV cache and logits, "
            f"over the engine's limit of {_gib(limit)} ({needed} > {limit} bytes). Ask for fewer "
            f"samples or fewer max_tokens, split the call, or raise the limit "
            f"(EngineConfig.memory_limit_bytes or RXLAB_ENGINE_MEMORY_LIMIT)."
        )


def _gib(nbytes: int) -> str:
    return f"{nbytes / 2**30:.2f} GiB"


@dataclass
class PrefixKV:
    """A prompt's keys and values, computed once and read by all its samples."""

    keys: list[torch.Tensor]  # per layer [Hkv, P, D], rotary already applied
    values: list[torch.Tensor]

    @property
    def length(self) -> int:
        return int(self.keys[0].shape[1])


@dataclass
class SuffixKV:
    """Each sample's own generated tokens: per layer [Hkv, N, capacity, D]."""

    keys: list[torch.Tensor]
    values: list[torch.Tensor]
    length: int = 0  # tokens written so far (the same for every row: samples step together)

    @classmethod
    def allocate(
        cls, config: ModelConfig, rows: int, capacity: int, device: str, dtype: torch.dtype
    ) -> SuffixKV:
        import torch

        shape = (config.num_kv_heads, rows, capacity, config.head_dim)
        layers = range(config.num_layers)
        return cls(
            keys=[torch.zeros(shape, device=device, dtype=dtype) for _ in layers],
            values=[torch.zeros(shape, device=device, dtype=dtype) for _ in layers],
        )

    @property
    def rows(self) -> int:
        return int(self.keys[0].shape[1])

    @property
    def capacity(self) -> int:
        return int(self.keys[0].shape[2])

    def write(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> None:
        """Store this step's keys and values, k/v [rows, Hkv, D], at slot ``length``."""
        self.keys[layer][:, :, self.length] = k.transpose(0, 1)
        self.values[layer][:, :, self.length] = v.transpose(0, 1)

    def select(self, rows: torch.Tensor) -> SuffixKV:
        """Keep only ``rows`` (a long tensor of row indices), dropping finished samples."""
        return SuffixKV(
            keys=[k.index_select(1, rows) for k in self.keys],
            values=[v.index_select(1, rows) for v in self.values],
            length=self.length,
        )


def bytes_needed(
    config: ModelConfig, prompt_lengths: list[int], samples: int, new_tokens: int, itemsize: int
) -> int:
    """Peak bytes of one batch: the prefixes, every sample's suffix, and a step's logits.

    The first token of every sample comes from the prompt's logits; each later one is a decode
    step, which holds ``new_tokens - 1`` suffix slots and one logits row per sample.
    """
    per_token = config.kv_bytes_per_token(itemsize)
    prefix = sum(prompt_lengths) * per_token
    decoding = samples if new_tokens > 1 else 0
    suffix = decoding * (new_tokens - 1) * per_token
    logits = max(decoding, len(prompt_lengths)) * config.vocab_size * 4 * LOGIT_COPIES
    return prefix + suffix + logits


def check_memory(
    config: ModelConfig,
    prompt_lengths: list[int],
    samples: int,
    new_tokens: int,
    itemsize: int,
    limit: int,
) -> int:
    """Raise ``EngineMemoryError`` when a batch would not fit in ``limit``; else the bytes."""
    needed = bytes_needed(config, prompt_lengths, samples, new_tokens, itemsize)
    if needed > limit:
        length = max(prompt_lengths, default=0) + new_tokens
        raise EngineMemoryError(samples, length, needed, limit)
    return needed
