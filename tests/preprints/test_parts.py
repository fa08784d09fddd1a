"""Unit tests of the store's small parts: tokens, snippets, fusion, Markdown import, vectors."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from preprints import Invalid, PreprintFilter, from_markdown, tokens
from preprints.fulltext import _terms
from preprints.search import reciprocal_rank_fusion
from preprints.snippets import highlight, marked_to_html
from preprints.vectors import VectorIndex, embed_texts, from_bytes, to_bytes


def test_tokens_parse_and_match() -> None:
    new = tokens.new_token()
    assert tokens.parse(new.token) == (new.token_id, new.token.split("_", 2)[2])
    assert tokens.matches(new.token.split("_", 2)[2], new.salt, new.digest)
    assert not tokens.matches("guess", new.salt, new.digest)
    for bad in ("", "rxl", "rxl__x", "abc_0123456789ab_x", "rxl_XYZ_x", "rxl_0123456789ab_"):
        assert tokens.parse(bad) is None, bad


def test_marked_snippets_are_escaped_and_balanced() -> None:
    assert marked_to_html("a \x02<b>\x03 c") == "a <mark>&lt;b&gt;</mark> c"
    assert marked_to_html("\x02open") == "<mark>open</mark>"
    assert marked_to_html("stray\x03 end") == "stray end"


def test_highlight_windows_around_the_first_match() -> None:
    text = "word " * 100 + "the <target> phrase " + "tail " * 100
    snippet = highlight(text, "target", width=80)
    assert "<mark>target</mark>" in snippet and "&lt;" in snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert highlight("short text", "") == "short text"


def test_rrf_rewards_agreement() -> None:
    fused = dict(reciprocal_rank_fusion([[1, 2, 3], [3, 1, 4]]))
    assert max(fused, key=lambda k: fused[k]) == 1
    assert fused[3] > fused[2] and fused[4] < fused[2]
    assert dict(reciprocal_rank_fusion([[7], [7]]))[7] == pytest.approx(1.0)


def test_query_terms_drop_common_words_unless_nothing_else() -> None:
    assert _terms("Does voting help on GSM8K?") == ("voting", "help", "gsm8k")
    assert _terms("to be or not") == ("not",)
    assert _terms("the of") == ("the", "of")


def test_from_markdown_reads_front_matter_or_heading() -> None:
    data = from_markdown(
        "---\ntitle: T\nclaims:\n  - {metric: acc, value: 0.5, position: 0}\n---\nBody\n"
    )
    assert data.title == "T" and data.claims[0].metric == "acc" and data.body == "Body\n"
    assert from_markdown("# Heading title\n\ntext").title == "Heading title"
    with pytest.raises(Invalid, match="no title"):
        from_markdown("no heading")
    with pytest.raises(Invalid, match="YAML"):
        from_markdown("---\ntitle: [unclosed\n---\nx")
    with pytest.raises(Invalid, match="valid preprint"):
        from_markdown("---\ntitle: T\nclaims: [{metric: acc}]\n---\n")


def test_vectors_round_trip_and_filter() -> None:
    vectors = embed_texts(lambda texts: [[3.0, 4.0], [0.0, 2.0]], ["a", "b"])
    assert np.allclose(vectors, [[0.6, 0.8], [0.0, 1.0]])
    assert np.array_equal(from_bytes(to_bytes(vectors[0])), vectors[0])
    with pytest.raises(ValueError, match="one vector per text"):
        embed_texts(lambda texts: [[1.0]], ["a", "b"])
    now = datetime.now(UTC)
    rows = [
        (1, to_bytes(vectors[0]), "verified", "alpha", "g", "t", now),
        (2, to_bytes(vectors[1]), "submitted", "beta", None, None, now),
        (3, to_bytes(np.ones(3, np.float32)), "submitted", "beta", None, None, now),  # other dims
    ]
    index = VectorIndex.build(rows)
    assert len(index) == 2
    assert [r for r, _ in index.search(np.array([0.0, 1.0]), PreprintFilter(), 5)] == [2, 1]
    assert index.search(np.array([0.0, 1.0]), PreprintFilter(status="verified"), 5)[0][0] == 1
    assert index.search(np.array([0.0, 1.0]), PreprintFilter(lab="nobody"), 5) == []
