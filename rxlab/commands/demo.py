"""`rxlab demo`: the main job that `make run` runs on the embedded defaults."""

from __future__ import annotations

import asyncio

from rich.console import Console

from rxlab.settings import get_settings

console = Console()

DEMO_QUESTION = "Which number is larger, 47 or 74? Answer with the number only."

NEXT_STEPS = """\
Built so far, each runnable on this machine:
  rxlab search --task arith --space arith      Archon-style search on the dev split (optuna)
  rxlab sandbox run DIR -- python3 main.py     untrusted code in a hardened Docker sandbox
  rxlab gate check redteam/honest/plain_prompt re-run claims on held-out data, look for gaming
  rxlab serve                                  the preprint store's pages and REST API
Not built yet (open issues): agent labs that turn a goal into a gated preprint end to end,
and AgentTTS-style budget allocation; `make run` will run a whole goal once labs land."""


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
