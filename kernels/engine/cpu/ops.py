"""The decode step's attention and small ops on the C++ CPU kernels (``csrc/cpu_kernels.cpp``).

``CpuDecodeAttention`` is the CPU twin of ``model.TorchDecodeAttention``: the same cache layout
and the same result (softmax over a row's prompt and its own tokens), in one kernel call per
layer instead of two flash-attention calls and a merge; at decode sizes (a few rows, a few hundred
keys) ATen's per-call overhead is most of the time. RMSNorm, rotary and SwiGLU's ``silu(g) * u``
are one call each for the same reason.
"""

from __future__ import annotations

import ctypes
from typing import TYPE_CHECKING

from kernels.engine.cpu.native import library
from kernels.engine.kv_cache import PrefixKV, SuffixKV

if TYPE_CHECKING:
    import torch


def _pointers(tensors: list[torch.Tensor]) -> ctypes.Array[ctypes.c_void_p]:
    return (ctypes.c_void_p * len(tensors))(*(t.data_ptr() for t in tensors))


def _int64s(values: list[int]) -> ctypes.Array[ctypes.c_int64]:
    return (ctypes.c_int64 * len(values))(*values)


class CpuDecodeAttention:
    """Writes at ``suffix.length`` and attends with ``rx_decode_attention`` (float32, CPU)."""

    def __init__(self, prefixes: list[tuple[PrefixKV, int, int]], suffix: SuffixKV) -> None:
        for t in [*suffix.keys, *suffix.values]:
            if not t.is_contiguous():
                raise ValueError("the suffix cache must be contiguous for the CPU kernel")
        self.suffix = suffix
        groups = [p for p, _, _ in prefixes]
        self.row_group = _int64s([g for g, (_, a, b) in enumerate(prefixes) for _ in range(a, b)])
        self.prefix_len = _int64s([p.length for p in groups])
        layers = range(len(suffix.keys))
        # the prefix tensors must stay alive while their pointers are in use
        self._prefix_k = [[p.keys[i].contiguous() for p in groups] for i in layers]
        self._prefix_v = [[p.values[i].contiguous() for p in groups] for i in layers]
        self.k_ptrs = [_pointers(ks) for ks in self._prefix_k]
        self.v_ptrs = [_pointers(vs) for vs in self._prefix_v]

    def write(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> None:
        self.suffix.write(layer, k, v)

    def attend(self, layer: int, q: torch.Tensor) -> torch.Tensor:
        """q [N, Hq, D] (pre-scaled) -> [N, Hq D]."""
        import torch

        q = q.contiguous()
        rows, hq, d = q.shape
        keys, values = self.suffix.keys[layer], self.suffix.values[layer]
        out = torch.empty(rows, hq * d, dtype=torch.float32)
        library().rx_decode_attention(
            q.data_ptr(), rows, hq, keys.shape[0], d, self.k_ptrs[layer], self.v_ptrs[layer],
            self.prefix_len, self.row_group, keys.data_ptr(), values.data_ptr(),
            self.suffix.length + 1, keys.shape[2], out.data_ptr(), torch.get_num_threads(),
        )  # fmt: skip
        return out


def rms_norm(x: torch.Tensor, weight: torch.Tensor, eps: float) -> torch.Tensor:
    """x [M, d] float32 -> x / sqrt(mean(x^2) + eps) * weight."""
    import torch

    x = x.contiguous()
    y = torch.empty_like(x)
    library().rx_rms_norm(
        x.data_ptr(), x.shape[0], x.shape[1], weight.data_ptr(), eps, y.data_ptr()
    )
    return y


def rotary_(
    x: torch.Tensor, heads: int, head_dim: int, cos: torch.Tensor, sin: torch.Tensor
) -> None:
    """In place: rotary on the first ``heads`` heads of each row of x [M, >= heads D].

    ``cos``/``sin`` [M, D] are the rows' tables (``sin`` signed for the rotate-half form).
    """
    if x.stride(-1) != 1 or not cos.is_contiguous() or not sin.is_contiguous():
        raise ValueError("rotary_ needs rows of x with unit stride and contiguous tables")
    library().rx_rotary(
        x.data_ptr(), x.shape[0], x.stride(0), heads, head_dim, cos.data_ptr(), sin.data_ptr()
    )


def silu_mul(gate_up: torch.Tensor) -> torch.Tensor:
    """gate_up [M, 2F] (gate then up) -> silu(gate) * up [M, F]."""
    import torch

    gate_up = gate_up.contiguous()
    rows, width = gate_up.shape
    out = torch.empty(rows, width // 2, dtype=torch.float32)
    library().rx_silu_mul(gate_up.data_ptr(), rows, width // 2, out.data_ptr())
    return out
