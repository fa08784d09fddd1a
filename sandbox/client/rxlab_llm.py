"""Model access from inside an rxlab sandbox (pure standard library; copied into the sandbox).

    import rxlab_llm as llm
    texts = llm.complete([{"role": "user", "content": "2+2?"}], n=1, max_tokens=64)

Calls go over a Unix socket to the host, which forwards them to the gateway under this
sandbox's budget and logs each one. There is no network; this socket is the only way out.
"""

from __future__ import annotations

import json
import os
import socket

DEFAULT_SOCKET = "/rxlab/llm.sock"
TIMEOUT_S = 600.0


class LLMError(RuntimeError):
    """The host refused or failed the call; ``error_type`` names the host-side error."""

    def __init__(self, message: str, error_type: str = "") -> None:
        super().__init__(message)
        self.error_type = error_type


class BudgetExceeded(LLMError):
    """The sandbox's model budget cannot cover this call; nothing was sent."""


def _socket_path() -> str:
    return os.environ.get("RXLAB_LLM_SOCKET", DEFAULT_SOCKET)


def call(payload: dict) -> dict:
    """Send one request and return the host's result (a dict); raise ``LLMError`` on refusal."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(TIMEOUT_S)
        try:
            conn.connect(_socket_path())
        except OSError as exc:
            raise LLMError(f"no model socket at {_socket_path()}: {exc}", "NoSocket") from None
        conn.sendall(json.dumps(payload).encode() + b"\n")
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            reply += chunk
    if not reply:
        raise LLMError("the model socket closed without an answer", "NoAnswer")
    answer = json.loads(reply)
    if not answer.get("ok"):
        kind = answer.get("error_type", "")
        error = BudgetExceeded if kind == "BudgetExceeded" else LLMError
        raise error(answer.get("error", "model call failed"), kind)
    return answer["result"]


def complete(messages, n=1, temperature=0.7, max_tokens=256, **params) -> list:
    """Sample ``n`` completions of ``messages`` (a string or a list of role/content dicts)."""
    payload = dict(params, op="complete", messages=messages, n=n)
    payload.update(temperature=temperature, max_tokens=max_tokens)
    return list(call(payload)["texts"])
