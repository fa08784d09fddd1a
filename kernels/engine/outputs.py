"""What the engine returns, and how a sample's tokens become text (end of turn, stop strings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from kernels.engine.sampling import SamplingParams
from kernels.local_model import cut_at_stop

FinishReason = Literal["stop", "length"]


@dataclass
class Request:
    """One prompt (token ids) and how to sample it."""

    prompt_ids: list[int]
    params: SamplingParams = field(default_factory=SamplingParams)


@dataclass
class SampleOutput:
    token_ids: list[int]  # generated tokens, the end-of-turn token included when produced
    text: str  # decoded, special tokens dropped, cut before the first stop string
    logprobs: list[float]  # the model's log-probability of each generated token
    finish_reason: FinishReason


@dataclass
class RequestOutput:
    prompt_tokens: int
    samples: list[SampleOutput]

    @property
    def texts(self) -> list[str]:
        return [s.text for s in self.samples]

    @property
    def completion_tokens(self) -> int:
        return sum(len(s.token_ids) for s in self.samples)


class SampleState:
    """One sample while it is generated: its tokens, logprobs, and whether it has finished."""

    def __init__(self, tokenizer: Any, params: SamplingParams, eos_token_id: int) -> None:
        self.tokenizer, self.params, self.eos = tokenizer, params, eos_token_id
        self.tokens: list[int] = []
        self.logprobs: list[float] = []
        self.finish: FinishReason | None = None
        stops = [s for s in params.stop if s]
        # a stop string spans at most this many tokens (every token decodes to >= 1 byte)
        self._window = max((len(s.encode()) for s in stops), default=0) + 2

    def add(self, token: int, logprob: float) -> None:
        """Record one token and decide whether the sample is done."""
        self.tokens.append(token)
        self.logprobs.append(logprob)
        ended = token == self.eos and not self.params.ignore_eos
        if ended or (self._window > 2 and self._stop_in_tail()):
            self.finish = "stop"
        elif len(self.tokens) >= self.params.max_tokens:
            self.finish = "length"

    def _stop_in_tail(self) -> bool:
        tail = self.tokenizer.decode(self.tokens[-self._window :], skip_special_tokens=True)
        return any(s and s in tail for s in self.params.stop)

    def output(self) -> SampleOutput:
        text = self.tokenizer.decode(self.tokens, skip_special_tokens=True)
        text, _ = cut_at_stop(text, self.params.stop)
        return SampleOutput(list(self.tokens), text, list(self.logprobs), self.finish or "length")
