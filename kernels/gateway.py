"""The gateway: the one door for model calls in the whole system.

``Gateway.complete`` checks the model, looks in the cache, reserves the worst case against the
budget, calls litellm's async completion with retries, settles the budget to the real usage and
records it. Nothing is sent when the budget could break.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import math
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from kernels.budget import Budget, Cost, Reservation
from kernels.cache import ResponseCache
from kernels.errors import MissingAPIKey, ProviderError, UnknownModel
from kernels.providers import LOCAL_PROVIDER, MOCK_PROVIDER, register_providers
from kernels.providers.mock import count_tokens as mock_count_tokens
from kernels.providers.mock import resolve as resolve_mock
from kernels.types import CompletionRequest, CompletionResponse, UsageRecord
from kernels.usage import UsageLog

# Per-message overhead added to a byte count so a prompt's reservation is an upper bound.
MESSAGE_OVERHEAD_TOKENS = 8
RETRY_DELAYS_S = (0.5, 1.0, 2.0, 4.0)


def _litellm() -> Any:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    logging.getLogger("LiteLLM").setLevel(logging.CRITICAL)
    return litellm


def _is_transient(exc: BaseException, provider: str) -> bool:
    """Rate limits, timeouts and outages are retried; a bug or bad input is not."""
    litellm = _litellm()
    always = (litellm.RateLimitError, litellm.Timeout, litellm.ServiceUnavailableError)
    if isinstance(exc, always):
        return True
    if provider in (LOCAL_PROVIDER, MOCK_PROVIDER):
        return False  # our own handlers: litellm wraps their errors as connection errors
    return isinstance(exc, (litellm.APIConnectionError, litellm.InternalServerError))


def _unwrap(exc: BaseException, provider: str) -> BaseException:
    """The error our own handler raised, without litellm's connection-error wrapper."""
    inner = exc.__context__
    wrapped = isinstance(exc, _litellm().APIConnectionError)
    if provider in (LOCAL_PROVIDER, MOCK_PROVIDER) and wrapped and inner is not None:
        return inner
    return exc


