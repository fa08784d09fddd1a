"""``$…$`` and ``$$…$$`` for markdown-it: kept as TeX in ``<span class="math">`` / ``<div>``.

No math engine is available offline, so formulas are shown as readable TeX, escaped, and never
parsed as Markdown (so ``a_1 * b_2`` keeps its underscores and stars).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token


def _closing(src: str, delim: str, start: int) -> int:
    end = src.find(delim, start)
    while end != -1 and src[end - 1] == "\\":
        end = src.find(delim, end + 1)
    return end


def math_inline(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if src[pos] != "$":
        return False
    delim = "$$" if src.startswith("$$", pos) else "$"
    start = pos + len(delim)
    if start >= state.posMax or src[start] in " \t\n":
        return False
    end = _closing(src, delim, start)
    if end == -1 or end >= state.posMax or end == start or src[end - 1] in " \t\n":
        return False
    after = end + len(delim)
    if delim == "$" and after < len(src) and src[after].isdigit():
        return False  # "$5 and $6" is money, not math
    if not silent:
        token = state.push("math_inline", "", 0)
        token.content = src[start:end]
        token.markup = delim
    state.pos = after
    return True


def _line(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]


def math_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    first = _line(state, start_line)
    if not first.startswith("$$"):
        return False
    rest = first[2:].rstrip()
    lines, line, closed = [], start_line + 1, False
    if rest.endswith("$$") and len(rest) >= 2:
        lines, closed = [rest[:-2]], True
    else:
        lines = [rest]
        while line < end_line:
            text = _line(state, line).rstrip()
            line += 1
            if text.endswith("$$"):
                lines.append(text[:-2])
                closed = True
                break
            lines.append(text)
    if not closed:
        return False
    if silent:
        return True
    state.line = line
    token = state.push("math_block", "div", 0)
    token.block = True
    token.content = "\n".join(lines).strip()
    token.markup = "$$"
    token.map = [start_line, line]
    return True


def _render_inline(_self: Any, tokens: Sequence[Token], idx: int, _options: Any, _env: Any) -> str:
    return f'<span class="math">${escapeHtml(tokens[idx].content)}$</span>'


def _render_block(_self: Any, tokens: Sequence[Token], idx: int, _options: Any, _env: Any) -> str:
    return f'<div class="math math-display">$$\n{escapeHtml(tokens[idx].content)}\n$$</div>\n'


def math_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("escape", "math_inline", math_inline)
    alt = ["paragraph", "reference", "blockquote", "list"]
    md.block.ruler.before("fence", "math_block", math_block, {"alt": alt})
    md.add_render_rule("math_inline", _render_inline)
    md.add_render_rule("math_block", _render_block)
