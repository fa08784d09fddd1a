"""The usage log: one row per call (model, tokens, cost, latency, cache hit, tags)."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from kernels.types import UsageRecord


class UsageLog:
    """Appends usage records to SQLite so later parts can sum cost per experiment or lab."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._memory: list[UsageRecord] = []
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                db.execute(
                    "CREATE TABLE IF NOT EXISTS usage (id INTEGER PRIMARY KEY, model TEXT, n INT,"
                    " prompt_tokens INT, completion_tokens INT, cost REAL, latency_s REAL,"
                    " cached INT, tags TEXT, at REAL)"
                )

    def _connect(self) -> sqlite3.Connection:
        assert self.path is not None
        return sqlite3.connect(self.path, timeout=30)

    def record(self, rec: UsageRecord) -> None:
        with self._lock:
            if self.path is None:
                self._memory.append(rec)
                return
            with self._connect() as db:
                db.execute(
                    "INSERT INTO usage (model, n, prompt_tokens, completion_tokens, cost,"
                    " latency_s, cached, tags, at) VALUES (?,?,?,?,?,?,?,?,?)",
                    (
                        rec.model,
                        rec.n,
                        rec.prompt_tokens,
                        rec.completion_tokens,
                        rec.cost,
                        rec.latency_s,
                        int(rec.cached),
                        json.dumps(rec.tags, sort_keys=True),
                        rec.at,
                    ),
                )

    def records(self, **tags: str) -> list[UsageRecord]:
        """Every record whose tags include all of ``tags``."""
        with self._lock:
            if self.path is None:
                rows = list(self._memory)
            else:
                with self._connect() as db:
                    raw = db.execute(
                        "SELECT model, n, prompt_tokens, completion_tokens, cost, latency_s,"
                        " cached, tags, at FROM usage ORDER BY id"
                    ).fetchall()
                rows = [
                    UsageRecord(
                        model=r[0],
                        n=r[1],
                        prompt_tokens=r[2],
                        completion_tokens=r[3],
                        cost=r[4],
                        latency_s=r[5],
                        cached=bool(r[6]),
                        tags=json.loads(r[7]),
                        at=r[8],
                    )
                    for r in raw
                ]
        return [r for r in rows if all(r.tags.get(k) == v for k, v in tags.items())]
