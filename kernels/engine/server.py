"""An OpenAI-compatible HTTP endpoint for a local model: ``POST /v1/chat/completions``.

It calls the same backend as the gateway's ``local/`` provider, so a seeded request gets the same
texts over HTTP as through ``Gateway.complete``. Sandboxes and outside clients (the ``openai``
SDK, litellm's ``openai/`` or ``hosted_vllm/`` with ``api_base``) can use it.
"""

from __future__ import annotations

import time
import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

from kernels.engine.kv_cache import EngineMemoryError


class ChatMessage(BaseModel):
    role: str
    content: str


class ChatRequest(BaseModel):
    model: str
    messages: list[ChatMessage] = Field(min_length=1)
    n: int = Field(1, ge=1)
    temperature: float = Field(1.0, ge=0)
    top_p: float = Field(1.0, gt=0, le=1)
    top_k: int = Field(0, ge=0)
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    stop: str | list[str] | None = None
    seed: int | None = None


class Choice(BaseModel):
    index: int
    message: ChatMessage
    finish_reason: Literal["stop", "length"]


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatResponse(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage


DEFAULT_MAX_TOKENS = 256


def create_app(backend: Any, model: str) -> Any:
    """A FastAPI app serving ``backend`` (an ``EngineBackend``) under the name ``model``."""
    from fastapi import FastAPI, HTTPException

    app = FastAPI(title="rxlab local model", version="1")
    names = {model, f"local/{model}"}

    @app.get("/v1/models")
    def list_models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": model, "object": "model", "owned_by": "rxlab"}]}

    @app.post("/v1/chat/completions")
    def chat_completions(request: ChatRequest) -> ChatResponse:
        if request.model not in names:
            raise HTTPException(404, f"model {request.model!r} is not served here; use {model!r}")
        stop = [request.stop] if isinstance(request.stop, str) else request.stop
        max_tokens = request.max_completion_tokens or request.max_tokens or DEFAULT_MAX_TOKENS
        try:
            gen = backend.generate(
                [m.model_dump() for m in request.messages],
                n=request.n,
                temperature=request.temperature,
                top_p=request.top_p,
                max_tokens=max_tokens,
                stop=stop,
                seed=request.seed,
                top_k=request.top_k,
            )
        except EngineMemoryError as exc:
            raise HTTPException(413, str(exc)) from None
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        reasons = gen.finish_reasons or ["stop"] * len(gen.texts)
        return ChatResponse(
            id=f"chatcmpl-{uuid.uuid4().hex}",
            created=int(time.time()),
            model=model,
            choices=[
                Choice(index=i, message=ChatMessage(role="assistant", content=t), finish_reason=r)
                for i, (t, r) in enumerate(zip(gen.texts, reasons, strict=True))
            ],
            usage=Usage(
                prompt_tokens=gen.prompt_tokens,
                completion_tokens=gen.completion_tokens,
                total_tokens=gen.prompt_tokens + gen.completion_tokens,
            ),
        )

    return app
