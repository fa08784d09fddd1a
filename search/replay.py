"""Sample replay: draw generator samples once, at the largest count a search can ask for.

A trial that wants ``k`` samples of a prompt gets the first ``k`` of the bank's draws for that
(model, prompt, temperature, top_p, max_tokens), so a search pays for each distinct sample once
(the analysis AutoTTS and "Large Language Monkeys" use). Samples are i.i.d., so the first ``k``
of ``K`` are a fair ``k``-sample draw. Greedy requests (temperature 0) are drawn once and
repeated. ``stats`` counts what was asked, what was really sent, and so what was saved.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kernels import Budget, CompletionRequest, CompletionResponse, Cost, Gateway


@dataclass(frozen=True)
class Served:
    """Texts for one request, what they really cost, and what they would cost without replay."""

    texts: list[str]
    spent: Cost
    nominal: Cost
    latency_s: float

    @classmethod
    def from_response(cls, response: CompletionResponse) -> Served:
        nominal = Cost(response.total_tokens, 1, response.cost)
        spent = Cost() if response.cached else nominal
        return cls(list(response.texts), spent, nominal, response.latency_s)


@dataclass
class Entry:
    """Everything drawn so far for one bank key."""

    texts: list[str] = field(default_factory=list)
    completion_tokens: list[int] = field(default_factory=list)
    prompt_tokens: int = 0
    latency_s: float = 0.0  # summed over the draws


@dataclass
class ReplayStats:
    requests: int = 0
    calls_nominal: int = 0
    calls_made: int = 0
    tokens_nominal: int = 0
    tokens_spent: int = 0

    @property
    def calls_saved(self) -> int:
        return self.calls_nominal - self.calls_made

    @property
    def tokens_saved(self) -> int:
        return self.tokens_nominal - self.tokens_spent

    def as_dict(self) -> dict[str, int]:
        return {**asdict(self), "calls_saved": self.calls_saved, "tokens_saved": self.tokens_saved}


def bank_key(request: CompletionRequest) -> str:
    fields = request.model_dump(
        mode="json", include={"model", "messages", "temperature", "top_p", "max_tokens", "stop"}
    )
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def split_tokens(total: int, texts: list[str]) -> list[int]:
    """Share ``total`` completion tokens among ``texts`` by length (sums back to ``total``)."""
    if not texts:
        return []
    weights = [len(t) + 1 for t in texts]
    raw = [total * w / sum(weights) for w in weights]
    shares = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - shares[i], reverse=True)
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    return shares


class SampleBank:
    """Drawn samples by request; persisted in SQLite (optional) so a resumed search keeps them."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.stats = ReplayStats()
        self._entries: dict[str, Entry] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            with sqlite3.connect(path) as db:
                db.execute("CREATE TABLE IF NOT EXISTS bank (key TEXT PRIMARY KEY, body TEXT)")
                for key, body in db.execute("SELECT key, body FROM bank"):
                    self._entries[key] = Entry(**json.loads(body))

    def __len__(self) -> int:
        return sum(len(e.texts) for e in self._entries.values())

    def available(self, request: CompletionRequest) -> int:
        """How many samples of ``request`` the bank can serve without a call."""
        entry = self._entries.get(bank_key(request))
        if entry is None or not entry.texts:
            return 0
        return request.n if request.temperature == 0 else len(entry.texts)

    def draw_size(self, request: CompletionRequest, draw: int) -> int:
        """How many samples a miss on ``request`` would draw in one call (0 on a hit)."""
        have = self.available(request)
        if have >= request.n:
            return 0
        if request.temperature == 0:
            return 1
        return max(draw, request.n) - have

    async def serve(
        self,
        gateway: Gateway,
        request: CompletionRequest,
        *,
        draw: int,
        budget: Budget | None = None,
        tags: dict[str, str] | None = None,
    ) -> Served:
        key = bank_key(request)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            spent, latency = Cost(), 0.0
            count = self.draw_size(request, draw)
            entry = self._entries.setdefault(key, Entry())
            if count:
                have = len(entry.texts)
                seed = None if request.seed is None else request.seed + have
                response = await gateway.complete(
                    request.model_copy(update={"n": count, "seed": seed}), budget=budget, tags=tags
                )
                self._store(key, entry, response)
                spent = Cost() if response.cached else Cost(response.total_tokens, 1, response.cost)
                latency = response.latency_s
            return self._served(gateway, request, entry, spent, latency)

    def _store(self, key: str, entry: Entry, response: CompletionResponse) -> None:
        entry.texts.extend(response.texts)
        entry.completion_tokens.extend(split_tokens(response.completion_tokens, response.texts))
        entry.prompt_tokens = response.prompt_tokens
        entry.latency_s += response.latency_s
        if self.path is not None:
            with sqlite3.connect(self.path) as db:
                db.execute(
                    "INSERT OR REPLACE INTO bank (key, body) VALUES (?, ?)",
                    (key, json.dumps(asdict(entry))),
                )

    def _served(
        self,
        gateway: Gateway,
        request: CompletionRequest,
        entry: Entry,
        spent: Cost,
        latency: float,
    ) -> Served:
        n = request.n
        if request.temperature == 0:
            texts, completion = [entry.texts[0]] * n, entry.completion_tokens[0] * n
        else:
            texts, completion = entry.texts[:n], sum(entry.completion_tokens[:n])
        dollars = gateway.price(request.model, entry.prompt_tokens, completion)
        nominal = Cost(entry.prompt_tokens + completion, 1, dollars)
        per_sample = entry.latency_s / max(len(entry.texts), 1)
        self.stats.requests += 1
        self.stats.calls_nominal += 1
        self.stats.calls_made += spent.calls
        self.stats.tokens_nominal += nominal.tokens
        self.stats.tokens_spent += spent.tokens
        return Served(texts, spent, nominal, latency or per_sample * n)
