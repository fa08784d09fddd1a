"""The model handler a gate sandbox gets: its socket requests go through the gateway.

The bundle names one model; whatever the code inside asks for, that model is called, under the
bundle's budget, and every call is tagged with the sandbox so the monitor can read it. A request
without a seed gets one derived from the run's seed, the request and how often it was asked
before, so the gate's seed fixes what a seeded model samples and a new seed is a new draw.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from kernels import Budget, CompletionRequest, Gateway
from sandbox import ModelHandler

ALLOWED_PARAMS = ("n", "temperature", "top_p", "max_tokens", "stop", "seed")


def request_seed(seed: int, request: CompletionRequest, occurrence: int) -> int:
    """A seed for the ``occurrence``-th identical ``request`` of a run seeded with ``seed``."""
    blob = json.dumps([seed, occurrence, request.model_dump(mode="json")], sort_keys=True)
    return int(hashlib.sha256(blob.encode()).hexdigest()[:8], 16)


def gateway_handler(
    gateway: Gateway,
    model: str,
    budget: Budget,
    tags: dict[str, str] | None = None,
    *,
    seed: int | None = None,
) -> ModelHandler:
    """A ``ModelHandler`` that answers ``{"op": "complete", ...}`` through ``gateway``."""
    asked: dict[str, int] = {}

    async def handle(payload: dict[str, Any]) -> dict[str, Any]:
        op = payload.get("op", "complete")
        if op != "complete":
            raise ValueError(f"unknown operation {op!r}; the model socket only does 'complete'")
        params = {k: payload[k] for k in ALLOWED_PARAMS if payload.get(k) is not None}
        request = CompletionRequest(model=model, messages=payload.get("messages", ""), **params)
        if seed is not None and request.seed is None:
            key = request.cache_key()
            asked[key] = asked.get(key, -1) + 1
            request = request.model_copy(update={"seed": request_seed(seed, request, asked[key])})
        call_tags = {**(tags or {}), "sandbox": str(payload.get("sandbox_id", ""))}
        response = await gateway.complete(request, budget=budget, tags=call_tags)
        return {
            "texts": response.texts,
            "prompt_tokens": response.prompt_tokens,
            "completion_tokens": response.completion_tokens,
        }

    return handle
