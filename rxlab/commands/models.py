"""`rxlab models` and `rxlab chat`: the gateway from the command line."""

from __future__ import annotations

import asyncio
import os

import typer
from rich.console import Console
from rich.table import Table

from rxlab.settings import get_settings

console = Console()

HOSTED_EXAMPLES = {
    "openai/gpt-4o-mini": "OPENAI_API_KEY",
    "anthropic/claude-3-5-haiku-latest": "ANTHROPIC_API_KEY",
    "gemini/gemini-1.5-flash": "GEMINI_API_KEY",
}


def models() -> None:
    """List the configured and local models."""
    from kernels.local_model import LOCAL_MODELS, LocalModelMissing, gguf_path
    from kernels.providers.mock import known_scripts

    settings = get_settings()
    table = Table(title="models")
    for col in ("model", "kind", "status"):
        table.add_column(col)
    table.add_row(settings.agent_model, "configured: agents", "")
    table.add_row(settings.task_model, "configured: tasks", "")
    for name in LOCAL_MODELS:
        try:
            status = f"ready ({gguf_path(name).name})"
        except LocalModelMissing as exc:
            status = str(exc)
        table.add_row(f"local/{name}", "local (embedded)", status)
    for model, env in HOSTED_EXAMPLES.items():
        status = "key set" if os.environ.get(env) else f"set {env} to use"
        table.add_row(model, "hosted via litellm", status)
    for script in known_scripts():
        table.add_row(f"mock/{script}", "scripted (tests)", "ready")
    console.print(table)


def chat(
    model: str = typer.Argument(..., help="litellm model string, e.g. local/smollm2-135m"),
    prompt: str = typer.Argument(..., help="the user message"),
    n: int = typer.Option(1, "-n", help="number of samples"),
    temperature: float = typer.Option(0.7, "--temperature", "-t"),
    max_tokens: int = typer.Option(128, "--max-tokens"),
    seed: int | None = typer.Option(None, "--seed"),
    budget_tokens: int | None = typer.Option(None, "--budget-tokens", help="refuse past this"),
    no_cache: bool = typer.Option(False, "--no-cache", help="bypass the response cache"),
) -> None:
    """Make one call through the gateway and print texts, tokens, cost and latency."""
    from kernels import Budget, CompletionRequest, Gateway, GatewayError

    settings = get_settings()
    gateway = Gateway(settings.ensure_home(), cache=settings.cache and not no_cache)
    budget = Budget(max_tokens=budget_tokens) if budget_tokens is not None else None
    try:
        request = CompletionRequest(
            model=model,
            messages=prompt,
            n=n,
            temperature=temperature,
            max_tokens=max_tokens,
            seed=seed,
        )
        response = asyncio.run(gateway.complete(request, budget=budget, cache=not no_cache))
    except (GatewayError, ValueError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    for i, text in enumerate(response.texts, 1):
        console.rule(f"sample {i}/{len(response.texts)}")
        console.print(text, markup=False, highlight=False)
    console.rule()
    console.print(
        f"prompt tokens: {response.prompt_tokens}  completion tokens: "
        f"{response.completion_tokens}  cost: ${response.cost:.6f}  "
        f"latency: {response.latency_s:.2f}s  cached: {response.cached}"
    )
