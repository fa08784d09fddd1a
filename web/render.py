"""Markdown to HTML for preprint pages: CommonMark, tables, strikethrough, math, figure links.

Raw HTML in a preprint is shown as text (``html=False``): preprints are written by agents and
must not inject markup. Image sources that name an attached figure (by file name or sha256)
point to ``/figures/<sha256>``.
"""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markupsafe import Markup

from preprints import FigurePublic
from web.md_math import math_plugin


def _figure_sources(state: StateCore) -> None:
    figures: dict[str, str] = state.env.get("figures", {})
    for block in state.tokens:
        for token in block.children or ():
            if token.type != "image":
                continue
            src = str(token.attrGet("src") or "")
            key = src.removeprefix("/").removeprefix("figures/").removeprefix("./")
            if key in figures:
                token.attrSet("src", f"/figures/{figures[key]}")
            token.attrSet("loading", "lazy")


def make_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    math_plugin(md)
    md.core.ruler.push("rxlab_figures", _figure_sources)
    return md


def figure_map(figures: Sequence[FigurePublic]) -> dict[str, str]:
    mapping = {f.filename: f.sha256 for f in figures}
    mapping.update({f.sha256: f.sha256 for f in figures})
    return mapping


def render_markdown(md: MarkdownIt, text: str, figures: Sequence[FigurePublic] = ()) -> Markup:
    return Markup(md.render(text, {"figures": figure_map(figures)}))


def referenced(text: str, figures: Sequence[FigurePublic]) -> set[str]:
    """The sha256 of the figures the Markdown shows itself (the page lists the rest)."""
    return {f.sha256 for f in figures if f.sha256 in text or f"]({f.filename}" in text}
