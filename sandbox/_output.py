"""A byte buffer that keeps the first ``cap`` bytes of a stream and says when more arrived."""

from __future__ import annotations


class CappedBuffer:
    """Keeps at most ``cap`` bytes; ``feed`` returns True once the stream went past the cap."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._chunks: list[bytes] = []
        self.kept = 0
        self.truncated = False

    def feed(self, chunk: bytes) -> bool:
        room = self.cap - self.kept
        if len(chunk) > room:
            self.truncated = True
            chunk = chunk[: max(room, 0)]
        if chunk:
            self._chunks.append(chunk)
            self.kept += len(chunk)
        return self.truncated

    def data(self) -> bytes:
        return b"".join(self._chunks)

    def text(self) -> str:
        return self.data().decode("utf-8", errors="replace")
