"""litellm ``CustomLLM`` handlers that turn ``local/...`` and ``mock/...`` into responses."""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

LOCAL_PROVIDER = "local"
MOCK_PROVIDER = "mock"
SAMPLING_PARAMS = ("n", "temperature", "top_p", "max_tokens", "stop", "seed")


def _params(optional_params: dict[str, Any]) -> dict[str, Any]:
    params = {k: optional_params[k] for k in SAMPLING_PARAMS if k in optional_params}
    if isinstance(params.get("stop"), str):
        params["stop"] = [params["stop"]]
    params.setdefault("n", 1)
    params.setdefault("max_tokens", 256)
    return params


def _response(model: str, texts: list[str], prompt_tokens: int, completion_tokens: int) -> Any:
    import litellm

    return litellm.ModelResponse(
        model=model,
        created=int(time.time()),
        choices=[
            {"index": i, "finish_reason": "stop", "message": {"role": "assistant", "content": t}}
            for i, t in enumerate(texts)
        ],
        usage={
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    )


def _make_handlers() -> tuple[Any, Any]:
    from litellm.llms.custom_llm import CustomLLM

    from kernels.providers import local, mock

    class MockHandler(CustomLLM):  # type: ignore[misc]
        async def acompletion(self, *args: Any, **kwargs: Any) -> Any:
            return self.completion(*args, **kwargs)

        def completion(self, *args: Any, **kwargs: Any) -> Any:
            model, messages = kwargs["model"], kwargs["messages"]
            params = _params(kwargs.get("optional_params") or {})
            texts = mock.generate(model, messages, params)
            prompt = sum(mock.count_tokens(m.get("content") or "") for m in messages)
            return _response(
                f"mock/{model}", texts, prompt, sum(mock.count_tokens(t) for t in texts)
            )

    class LocalHandler(CustomLLM):  # type: ignore[misc]
        async def acompletion(self, *args: Any, **kwargs: Any) -> Any:
            return await asyncio.to_thread(self.completion, *args, **kwargs)

        def completion(self, *args: Any, **kwargs: Any) -> Any:
            model, messages = kwargs["model"], kwargs["messages"]
            params = _params(kwargs.get("optional_params") or {})
            gen = local.local_backend(model).generate(messages, **params)
            return _response(f"local/{model}", gen.texts, gen.prompt_tokens, gen.completion_tokens)

    return MockHandler(), LocalHandler()


def register_providers() -> None:
    """Add ``local`` and ``mock`` to litellm's custom providers (once per process)."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    have = {entry["provider"] for entry in litellm.custom_provider_map}
    if {LOCAL_PROVIDER, MOCK_PROVIDER} <= have:
        return
    mock_handler, local_handler = _make_handlers()
    litellm.custom_provider_map = [
        *[
            e
            for e in litellm.custom_provider_map
            if e["provider"] not in (LOCAL_PROVIDER, MOCK_PROVIDER)
        ],
        {"provider": MOCK_PROVIDER, "custom_handler": mock_handler},
        {"provider": LOCAL_PROVIDER, "custom_handler": local_handler},
    ]
    from litellm.utils import custom_llm_setup

    custom_llm_setup()
