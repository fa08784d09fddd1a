"""`rxlab demo`: the main job that `make run` runs on the embedded defaults."""

from __future__ import annotations

import asyncio

from rich.console import Console

from rxlab.settings import get_settings

console = Console()

DEMO_QUESTION = "Which number is larger, 47 or 74? Answer with the number only."

NEXT_STEPS = """\
What the rest of rxlab will do on this machine (see the open issues):
  1. a lab reviews the preprint store and plans an architecture search on `arith`;
  2. it searches Archon-style architectures on the dev split through this gateway;
  3. untrusted code runs in a hardened Docker sandbox;
  4. the gate re-runs every claim on the held-out test split and the monitor looks for gaming;
  5. the verified preprint is served at a local URL you can open in the browser."""


def demo() -> None:
    """Ask the embedded model a question through the gateway and print what it answered."""
    from kernels import CompletionRequest, Gateway

    settings = get_settings()
    gateway = Gateway(settings.ensure_home(), cache=False)
    request = CompletionRequest(
        model=settings.task_model, messages=DEMO_QUESTION, n=4, temperature=0.7, max_tokens=24
    )
    console.print(f"[bold]{request.model}[/bold] <- {DEMO_QUESTION}")
    response = asyncio.run(gateway.complete(request))
    for i, text in enumerate(response.texts, 1):
        console.print(f"  sample {i}: {text!r}")
    console.print(
        f"prompt tokens: {response.prompt_tokens}, completion tokens: "
        f"{response.completion_tokens}, cost: ${response.cost:.4f}, "
        f"latency: {response.latency_s:.1f}s"
    )
    console.print(NEXT_STEPS)
