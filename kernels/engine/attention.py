"""Attention in plain torch: prefill, and Hydragen's split decode attention.

At decode time every sample of a request attends to the same prompt (the shared prefix) and to its
own generated tokens (the suffix). Hydragen computes the two parts separately, each with its
log-sum-exp, and merges them exactly:

    out = (e^{lse_p} out_p + e^{lse_s} out_s) / (e^{lse_p} + e^{lse_s})

The prefix part stacks the queries of all n samples (and the g query heads of each key/value
head) into one matrix, so the prompt's keys and values are read once per step for all samples,
as a matrix product instead of n matrix-vector products.

Shapes: D head dim, Hq query heads, Hkv key/value heads, g = Hq / Hkv.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def prefill_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Causal attention of one sequence: q [Hq, P, D], k/v [Hkv, P, D] -> [P, Hq D]."""
    import torch.nn.functional as F

    out = F.scaled_dot_product_attention(
        q.unsqueeze(0), k.unsqueeze(0), v.unsqueeze(0), is_causal=True, enable_gqa=True
    )
    return out[0].transpose(0, 1).reshape(q.shape[1], -1)


def prefix_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, scale: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """n samples' queries against one shared prefix.

    q [n, Hq, D], k/v [Hkv, P, D] -> (out [n, Hq, D], lse [n, Hq]) in float32.
    """
    import torch

    n, hq, d = q.shape
    hkv = k.shape[0]
    g = hq // hkv
    # [n, Hkv, g, D] -> [Hkv, n g, D]: one (n g) x P score matrix per key/value head
    qs = q.view(n, hkv, g, d).transpose(0, 1).reshape(hkv, n * g, d)
    scores = torch.matmul(qs, k.transpose(1, 2)).float() * scale  # [Hkv, n g, P]
    lse = torch.logsumexp(scores, dim=-1)
    probs = torch.exp(scores - lse.unsqueeze(-1)).to(v.dtype)
    out = torch.matmul(probs, v)  # [Hkv, n g, D]
    out = out.view(hkv, n, g, d).transpose(0, 1).reshape(n, hq, d)
    lse = lse.view(hkv, n, g).transpose(0, 1).reshape(n, hq)
    return out.float(), lse


def suffix_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, scale: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Each sample's query against its own keys: q [N, Hq, D], k/v [N, Hkv, T, D].

    Returns (out [N, Hq, D], lse [N, Hq]) in float32.
    """
    import torch

    n, hq, d = q.shape
    hkv = k.shape[1]
    qs = q.view(n, hkv, hq // hkv, d)
    scores = torch.matmul(qs, k.transpose(2, 3)).float() * scale  # [N, Hkv, g, T]
    lse = torch.logsumexp(scores, dim=-1)
    probs = torch.exp(scores - lse.unsqueeze(-1)).to(v.dtype)
    out = torch.matmul(probs, v).reshape(n, hq, d)
    return out.float(), lse.reshape(n, hq)


def merge_attention(
    out_a: torch.Tensor, lse_a: torch.Tensor, out_b: torch.Tensor, lse_b: torch.Tensor
) -> torch.Tensor:
    """Exact softmax over the union of two key sets from each part's output and log-sum-exp."""
    import torch

    weight_a = torch.sigmoid(lse_a - lse_b).unsqueeze(-1)  # e^a / (e^a + e^b)
    return out_b + weight_a * (out_a - out_b)


def decode_attention(
    q: torch.Tensor,
    prefixes: list[tuple[torch.Tensor, torch.Tensor, int, int]],
    suffix_k: torch.Tensor,
    suffix_v: torch.Tensor,
    scale: float,
) -> torch.Tensor:
    """One decode step of attention for N rows grouped by shared prefix.

    ``prefixes`` lists (k [Hkv, P, D], v [Hkv, P, D], first row, end row) per request; rows of a
    request are contiguous. ``suffix_k``/``suffix_v`` [N, Hkv, T, D] hold each row's own tokens,
    the current one included. Returns [N, Hq D] in q's dtype.
    """
    import torch

    out_s, lse_s = suffix_attention(q, suffix_k, suffix_v, scale)
    if len(prefixes) == 1:
        k, v, _, _ = prefixes[0]
        out_p, lse_p = prefix_attention(q, k, v, scale)
    else:
        parts = [prefix_attention(q[a:b], k, v, scale) for k, v, a, b in prefixes]
        out_p = torch.cat([o for o, _ in parts])
        lse_p = torch.cat([s for _, s in parts])
    out = merge_attention(out_p, lse_p, out_s, lse_s)
    return out.to(q.dtype).reshape(q.shape[0], -1)
