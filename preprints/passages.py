"""Passages for search hits: the stretch of a preprint with the most query words, words marked.

The databases' snippet functions re-run the match for each hit they cut a passage from (about
half a millisecond a hit on SQLite at 10,000 preprints, more than the rest of a search), so
passages are cut here, from the text a search fetches anyway. A word matches a query word when
both have the same light suffix-stripped stem: "voting" marks "vote" and "votes", close to what
the porter stemmer of the full-text index matches.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

from preprints.snippets import ELLIPSIS

SUFFIXES: tuple[str, ...] = (  # longest first
    *("ational", "ations", "ation", "ings", "ing", "ies", "ied", "ers", "er", "es", "ed", "ly"),
    *("s", "e", "y"),
)
MIN_STEM = 3
WIDTH = 240  # characters in a passage
MAX_MATCHES = 64  # matches looked at per text


def stem(word: str) -> str:
    """``word`` lower-cased without its first matching suffix, if at least 3 letters remain."""
    word = word.lower()
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            return word[: -len(suffix)]
    return word


Match = tuple[int, int, str]  # start, end, stem


class Passages:
    """Cuts passages for one query: ``Passages(words)(texts)`` gives escaped HTML."""

    def __init__(self, words: Iterable[str], width: int = WIDTH) -> None:
        self.stems = {stem(word) for word in words if word}
        self.width = width
        prefixes = sorted(self.stems, key=len, reverse=True)
        alternatives = "|".join(re.escape(prefix) for prefix in prefixes)
        self.pattern = re.compile(rf"\b(?:{alternatives})\w*", re.I) if prefixes else None
        self._stem_of: dict[str, str] = {}

    def __call__(self, texts: Sequence[str]) -> str:
        """The passage of the first of ``texts`` with the most distinct query words in reach."""
        best: tuple[int, int] = (0, 0)
        chosen: tuple[str, list[Match]] | None = None
        for text in texts:
            found = self._matches(text)
            window = _best_window(found, self.width * 3 // 4)
            score = (len({m[2] for m in window}), len(window))
            if score > best:
                best, chosen = score, (text, window)
                if score[0] == len(self.stems):
                    break  # every query word is in this passage
        if chosen is None:
            return _render(next((t for t in texts if t), ""), [], self.width)
        return _render(chosen[0], chosen[1], self.width)

    def _matches(self, text: str) -> list[Match]:
        if self.pattern is None or not text:
            return []
        found = []
        for match in self.pattern.finditer(text):
            word = match.group().lower()
            root = self._stem_of.get(word)
            if root is None:
                root = self._stem_of[word] = stem(word)
            if root in self.stems:
                found.append((match.start(), match.end(), root))
                if len(found) == MAX_MATCHES:
                    break
        return found


def _best_window(found: list[Match], reach: int) -> list[Match]:
    """The run of matches within ``reach`` characters of its first with the most distinct words
    (then the most matches; the earliest on ties)."""
    counts: dict[str, int] = {}
    best, best_score, end = (0, 0), (0, 0), 0
    for first, (start, _, root) in enumerate(found):
        while end < len(found) and (end == first or found[end][1] <= start + reach):
            counts[found[end][2]] = counts.get(found[end][2], 0) + 1
            end += 1
        score = (len(counts), end - first)
        if score > best_score:
            best, best_score = (first, end), score
        counts[root] -= 1
        if counts[root] == 0:
            del counts[root]
    return found[best[0] : best[1]]


def _render(text: str, matches: list[Match], width: int) -> str:
    start = max(0, matches[0][0] - width // 4) if matches else 0
    end = min(len(text), start + width)
    if start > 0 and " " in text[start : matches[0][0] if matches else end]:
        start = text.index(" ", start) + 1
    if end < len(text) and " " in text[start:end]:
        cut = text.rindex(" ", start, end)
        end = cut if not matches or cut >= matches[-1][1] else end
    pieces = [ELLIPSIS] if start > 0 else []
    at = start
    for m_start, m_end, _ in matches:
        if m_start < at or m_end > end:
            continue
        pieces += [
            html.escape(text[at:m_start]),
            f"<mark>{html.escape(text[m_start:m_end])}</mark>",
        ]
        at = m_end
    pieces.append(html.escape(text[at:end]))
    if end < len(text):
        pieces.append(ELLIPSIS)
    return "".join(pieces)
