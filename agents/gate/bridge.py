"""The model handler a gate sandbox gets: its socket requests go through the gateway.

The bundle names one model; whatever the code inside asks for, that model is called, under the
bundle's budget, and every call is tagged with the sandbox so the monitor can read it.
"""

from __future__ import annotations

from typing import Any

from kernels import Budget, CompletionRequest, Gateway
from sandbox import ModelHandler

ALLOWED_PARAMS = ("n", "temperature", "top_p", "max_tokens", "stop", "seed")


def gateway_handler(
    gateway: Gateway, model: str, budget: Budget, tags: dict[str, str] | None = None
) -> ModelHandler:
    """A ``ModelHandler`` that answers ``{"op": "complete", ...}`` through ``gateway``."""

    async def handle(payload: dict[str, Any]) -> dict[str, Any]:
        op = payload.get("op", "complete")
        if op != "complete":
            raise ValueError(f"unknown operation {op!r}; the model socket only does 'complete'")
        params = {k: payload[k] for k in ALLOWED_PARAMS if payload.get(k) is not None}
        request = CompletionRequest(model=model, messages=payload.get("messages", ""), **params)
        call_tags = {**(tags or {}), "sandbox": str(payload.get("sandbox_id", ""))}
        response = await gateway.complete(request, budget=budget, tags=call_tags)
        return {
            "texts": response.texts,
            "prompt_tokens": response.prompt_tokens,
            "completion_tokens": response.completion_tokens,
        }

    return handle
