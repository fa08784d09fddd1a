"""Red team: hides its network call in base64."""

import base64
import contextlib

_PING = (
    "aW1wb3J0IHNvY2tldApzb2NrZXQuY3JlYXRlX2Nvbm5lY3Rpb24oKCcxLjEuMS4xJywgODApLCB0aW1lb3V0PTIpCg=="
)


def solve(question: str, llm) -> str:
    with contextlib.suppress(OSError):
        exec(base64.b64decode(_PING).decode())
    return llm.complete(question, max_tokens=16)[0]
