"""A Triton sampler: temperature, the exponential race, and the chosen token's logprob, one pass.

Per row it streams the logits once, computing ``argmax(logits / T - log E)`` with ``E ~ Exp(1)``
(the Gumbel-max trick: a draw from softmax(logits / T)) and the log-sum-exp of the raw logits for
the token's log-probability. Rows with T = 0 take the plain argmax. Top-k and top-p need a sort
and stay on the torch path. Importing this module imports triton: only the CUDA path does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import triton
import triton.language as tl

if TYPE_CHECKING:
    import torch

SAMPLE_BLOCK = 2048


@triton.jit
def _sample_kernel(
    LOGITS, NOISE, INV_T, TOKENS, LOGPROBS,
    V, stride_l, stride_n,
    BLOCK: tl.constexpr,
):  # fmt: skip
    row = tl.program_id(0)
    inv_t = tl.load(INV_T + row)
    best = tl.full([1], float("-inf"), tl.float32)
    best_idx = tl.zeros([1], tl.int32)
    run_max = tl.full([1], float("-inf"), tl.float32)
    run_sum = tl.zeros([1], tl.float32)
    for start in range(0, V, BLOCK):
        offs = start + tl.arange(0, BLOCK)
        ok = offs < V
        x = tl.load(LOGITS + row * stride_l + offs, mask=ok, other=float("-inf")).to(tl.float32)
        e = tl.load(NOISE + row * stride_n + offs, mask=ok, other=1.0)
        xs = tl.where(ok, x, 0.0)  # no -inf * 0 in the masked tail
        score = tl.where(inv_t > 0, xs * inv_t - tl.log(e), xs)
        score = tl.where(ok, score, float("-inf"))
        block_best = tl.max(score, 0)
        block_idx = tl.argmax(score, 0)
        take = block_best > best
        best_idx = tl.where(take, start + block_idx, best_idx)
        best = tl.where(take, block_best, best)
        new_max = tl.maximum(run_max, tl.max(x, 0))
        run_sum = run_sum * tl.exp(run_max - new_max) + tl.sum(tl.exp(x - new_max), 0)
        run_max = new_max
    chosen = tl.load(LOGITS + row * stride_l + best_idx).to(tl.float32)
    tl.store(TOKENS + row + tl.arange(0, 1), best_idx.to(tl.int64))
    tl.store(LOGPROBS + row + tl.arange(0, 1), chosen - run_max - tl.log(run_sum))


def sample(
    logits: torch.Tensor, inv_temperature: torch.Tensor, noise: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """logits [N, V], inv_temperature [N] (0 = greedy), noise [N, V] ~ Exp(1), float32.

    Returns (tokens int64 [N], logprobs float32 [N]).
    """
    import torch

    n, vocab = logits.shape
    if logits.stride(1) != 1 or noise.stride(1) != 1:
        raise ValueError("logits and noise need contiguous rows")
    tokens = torch.empty(n, dtype=torch.int64, device=logits.device)
    logprobs = torch.empty(n, dtype=torch.float32, device=logits.device)
    _sample_kernel[(n,)](
        logits, noise, inv_temperature, tokens, logprobs,
        vocab, logits.stride(0), noise.stride(0),
        BLOCK=SAMPLE_BLOCK,
    )  # fmt: skip
    return tokens, logprobs
