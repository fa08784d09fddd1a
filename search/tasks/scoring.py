"""Answer extraction and comparison shared by the answer tasks (exact and numeric)."""

from __future__ import annotations

import math
import re
import string

NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
ANSWER_CUE = re.compile(r"(?:answer(?: is)?|=|is)\s*:?\s*(-?\d[\d,]*(?:\.\d+)?)", re.IGNORECASE)


def _clean_number(raw: str) -> str:
    raw = raw.replace(",", "")
    value = float(raw)
    if math.isfinite(value) and value == int(value):
        return str(int(value))
    return repr(value)


def extract_number(text: str) -> str | None:
    """The number a response answers with: after 'answer is' or '=' if present, else the first."""
    cue = ANSWER_CUE.search(text)
    if cue:
        return _clean_number(cue.group(1))
    found = NUMBER.search(text)
    return _clean_number(found.group(0)) if found else None


def numeric_equal(answer: str | None, reference: str, rel_tol: float = 1e-6) -> bool:
    if answer is None:
        return False
    try:
        return math.isclose(float(answer), float(reference), rel_tol=rel_tol, abs_tol=1e-9)
    except ValueError:
        return False


_PUNCT = str.maketrans("", "", string.punctuation)


def normalize_text(text: str) -> str:
    """Lower case, no punctuation, single spaces, no leading articles (SQuAD-style)."""
    words = text.lower().translate(_PUNCT).split()
    while words and words[0] in ("a", "an", "the"):
        words = words[1:]
    return " ".join(words)


def extract_text(text: str) -> str | None:
    """The first non-empty line, normalised; ``None`` for an empty response."""
    for line in text.strip().splitlines():
        if line.strip():
            return normalize_text(line)
    return None
