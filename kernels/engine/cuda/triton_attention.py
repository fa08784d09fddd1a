"""Triton kernels for Hydragen decode attention on a GPU.

``prefix_attention`` runs the queries of every sample of a request (all g query heads of each
key/value head) against the request's shared prompt as one flash-attention pass: an (n g) x P
tensor-core product per key/value head, the prompt's keys and values read once per step. It
writes each query's output and log-sum-exp.

``suffix_attention`` continues, per sample and key/value head, the same online softmax over the
sample's own tokens, starting from the prefix's (output, log-sum-exp) state: that start is the
exact log-sum-exp merge of the two parts. The suffix length is read from device memory, so a
captured CUDA graph replays it at every step.

Queries are [N, Hq, D] views (pre-scaled by 1/sqrt(D)); query head h*g + j belongs to key/value
head h. Importing this module imports triton: only the CUDA path does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import triton
import triton.language as tl

if TYPE_CHECKING:
    import torch

PREFIX_BLOCK_M = 64
PREFIX_BLOCK_N = 64
SUFFIX_BLOCK_G = 16  # tl.dot needs 16 rows; the g (= 3) real ones are masked in
SUFFIX_BLOCK_N = 64


@triton.jit
def _prefix_kernel(
    Q, K, V, OUT, LSE,
    M, P,
    stride_qn, stride_kh, stride_kp, stride_vh, stride_vp, stride_on, stride_ln,
    G: tl.constexpr, D: tl.constexpr, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr,
    PRECISION: tl.constexpr,
):  # fmt: skip
    pid_m = tl.program_id(0)
    h = tl.program_id(1)
    offs_m = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)  # m = sample * G + j
    offs_d = tl.arange(0, D)
    row_ok = offs_m < M
    sample = offs_m // G
    head = h * G + offs_m % G
    q = tl.load(
        Q + sample[:, None] * stride_qn + head[:, None] * D + offs_d[None, :],
        mask=row_ok[:, None],
        other=0.0,
    )
    m_i = tl.full([BLOCK_M], float("-inf"), tl.float32)
    l_i = tl.zeros([BLOCK_M], tl.float32)
    acc = tl.zeros([BLOCK_M, D], tl.float32)
    for start in range(0, P, BLOCK_N):
        offs_n = start + tl.arange(0, BLOCK_N)
        key_ok = offs_n < P
        k = tl.load(
            K + h * stride_kh + offs_n[:, None] * stride_kp + offs_d[None, :],
            mask=key_ok[:, None],
            other=0.0,
        )
        s = tl.dot(q, tl.trans(k), input_precision=PRECISION)
        s = tl.where(key_ok[None, :], s, float("-inf"))
        m_new = tl.maximum(m_i, tl.max(s, 1))
        alpha = tl.exp(m_i - m_new)
        p = tl.exp(s - m_new[:, None])
        l_i = l_i * alpha + tl.sum(p, 1)
        v = tl.load(
            V + h * stride_vh + offs_n[:, None] * stride_vp + offs_d[None, :],
            mask=key_ok[:, None],
            other=0.0,
        )
        acc = acc * alpha[:, None] + tl.dot(p.to(v.dtype), v, input_precision=PRECISION)
        m_i = m_new
    out = acc / l_i[:, None]
    tl.store(
        OUT + sample[:, None] * stride_on + head[:, None] * D + offs_d[None, :],
        out,
        mask=row_ok[:, None],
    )
    tl.store(LSE + sample * stride_ln + head, m_i + tl.log(l_i), mask=row_ok)


@triton.jit
def _suffix_kernel(
    Q, K, V, O_P, LSE_P, OUT, LENGTH,
    stride_qn, stride_kh, stride_kn, stride_kt, stride_on, stride_ln, stride_outn,
    G: tl.constexpr, D: tl.constexpr, BLOCK_G: tl.constexpr, BLOCK_N: tl.constexpr,
    PRECISION: tl.constexpr,
):  # fmt: skip
    row = tl.program_id(0)
    h = tl.program_id(1)
    offs_g = tl.arange(0, BLOCK_G)
    offs_d = tl.arange(0, D)
    g_ok = offs_g < G
    head = h * G + offs_g
    q = tl.load(
        Q + row * stride_qn + head[:, None] * D + offs_d[None, :], mask=g_ok[:, None], other=0.0
    )
    # start from the prefix's softmax state: max = lse, sum = 1, acc = normalised output
    m_i = tl.load(LSE_P + row * stride_ln + head, mask=g_ok, other=0.0)
    l_i = tl.full([BLOCK_G], 1.0, tl.float32)
    acc = tl.load(
        O_P + row * stride_on + head[:, None] * D + offs_d[None, :], mask=g_ok[:, None], other=0.0
    )
    length = tl.load(LENGTH)
    base = h * stride_kh + row * stride_kn
    for start in range(0, length, BLOCK_N):
        offs_n = start + tl.arange(0, BLOCK_N)
        key_ok = offs_n < length
        k = tl.load(
            K + base + offs_n[:, None] * stride_kt + offs_d[None, :],
            mask=key_ok[:, None],
            other=0.0,
        )
        s = tl.dot(q, tl.trans(k), input_precision=PRECISION)
        s = tl.where(key_ok[None, :], s, float("-inf"))
        m_new = tl.maximum(m_i, tl.max(s, 1))
        alpha = tl.exp(m_i - m_new)
        p = tl.exp(s - m_new[:, None])
        l_i = l_i * alpha + tl.sum(p, 1)
        v = tl.load(
            V + base + offs_n[:, None] * stride_kt + offs_d[None, :],
            mask=key_ok[:, None],
            other=0.0,
        )
        acc = acc * alpha[:, None] + tl.dot(p.to(v.dtype), v, input_precision=PRECISION)
        m_i = m_new
    out = acc / l_i[:, None]
    tl.store(
        OUT + row * stride_outn + head[:, None] * D + offs_d[None, :],
        out.to(OUT.dtype.element_ty),
        mask=g_ok[:, None],
    )


def prefix_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, out: torch.Tensor, lse: torch.Tensor
) -> None:
    """q [n, Hq, D] (rows may be strided), k/v [Hkv, P, D] -> out [n, Hq, D], lse [n, Hq] (fp32)."""
    n, hq, d = q.shape
    hkv, p, _ = k.shape
    g = hq // hkv
    _check_rows(q, k, v)
    grid = (triton.cdiv(n * g, PREFIX_BLOCK_M), hkv)
    _prefix_kernel[grid](
        q, k, v, out, lse,
        n * g, p,
        q.stride(0), k.stride(0), k.stride(1), v.stride(0), v.stride(1), out.stride(0),
        lse.stride(0),
        G=g, D=d, BLOCK_M=PREFIX_BLOCK_M, BLOCK_N=PREFIX_BLOCK_N, PRECISION=_precision(q),
    )  # fmt: skip


def suffix_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    prefix_out: torch.Tensor,
    prefix_lse: torch.Tensor,
    length: torch.Tensor,
    out: torch.Tensor,
) -> None:
    """Finish attention over each row's own tokens; k/v [Hkv, N, T, D], ``length`` int [1].

    ``out`` [N, Hq, D] gets the merged result in its own dtype.
    """
    n, hq, d = q.shape
    hkv = k.shape[0]
    _check_rows(q, k[:, 0], v[:, 0])
    if k.stride() != v.stride():
        raise ValueError("suffix keys and values must share a layout")
    _suffix_kernel[(n, hkv)](
        q, k, v, prefix_out, prefix_lse, out, length,
        q.stride(0), k.stride(0), k.stride(1), k.stride(2), prefix_out.stride(0),
        prefix_lse.stride(0), out.stride(0),
        G=hq // hkv, D=d, BLOCK_G=SUFFIX_BLOCK_G, BLOCK_N=SUFFIX_BLOCK_N,
        PRECISION=_precision(q),
    )  # fmt: skip


def _precision(q: torch.Tensor) -> str:
    """float32 inputs get full-precision products (tf32 would be Triton's default)."""
    import torch

    return "ieee" if q.dtype == torch.float32 else "tf32"


def _check_rows(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> None:
    """The kernels assume contiguous head vectors and heads packed within a row."""
    if q.stride(2) != 1 or q.stride(1) != q.shape[2] or k.stride(-1) != 1 or v.stride(-1) != 1:
        raise ValueError("attention inputs need contiguous head vectors ([.., Hq, D] rows)")
