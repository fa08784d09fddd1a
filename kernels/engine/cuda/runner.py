"""Decode steps on a GPU: Triton attention, replayed from a captured CUDA graph.

The runner keeps every buffer a step touches at a fixed address (tokens, positions, the write
slot, the suffix cache, the attention scratch, the logits), captures one decode step into a CUDA
graph the first time it runs, and replays the graph afterwards, so a step costs one launch
instead of a few hundred. The write slot and the suffix length live in device memory and the
Triton kernels read them there, which is what lets the same graph serve every step. Rows are
never dropped (the graph's shapes are fixed); finished samples just stop being read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kernels.engine.kv_cache import PrefixKV, SuffixKV
from kernels.engine.model import LlamaModel
from kernels.engine.runner import group_ranges

if TYPE_CHECKING:
    import torch


class TritonDecodeAttention:
    """``DecodeAttention`` over fixed buffers: writes at ``slot``, reads ``slot + 1`` tokens."""

    def __init__(
        self, model: LlamaModel, prefixes: list[tuple[PrefixKV, int, int]], suffix: SuffixKV
    ) -> None:
        import torch

        cfg = model.config
        rows, dev = suffix.rows, model.device
        self.prefixes, self.suffix = prefixes, suffix
        self.slot = torch.zeros(1, dtype=torch.int64, device=dev)
        self.length = torch.ones(1, dtype=torch.int64, device=dev)
        self.prefix_out = torch.empty(rows, cfg.num_heads, cfg.head_dim, device=dev)
        self.prefix_lse = torch.empty(rows, cfg.num_heads, device=dev)
        self.out = torch.empty(rows, cfg.num_heads, cfg.head_dim, device=dev, dtype=model.dtype)

    def set_length(self, written: int) -> None:
        """Before a step: ``written`` tokens are in the cache; this step writes slot ``written``."""
        self.slot.fill_(written)
        self.length.fill_(written + 1)

    def write(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> None:
        # [N, Hkv, D] -> [Hkv, N, 1, D] at slot
        self.suffix.keys[layer].index_copy_(2, self.slot, k.transpose(0, 1).unsqueeze(2))
        self.suffix.values[layer].index_copy_(2, self.slot, v.transpose(0, 1).unsqueeze(2))

    def attend(self, layer: int, q: torch.Tensor) -> torch.Tensor:
        from kernels.engine.cuda import triton_attention as ta

        for prefix, a, b in self.prefixes:
            ta.prefix_attention(
                q[a:b],
                prefix.keys[layer],
                prefix.values[layer],
                self.prefix_out[a:b],
                self.prefix_lse[a:b],
            )
        ta.suffix_attention(
            q,
            self.suffix.keys[layer],
            self.suffix.values[layer],
            self.prefix_out,
            self.prefix_lse,
            self.length,
            self.out,
        )
        return self.out.view(q.shape[0], -1)


class CudaGraphRunner:
    """``StepRunner`` for CUDA: fixed rows, Triton attention, one CUDA graph per batch."""

    can_drop_rows = False

    def __init__(
        self,
        model: LlamaModel,
        prefixes: list[PrefixKV],
        row_groups: list[int],
        capacity: int,
        use_graph: bool = True,
    ) -> None:
        import torch

        rows = len(row_groups)
        self.model, self.use_graph = model, use_graph
        self.suffix = SuffixKV.allocate(
            model.config, rows, capacity, str(model.device), model.dtype
        )
        self.attention = TritonDecodeAttention(
            model, group_ranges(prefixes, row_groups), self.suffix
        )
        self.tokens = torch.zeros(rows, dtype=torch.int64, device=model.device)
        self.positions = torch.zeros(rows, dtype=torch.int64, device=model.device)
        self.graph: torch.cuda.CUDAGraph | None = None
        self.logits: torch.Tensor | None = None
        self._length = 0

    @property
    def length(self) -> int:
        return self._length

    def _forward(self) -> torch.Tensor:
        return self.model.decode_step(self.tokens, self.positions, self.attention)

    def step(self, tokens: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:

        if self._length >= self.suffix.capacity:
            raise RuntimeError(f"the suffix cache holds {self.suffix.capacity} tokens; it is full")
        self.tokens.copy_(tokens, non_blocking=True)
        self.positions.copy_(positions, non_blocking=True)
        self.attention.set_length(self._length)
        if not self.use_graph:
            logits = self._forward()
        else:
            if self.graph is None:
                self._capture()
            assert self.graph is not None and self.logits is not None
            self.graph.replay()
            logits = self.logits
        self._length += 1
        self.suffix.length = self._length
        return logits if not self.use_graph else logits.clone()

    def _capture(self) -> None:
        """Warm up (compiles the Triton kernels) on a side stream, then capture one step."""
        import torch

        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            self._forward()  # writes this step's KV; the replay writes the same values again
        torch.cuda.current_stream().wait_stream(stream)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            self.logits = self._forward()
        self.graph = graph

    def keep_rows(self, keep: list[int], row_groups: list[int]) -> None:
        raise NotImplementedError("the CUDA graph runner keeps its rows; finished ones are skipped")
