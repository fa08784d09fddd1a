"""Errors a person sees from the gateway; each names the bad value and what to do."""

from __future__ import annotations


class GatewayError(RuntimeError):
    """Base class of every gateway error."""


class UnknownModel(GatewayError):
    def __init__(self, model: str, detail: str = "") -> None:
        self.model = model
        hint = (
            "Use a litellm model string such as 'openai/gpt-4o-mini', the embedded "
            "'local/smollm2-135m', or 'mock/<script>' for tests; `rxlab models` lists them."
        )
        super().__init__(f"unknown model {model!r}. {detail}{' ' if detail else ''}{hint}")


class MissingAPIKey(GatewayError):
    def __init__(self, model: str, env_vars: list[str]) -> None:
        self.model = model
        self.env_vars = env_vars
        names = ", ".join(env_vars)
        super().__init__(
            f"model {model!r} needs an API key: set the environment variable {names} "
            "(or put it in .env)."
        )


class ProviderError(GatewayError):
    """The provider failed after every retry."""
