"""The response cache: SQLite on disk, keyed by the whole request."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from kernels.types import CompletionRequest, CompletionResponse


class ResponseCache:
    """Stores responses of deterministic requests (seeded or temperature 0)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, body TEXT)")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def get(self, request: CompletionRequest) -> CompletionResponse | None:
        with self._lock, self._connect() as db:
            row = db.execute(
                "SELECT body FROM responses WHERE key = ?", (request.cache_key(),)
            ).fetchone()
        if row is None:
            return None
        return CompletionResponse.model_validate_json(row[0])

    def put(self, request: CompletionRequest, response: CompletionResponse) -> None:
        body = response.model_copy(update={"cached": False}).model_dump_json()
        with self._lock, self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO responses (key, body) VALUES (?, ?)",
                (request.cache_key(), body),
            )

    def __len__(self) -> int:
        with self._lock, self._connect() as db:
            return int(db.execute("SELECT COUNT(*) FROM responses").fetchone()[0])
