"""The engine behind the gateway's ``local/`` provider, the CLI and the OpenAI-compatible server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kernels import CompletionRequest, Gateway
from kernels.local_model import EngineBackend
from kernels.providers.local import local_backend

MODEL = "smollm2-135m"


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    """``rxlab serve-model``'s app on a free loopback port, with the gateway's own backend."""
    import uvicorn

    from kernels.engine.server import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(local_backend(MODEL), MODEL)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _post(url: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{url}/v1/chat/completions", json=body, timeout=120)


async def test_http_answer_equals_the_gateways(server_url: str, tmp_path: Path) -> None:
    messages = [{"role": "user", "content": "Name three colours."}]
    request = CompletionRequest(
        model=f"local/{MODEL}", messages=messages, n=2, temperature=0.8, max_tokens=12, seed=7
    )
    gateway = Gateway(tmp_path, cache=False)
    via_gateway = await gateway.complete(request)
    assert isinstance(local_backend(MODEL), EngineBackend)
    body = {
        "model": MODEL,
        "messages": messages,
        "n": 2,
        "temperature": 0.8,
        "max_tokens": 12,
        "seed": 7,
    }
    response = _post(server_url, body)
    assert response.status_code == 200, response.text
    data = response.json()
    assert [c["message"]["content"] for c in data["choices"]] == via_gateway.texts
    assert data["usage"]["prompt_tokens"] == via_gateway.prompt_tokens
    assert data["usage"]["completion_tokens"] == via_gateway.completion_tokens
    assert data["object"] == "chat.completion"
    assert {c["finish_reason"] for c in data["choices"]} <= {"stop", "length"}


def test_http_errors_name_the_problem(server_url: str) -> None:
    messages = [{"role": "user", "content": "hi"}]
    unknown = _post(server_url, {"model": "gpt-9", "messages": messages})
    assert unknown.status_code == 404 and MODEL in unknown.json()["detail"]
    huge = _post(
        server_url, {"model": MODEL, "messages": messages, "n": 200000, "max_tokens": 8000}
    )
    assert huge.status_code == 413 and "200000 samples" in huge.json()["detail"]
    bad = _post(server_url, {"model": MODEL, "messages": messages, "top_p": 0})
    assert bad.status_code == 422
    models = httpx.get(f"{server_url}/v1/models", timeout=10).json()
    assert [m["id"] for m in models["data"]] == [MODEL]


def test_rxlab_chat_samples_32_through_the_engine() -> None:
    from typer.testing import CliRunner

    from rxlab.cli import app

    result = CliRunner().invoke(
        app, ["chat", f"local/{MODEL}", "Say hello.", "-n", "32", "--max-tokens", "4",
              "--seed", "1", "--no-cache"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "sample 32/32" in result.output
    assert isinstance(local_backend(MODEL), EngineBackend)