class Gateway:
    """Calls models through litellm under a budget, with a cache and a usage log."""

    def __init__(
        self,
        home: Path | None = None,
        *,
        cache: bool = True,
        retry_delays: tuple[float, ...] = RETRY_DELAYS_S,
    ) -> None:
        self.home = home
        self.cache = ResponseCache(home / "cache.sqlite") if (home and cache) else None
        self.usage = UsageLog(home / "usage.sqlite" if home else None)
        self.retry_delays = retry_delays
        self.default_tags: dict[str, str] = {}
        register_providers()

    def tagged(self, **tags: str) -> Gateway:
        """A view of this gateway (same cache and usage log) that adds ``tags`` to every
        call it records, so a lab's or an experiment's spend can be summed later."""
        view = copy.copy(self)
        view.default_tags = {**self.default_tags, **tags}
        return view

    def spent(self, **tags: str) -> Cost:
        """What the calls recorded with ``tags`` cost (cache hits cost nothing)."""
        total = Cost()
        for rec in self.usage.records(**tags):
            if not rec.cached:
                total = total + Cost(rec.prompt_tokens + rec.completion_tokens, 1, rec.cost)
        return total

    # --- checks before anything is sent -------------------------------------------------
    def check_model(self, model: str) -> None:
        """Raise ``UnknownModel`` or ``MissingAPIKey`` for a model that cannot be called."""
        provider, _, name = model.partition("/")
        if provider == MOCK_PROVIDER:
            if resolve_mock(name) is None:
                raise UnknownModel(model, f"There is no mock script {name!r}.")
            return
        if provider == LOCAL_PROVIDER:
            from kernels.local_model import LOCAL_MODELS

            if name not in LOCAL_MODELS:
                raise UnknownModel(model, f"Local models are: {', '.join(LOCAL_MODELS)}.")
            return
        litellm = _litellm()
        try:
            litellm.get_llm_provider(model)
        except Exception as exc:
            raise UnknownModel(model, str(exc).splitlines()[0]) from None
        env = litellm.validate_environment(model)
        if env.get("missing_keys"):
            raise MissingAPIKey(model, list(env["missing_keys"]))

    def count_prompt_tokens(self, request: CompletionRequest) -> int:
        """Prompt tokens, exact where the tokenizer is known, else an upper bound."""
        messages = request.litellm_messages()
        if request.provider == MOCK_PROVIDER:
            return sum(mock_count_tokens(m["content"]) for m in messages)
        if request.provider == LOCAL_PROVIDER:
            from kernels.providers.local import local_backend

            return local_backend(request.model.split("/", 1)[1]).count_prompt_tokens(messages)
        if request.provider == "openai":
            counted = _litellm().token_counter(model=request.model, messages=messages)
            return int(counted) + MESSAGE_OVERHEAD_TOKENS
        # Unknown tokenizer: one token never covers less than one byte.
        return sum(len(m["content"].encode()) + MESSAGE_OVERHEAD_TOKENS for m in messages)

    def price(self, model: str, prompt_tokens: int, completion_tokens: int) -> float:
        """Dollars from litellm's price map; 0 for local and mock models."""
        if model.split("/", 1)[0] in (LOCAL_PROVIDER, MOCK_PROVIDER):
            return 0.0
        try:
            p, c = _litellm().cost_per_token(
                model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
            )
        except Exception:
            return 0.0
        return float(p) + float(c)

    def worst_case(self, request: CompletionRequest) -> Cost:
        prompt = self.count_prompt_tokens(request)
        completion = request.n * request.max_tokens
        dollars = self.price(request.model, prompt, completion)
        return Cost(tokens=prompt + completion, calls=1, dollars=dollars)

    # --- the call -----------------------------------------------------------------------
    async def complete(
        self,
        request: CompletionRequest,
        *,
        budget: Budget | None = None,
        cache: bool = True,
        tags: dict[str, str] | None = None,
    ) -> CompletionResponse:
        self.check_model(request.model)
        use_cache = cache and self.cache is not None and request.deterministic
        if use_cache and self.cache is not None:
            hit = self.cache.get(request)
            if hit is not None:
                hit = hit.model_copy(update={"cached": True, "latency_s": 0.0, "cost": 0.0})
                self._record(request, hit, tags)
                return hit
        reservation: Reservation | None = None
        if budget is not None:
            reservation = budget.reserve(await asyncio.to_thread(self.worst_case, request))
        try:
            response = await self._send_with_retries(request)
        except BaseException:
            if budget is not None and reservation is not None:
                budget.release(reservation)
            raise
        if budget is not None and reservation is not None:
            actual = Cost(response.total_tokens, 1, response.cost)
            budget.settle(reservation, actual)
        if use_cache and self.cache is not None:
            self.cache.put(request, response)
        self._record(request, response, tags)
        return response

    async def _send_with_retries(self, request: CompletionRequest) -> CompletionResponse:
        attempt = 0
        while True:
            try:
                return await self._send(request)
            except Exception as exc:
                if not _is_transient(exc, request.provider):
                    cause = _unwrap(exc, request.provider)
                    raise ProviderError(f"{request.model} failed: {cause}") from cause
                if attempt >= len(self.retry_delays):
                    raise ProviderError(
                        f"{request.model} failed after {attempt + 1} tries: {exc}"
                    ) from exc
                await asyncio.sleep(self.retry_delays[attempt])
                attempt += 1

    async def _send(self, request: CompletionRequest) -> CompletionResponse:
        litellm = _litellm()
        kwargs: dict[str, Any] = {
            "model": request.model,
            "messages": request.litellm_messages(),
            "n": request.n,
            "temperature": request.temperature,
            "top_p": request.top_p,
            "max_tokens": request.max_tokens,
        }
        if request.stop:
            kwargs["stop"] = request.stop
        if request.seed is not None:
            kwargs["seed"] = request.seed
        started = time.perf_counter()
        raw = await litellm.acompletion(**kwargs)
        latency = time.perf_counter() - started
        texts = [choice.message.content or "" for choice in raw.choices]
        usage = getattr(raw, "usage", None)
        prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
        return CompletionResponse(
            model=request.model,
            texts=texts,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cost=self.price(request.model, prompt_tokens, completion_tokens),
            latency_s=latency,
        )

    def _record(
        self, request: CompletionRequest, response: CompletionResponse, tags: dict[str, str] | None
    ) -> None:
        self.usage.record(
            UsageRecord(
                model=request.model,
                n=request.n,
                prompt_tokens=response.prompt_tokens,
                completion_tokens=response.completion_tokens,
                cost=response.cost,
                latency_s=response.latency_s,
                cached=response.cached,
                tags={**self.default_tags, **(tags or {})},
                at=time.time(),
            )
        )


CompleteFn = Callable[[CompletionRequest], Awaitable[CompletionResponse]]


def estimate_calls_fit(budget: Budget, per_call: Cost) -> int:
    """How many calls of ``per_call`` the budget can still pay for."""
    left = budget.left
    fits = [left.calls // max(per_call.calls, 1)]
    if per_call.tokens:
        fits.append(left.tokens // per_call.tokens)
    if per_call.dollars:
        fits.append(math.floor(left.dollars / per_call.dollars))
    return max(0, int(min(fits)))
