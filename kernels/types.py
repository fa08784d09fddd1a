"""The records that cross the gateway: a request, a response, a usage record."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, Field, field_validator


class Message(BaseModel):
    role: str
    content: str


class CompletionRequest(BaseModel):
    """One call: ``n`` samples of one chat prompt from one model."""

    model: str = Field(description="A litellm model string, e.g. 'openai/gpt-4o-mini'.")
    messages: list[Message]
    n: int = Field(default=1, ge=1, le=1024)
    temperature: float = Field(default=0.7, ge=0.0, le=5.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    max_tokens: int = Field(default=256, ge=1, le=65536)
    stop: list[str] | None = None
    seed: int | None = None

    @field_validator("messages", mode="before")
    @classmethod
    def _messages_from_str(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [{"role": "user", "content": value}]
        return value

    @field_validator("model")
    @classmethod
    def _model_has_provider(cls, value: str) -> str:
        if "/" not in value:
            raise ValueError(
                f"model {value!r} has no provider prefix; write it as litellm does, "
                "e.g. 'openai/gpt-4o-mini', 'local/smollm2-135m' or 'mock/echo'"
            )
        return value

    @property
    def provider(self) -> str:
        return self.model.split("/", 1)[0]

    @property
    def deterministic(self) -> bool:
        """Seeded or greedy requests give the same answer twice, so they may be cached."""
        return self.seed is not None or self.temperature == 0.0

    def cache_key(self) -> str:
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    def litellm_messages(self) -> list[dict[str, str]]:
        return [m.model_dump() for m in self.messages]


class CompletionResponse(BaseModel):
    """What came back: the n texts, token counts, cost in dollars and latency."""

    model: str
    texts: list[str]
    prompt_tokens: int
    completion_tokens: int
    cost: float = 0.0
    latency_s: float = 0.0
    cached: bool = False

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class UsageRecord(BaseModel):
    """One call as the usage log keeps it; ``tags`` say whose call it was (lab, experiment...)."""

    model: str
    n: int
    prompt_tokens: int
    completion_tokens: int
    cost: float
    latency_s: float
    cached: bool
    tags: dict[str, str] = Field(default_factory=dict)
    at: float
