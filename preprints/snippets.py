"""Snippets: short HTML-escaped passages with the matched words in ``<mark>``."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

START, STOP = "\x02", "\x03"  # markers the databases put around matches
ELLIPSIS = "…"


def query_terms(query: str) -> list[str]:
    """The words of a query, lower-cased, in order, without repeats (at most 32)."""
    seen: dict[str, None] = {}
    for word in re.findall(r"\w+", query.lower()):
        seen.setdefault(word, None)
    return list(seen)[:32]


def marked_to_html(text: str) -> str:
    """Escape a database snippet and turn its match markers into ``<mark>`` tags."""
    out, open_mark = [], False
    for piece in re.split(f"([{START}{STOP}])", text):
        if piece == START and not open_mark:
            out.append("<mark>")
            open_mark = True
        elif piece == STOP and open_mark:
            out.append("</mark>")
            open_mark = False
        elif piece not in (START, STOP):
            out.append(html.escape(piece))
    if open_mark:
        out.append("</mark>")
    return "".join(out)


def highlighter(query: str, width: int = 240) -> Callable[[str], str]:
    """A function giving a window of a text around the first query word, escaped, words marked."""
    terms = [t for t in query_terms(query) if len(t) > 2]
    pattern = re.compile("|".join(rf"\b{re.escape(t)}\w*" for t in terms), re.I) if terms else None

    def highlight(text: str) -> str:
        found = pattern.search(text) if pattern else None
        start = max(0, found.start() - width // 4) if found else 0
        window = text[start : start + width]
        if start > 0:
            window = ELLIPSIS + window.split(" ", 1)[-1]
        if start + width < len(text):
            window = window.rsplit(" ", 1)[0] + ELLIPSIS
        if pattern is None:
            return html.escape(window)
        return marked_to_html(pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", window))

    return highlight


def highlight(text: str, query: str, width: int = 240) -> str:
    """One text highlighted for ``query`` (see :func:`highlighter`)."""
    return highlighter(query, width)(text)
