"""``mock/stager``: a scripted model for arith-staged whose answers are a pure function of the
request and the sample's place in it (not of the seed), so a measured claim reproduces exactly
and the replay bank's first k samples are the k a fresh request gets. Its skills behave like a
small model's: the plan is right more often at a low temperature, solve needs the examples of
the right operation, and the check says yes to right answers more often than to wrong ones."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from kernels.providers.mock import last_user
from tests.search.test_staged_fakes import LABELS, shown_label, truth

NAME = "stager"
MODEL = f"mock/{NAME}"


def uniform(*parts: object) -> float:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()
    return int(digest[:12], 16) / 16**12


class Stager:
    """Sample ``j`` of a request is right with the stage's skill, decided by a hash of the
    prompt, the temperature and ``j`` (the mock asks a script ``n`` times in a row per request
    with the same ``params`` object, which is how ``j`` is counted)."""

    def __init__(self, plan_p: float = 0.8, solve_p: float = 0.8) -> None:
        self.plan_p, self.solve_p = plan_p, solve_p
        self._params: dict[str, Any] | None = None
        self._j = 0
        self.calls = 0

    def _index(self, params: dict[str, Any]) -> int:
        self._j = self._j + 1 if params is self._params else 0
        self._params = params
        return self._j

    def __call__(self, messages: list[dict[str, str]], params: dict[str, Any]) -> str:
        self.calls += 1
        t = float(params.get("temperature", 0.7))
        q, system = last_user(messages), messages[0]["content"]
        u = uniform(repr(messages), t, self._index(params))
        if "operation" in system:
            label = truth(q)[1]
            if u < self.plan_p - 0.25 * t:
                return label
            return LABELS[int(u * 1000) % len(LABELS)]
        if "yes or no" in system.lower():
            m = re.search(r"Question: (.*)\nProposed answer: (-?\d+)", q)
            right = bool(m) and truth(m.group(1))[0] == int(m.group(2))  # type: ignore[union-attr]
            return "yes" if u < (0.85 if right else 0.3) else "no"
        answer, label = truth(q)
        p = (self.solve_p if shown_label(messages) == label else 0.2) - 0.1 * abs(t - 0.7)
        return str(answer if u < p else answer + (-2, -1, 1, 2)[int(u * 1000) % 4])
