"""Sampling parameters and the plain-torch sampler: temperature, top-k, top-p, seeds, logprobs.

The order is transformers': divide by the temperature, keep the top k, then keep the smallest set
of tokens whose probability reaches top_p. A token is drawn by inverting the cumulative
distribution at one uniform number per row from the request's own ``torch.Generator`` (the law of
``torch.multinomial``, which on CPU is several times slower). The Triton sampler on a GPU draws by
the exponential race ``argmax(p / E)``, ``E ~ Exp(1)``: the same law again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

# top-p first looks at this many best tokens; only when they hold less than top_p of the mass
# does it sort the whole vocabulary.
TOP_P_CANDIDATES = 1024


@dataclass(frozen=True)
class SamplingParams:
    """How to sample one request. ``temperature == 0`` is greedy; ``top_k == 0`` keeps all."""

    n: int = 1
    temperature: float = 0.7
    top_p: float = 1.0
    top_k: int = 0
    max_tokens: int = 256
    stop: tuple[str, ...] = field(default_factory=tuple)
    seed: int | None = None
    ignore_eos: bool = False  # keep going past the end-of-turn token (benchmarks)

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"n={self.n}: ask for at least one sample")
        if self.temperature < 0:
            raise ValueError(f"temperature={self.temperature}: expected 0 (greedy) or more")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p={self.top_p}: expected a value in (0, 1]")
        if self.top_k < 0:
            raise ValueError(f"top_k={self.top_k}: expected 0 (off) or a positive count")
        if self.max_tokens < 1:
            raise ValueError(f"max_tokens={self.max_tokens}: expected at least 1")

    @property
    def greedy(self) -> bool:
        return self.temperature == 0

    @property
    def truncates(self) -> bool:
        return self.top_k > 0 or self.top_p < 1


def warp_logits(logits: torch.Tensor, temperature: float, top_k: int, top_p: float) -> torch.Tensor:
    """float32 logits [N, V] -> the log-weights sampling draws from (-inf where cut off)."""
    import torch

    scores = logits / temperature
    vocab = scores.shape[-1]
    if 0 < top_k < vocab:
        kth = torch.topk(scores, top_k, dim=-1).values[:, -1:]
        scores = scores.masked_fill(scores < kth, float("-inf"))
    if top_p < 1:
        scores = _top_p(scores, top_p)
    return scores


def _top_p(scores: torch.Tensor, top_p: float) -> torch.Tensor:
    """Keep the tokens whose higher-ranked mass is below ``top_p`` (at least the best one)."""
    import torch

    probs = torch.softmax(scores, dim=-1)
    k = min(TOP_P_CANDIDATES, scores.shape[-1])
    top, index = torch.topk(probs, k, dim=-1)  # sorted, descending
    if k < scores.shape[-1] and bool((top.sum(-1) < top_p).any()):
        top, index = torch.sort(probs, dim=-1, descending=True)
    before = torch.cumsum(top, dim=-1) - top  # mass of the better-ranked tokens
    keep_sorted = before < top_p
    keep_sorted[:, 0] = True
    keep = torch.zeros_like(scores, dtype=torch.bool).scatter(-1, index, keep_sorted)
    return scores.masked_fill(~keep, float("-inf"))


def sample_tokens(
    logits: torch.Tensor, params: SamplingParams, generator: torch.Generator | None
) -> torch.Tensor:
    """One token per row of float32 logits [N, V] -> long [N]."""
    import torch

    if params.greedy:
        return logits.argmax(dim=-1)
    scores = warp_logits(logits, params.temperature, params.top_k, params.top_p)
    return sample_from_probs(torch.softmax(scores, dim=-1), generator)


def sample_from_probs(probs: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """One index per row of probs [N, V], drawn with P(i) = probs[i] / sum(probs)."""
    import torch

    u = torch.rand((probs.shape[0], 1), generator=generator, device=probs.device)
    return _invert_cdf(probs, u).squeeze(-1)


def _invert_cdf(probs: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """The first index whose cumulative mass exceeds u * total (never one of probability 0)."""
    import torch

    cdf = probs.cumsum(dim=-1)
    index = torch.searchsorted(cdf, u * cdf[..., -1:], right=True)
    past = index >= probs.shape[-1]
    if bool(past.any()):  # u * total rounded up to the total (odds ~1e-7): the likeliest token
        return torch.where(past, probs.argmax(dim=-1, keepdim=True), index)
    return index


def sample_many(
    logits: torch.Tensor, params: SamplingParams, count: int, generator: torch.Generator | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``count`` draws from one row of float32 logits [V] (the prompt's: shared by all samples).

    Returns (tokens [count], logprobs [count]) without materialising ``count`` logits rows.
    """
    import torch

    if params.greedy:
        tokens = logits.argmax().expand(count)
    else:
        probs = torch.softmax(
            warp_logits(logits[None], params.temperature, params.top_k, params.top_p)[0], dim=-1
        )
        u = torch.rand(count, generator=generator, device=logits.device)
        tokens = _invert_cdf(probs, u)
    return tokens, logits[tokens] - torch.logsumexp(logits, dim=-1)


def token_logprobs(logits: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """The model's log-probability (temperature 1, untruncated) of each row's chosen token."""
    import torch

    chosen = logits.gather(-1, tokens.unsqueeze(-1)).squeeze(-1)
    return chosen - torch.logsumexp(logits, dim=-1)


def make_generator(seed: int | None, device: str) -> torch.Generator:
    """A generator for one request: seeded when asked, from the OS's randomness otherwise."""
    import secrets

    import torch

    generator = torch.Generator(device=device)
    generator.manual_seed(seed if seed is not None else secrets.randbits(63))
    return generator


def sample(
    logits: torch.Tensor,
    params: SamplingParams,
    generator: torch.Generator | None,
    use_triton: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Tokens [N] and their logprobs [N] for float32 logits [N, V].

    ``use_triton`` (CUDA only) runs the one-pass Triton sampler when no top-k/top-p is asked.
    """
    import torch

    if use_triton and not params.truncates:
        from kernels.engine.cuda.triton_sampling import sample as triton_sample

        rows = logits.shape[0]
        inv_t = 0.0 if params.greedy else 1.0 / params.temperature
        inv = torch.full((rows,), inv_t, device=logits.device)
        noise = torch.empty_like(logits)
        if params.greedy:
            noise.fill_(1.0)
        else:
            noise.exponential_(generator=generator)
        return triton_sample(logits.contiguous(), inv, noise)
    tokens = sample_tokens(logits, params, generator)
    return tokens, token_logprobs(logits, tokens)
