"""Attention in plain torch: prefill, and Hydragen's split decode attention.

At decode time every sample of a request attends to the same prompt (the shared prefix) and to its
own generated tokens (the suffix). Hydragen computes the two parts separately, each with its
log-sum-exp, and merges them exactly:

    out = (e^{lse_p} out_p + e^{lse_s} out_s) / (e^{lse_p} + e^{lse_s})

The prefix part stacks the queries of all n samples (and the g query heads of each key/value
head) into one matrix, so the prompt's keys and values are read once per step for all samples,
as a matrix product instead of n matrix-vector products.

Shapes: D head dim, Hq query heads, Hkv key/value heads, g = Hq / Hkv. Queries come pre-scaled
by 1/sqrt(D) (the model folds it into its weights). Decode works key/value-head-major.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def prefill_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Causal attention of one sequence: q [Hq, P, D] (pre-scaled), k/v [Hkv, P, D] -> [P, Hq D]."""
    import torch.nn.functional as F

    out = F.scaled_dot_product_attention(
        q.unsqueeze(0), k.unsqueeze(0), v.unsqueeze(0), is_causal=True, enable_gqa=True, scale=1.0
    )
    return out[0].transpose(0, 1).reshape(q.shape[1], -1)


def _attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Batched softmax(q k^T) v with its log-sum-exp: q [B, H, M, D], k/v [B, H, T, D].

    Returns (out [B, H, M, D], lse [B, H, M, 1]) in float32. On CPU this is ATen's flash
    attention kernel, which returns the log-sum-exp (3x fewer passes than the composite).
    """
    import torch

    if q.device.type == "cpu" and _cpu_flash_available():
        out, lse = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu(
            q, k, v, 0.0, False, attn_mask=None, scale=1.0
        )
        return out.float(), lse.unsqueeze(-1)
    scores = torch.matmul(q, k.transpose(-1, -2)).float()
    top = scores.amax(dim=-1, keepdim=True)
    weights = torch.exp(scores - top)
    total = weights.sum(dim=-1, keepdim=True)
    out = torch.matmul(weights.to(v.dtype), v).float() / total
    return out, top + torch.log(total)


@functools.cache
def _cpu_flash_available() -> bool:
    import torch

    return hasattr(torch.ops.aten, "_scaled_dot_product_flash_attention_for_cpu")


def prefix_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """n samples' queries against one shared prefix: the Hydragen matrix product.

    q [Hkv, n, g, D], k/v [Hkv, P, D] -> (out [Hkv, n, g, D], lse [Hkv, n, g, 1]), float32.
    """
    hkv, n, g, d = q.shape
    # one (n g) x P product per kv head
    out, lse = _attend(q.reshape(1, hkv, n * g, d), k.unsqueeze(0), v.unsqueeze(0))
    return out.view(hkv, n, g, d), lse.view(hkv, n, g, 1)


def suffix_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Each sample's queries against its own keys: q [Hkv, N, g, D], k/v [Hkv, N, T, D].

    Returns (out [Hkv, N, g, D], lse [Hkv, N, g, 1]) in float32.
    """
    return _attend(q, k, v)


def merge_attention(
    out_a: torch.Tensor, lse_a: torch.Tensor, out_b: torch.Tensor, lse_b: torch.Tensor
) -> torch.Tensor:
    """Exact softmax over the union of two key sets from each part's output and log-sum-exp."""
    import torch

    weight_a = torch.sigmoid(lse_a - lse_b)  # e^a / (e^a + e^b)
    return torch.lerp(out_b, out_a, weight_a)


def decode_attention(
    q: torch.Tensor,
    prefixes: list[tuple[torch.Tensor, torch.Tensor, int, int]],
    suffix_k: torch.Tensor,
    suffix_v: torch.Tensor,
) -> torch.Tensor:
    """One decode step of attention for N rows grouped by shared prefix.

    q [N, Hq, D] (pre-scaled). ``prefixes`` lists (k [Hkv, P, D], v [Hkv, P, D], first row, end
    row) per request; rows of a request are contiguous. ``suffix_k``/``suffix_v`` [Hkv, N, T, D]
    hold each row's own tokens, the current one included. Returns [N, Hq D] in q's dtype.
    """
    import torch

    n, hq, d = q.shape
    hkv = suffix_k.shape[0]
    qh = q.view(n, hkv, hq // hkv, d).transpose(0, 1).contiguous()  # [Hkv, N, g, D]
    out_s, lse_s = suffix_attention(qh, suffix_k, suffix_v)
    if len(prefixes) == 1:
        k, v, _, _ = prefixes[0]
        out_p, lse_p = prefix_attention(qh, k, v)
    else:
        parts = [prefix_attention(qh[:, a:b], k, v) for k, v, a, b in prefixes]
        out_p = torch.cat([o for o, _ in parts], dim=1)
        lse_p = torch.cat([s for _, s in parts], dim=1)
    out = merge_attention(out_p, lse_p, out_s, lse_s).to(q.dtype)
    return out.transpose(0, 1).reshape(n, hq * d)
