"""Markdown rendering: math kept as TeX, tables, figures by name, no raw HTML."""

from __future__ import annotations

from datetime import UTC, datetime

from preprints import FigurePublic
from web.render import make_markdown, referenced, render_markdown

FIG = FigurePublic(
    filename="plot.png",
    media_type="image/png",
    sha256="a" * 64,
    size=10,
    lab="alpha",
    created_at=datetime.now(UTC),
)


def test_math_spans_keep_tex_and_skip_money() -> None:
    html = render_markdown(make_markdown(), "costs $5 and $6; math $a_1 * b_2 < c$ here")
    assert html.count('class="math"') == 1
    assert "$a_1 * b_2 &lt; c$" in html and "costs $5 and $6" in html


def test_display_math_block() -> None:
    html = render_markdown(make_markdown(), "$$\nx^2 + y^2\n$$\n\nafter")
    assert '<div class="math math-display">$$\nx^2 + y^2\n$$</div>' in html
    assert "<p>after</p>" in html


def test_unclosed_dollar_is_text() -> None:
    assert "math" not in render_markdown(make_markdown(), "just $ one dollar")


def test_figures_by_name_or_sha_and_remote_left_alone() -> None:
    text = f"![a](plot.png) ![b](figures/{'a' * 64}) ![c](https://example.org/x.png)"
    html = render_markdown(make_markdown(), text, [FIG])
    assert html.count(f'src="/figures/{"a" * 64}"') == 2
    assert 'src="https://example.org/x.png"' in html
    assert referenced(text, [FIG]) == {"a" * 64}
    assert referenced("no images", [FIG]) == set()


def test_raw_html_and_javascript_links_are_neutralised() -> None:
    html = render_markdown(make_markdown(), "<img src=x onerror=alert(1)> [x](javascript:alert(1))")
    assert "&lt;img src=x" in html and "<img" not in html.replace("&lt;img", "")
    assert "href=" not in html  # markdown-it refuses javascript: links
