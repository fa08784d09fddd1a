"""Step runners: who runs a decode step for the rows of a batch.

``EagerRunner`` is plain torch on any device and drops finished rows to save work. The CUDA
runner (``kernels.engine.cuda.runner``) replays a captured CUDA graph and keeps its rows fixed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from kernels.engine.kv_cache import PrefixKV, SuffixKV
from kernels.engine.model import DecodeAttention, LlamaModel, TorchDecodeAttention

if TYPE_CHECKING:
    import torch


class StepRunner(Protocol):
    can_drop_rows: bool

    @property
    def length(self) -> int:
        """Tokens already in every row's suffix (the next step writes slot ``length``)."""
        ...

    def step(self, tokens: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        """Feed one token per row; return float32 logits [rows, V]."""
        ...

    def keep_rows(self, keep: list[int], row_groups: list[int]) -> None:
        """Keep only rows ``keep``; ``row_groups`` names each kept row's request."""
        ...


def group_ranges(
    prefixes: list[PrefixKV], row_groups: list[int]
) -> list[tuple[PrefixKV, int, int]]:
    """(prefix, first row, end row) for every request that has rows; rows must be grouped."""
    ranges: list[tuple[PrefixKV, int, int]] = []
    start = 0
    for i in range(1, len(row_groups) + 1):
        if i == len(row_groups) or row_groups[i] != row_groups[start]:
            ranges.append((prefixes[row_groups[start]], start, i))
            start = i
    return ranges


class EagerRunner:
    """Plain torch decode steps over a ``SuffixKV`` that shrinks as samples finish."""

    can_drop_rows = True

    def __init__(
        self, model: LlamaModel, prefixes: list[PrefixKV], row_groups: list[int], capacity: int
    ) -> None:
        self.model, self.prefixes = model, prefixes
        self.suffix = SuffixKV.allocate(
            model.config, len(row_groups), capacity, str(model.device), model.dtype
        )
        self.ranges = group_ranges(prefixes, row_groups)
        self.attention: DecodeAttention | None = None

    def _attention(self) -> DecodeAttention:
        if self.model.cpu_kernels:
            from kernels.engine.cpu.ops import CpuDecodeAttention

            return CpuDecodeAttention(self.ranges, self.suffix)
        return TorchDecodeAttention(self.ranges, self.suffix)

    @property
    def length(self) -> int:
        return self.suffix.length

    def step(self, tokens: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        if self.attention is None:
            self.attention = self._attention()
        logits = self.model.decode_step(tokens, positions, self.attention)
        self.suffix.length += 1
        return logits

    def keep_rows(self, keep: list[int], row_groups: list[int]) -> None:
        import torch

        self.suffix = self.suffix.select(torch.tensor(keep, device=self.model.device))
        self.ranges = group_ranges(self.prefixes, row_groups)
        self.attention = None
