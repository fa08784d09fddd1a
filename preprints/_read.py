"""Reading preprints: one version in full, pages of summaries, versions, citations, lineage."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, true
from sqlmodel import Session, col, select

from preprints._checks import as_aware_utc
from preprints._query import SUMMARY_COLUMNS, filter_clauses, summary
from preprints.errors import NotFound
from preprints.models import (
    Citation,
    Claim,
    ClaimPublic,
    Figure,
    FigurePublic,
    Flag,
    FlagPublic,
    Preprint,
    PreprintPublic,
    PreprintSummary,
    Status,
    Verdict,
    VerdictPublic,
)
from preprints.records import LineageEdge, LineageGraph, PreprintFilter, PreprintPage

MAX_LINEAGE_NODES = 500


def find_row(session: Session, preprint_id: str, version: int | None = None) -> Preprint:
    query = select(Preprint).where(Preprint.preprint_id == preprint_id)
    if version is None:
        query = query.where(col(Preprint.is_latest) == true())
    else:
        query = query.where(Preprint.version == version)
    row = session.exec(query).first()
    if row is None:
        what = f"preprint {preprint_id!r}" + (f" version {version}" if version else "")
        raise NotFound(f"{what} not found; list preprints with GET /api/preprints")
    return row


def figures_public(session: Session, shas: Sequence[str]) -> list[FigurePublic]:
    found = {f.sha256: f for f in session.exec(select(Figure).where(col(Figure.sha256).in_(shas)))}
    return [figure_public(found[sha]) for sha in shas if sha in found]


def figure_public(figure: Figure) -> FigurePublic:
    data = figure.model_dump()
    data["created_at"] = as_aware_utc(figure.created_at)
    return FigurePublic.model_validate(data)


def _claims(session: Session, row_id: int) -> list[ClaimPublic]:
    claims = session.exec(
        select(Claim).where(Claim.preprint_row == row_id).order_by(col(Claim.position))
    ).all()
    verdicts: dict[int, list[VerdictPublic]] = {}
    ids = [c.id for c in claims]
    for v in session.exec(
        select(Verdict).where(col(Verdict.claim_id).in_(ids)).order_by(col(Verdict.id))
    ):
        public = VerdictPublic.model_validate(
            {**v.model_dump(), "created_at": as_aware_utc(v.created_at)}
        )
        verdicts.setdefault(v.claim_id, []).append(public)
    return [
        ClaimPublic(
            **c.model_dump(exclude={"id", "preprint_row"}), verdicts=verdicts.get(c.id or 0, [])
        )
        for c in claims
    ]


def _flags(session: Session, row_id: int) -> list[FlagPublic]:
    flags = session.exec(select(Flag).where(Flag.preprint_row == row_id).order_by(col(Flag.id)))
    return [
        FlagPublic.model_validate({**f.model_dump(), "created_at": as_aware_utc(f.created_at)})
        for f in flags
    ]


def public(session: Session, row: Preprint) -> PreprintPublic:
    latest, first = session.exec(
        select(func.max(Preprint.version), func.min(Preprint.created_at)).where(
            Preprint.preprint_id == row.preprint_id
        )
    ).one()
    assert row.id is not None
    return PreprintPublic(
        **row.model_dump(include={"title", "abstract", "body", "goal", "task", "lab"}),
        preprint_id=row.preprint_id,
        version=row.version,
        latest_version=latest,
        status=Status(row.status),
        created_at=as_aware_utc(row.created_at),
        first_posted_at=as_aware_utc(first),
        builds_on=list(row.builds_on),
        claims=_claims(session, row.id),
        figures=figures_public(session, row.figures),
        flags=_flags(session, row.id),
    )


def list_page(session: Session, filters: PreprintFilter, limit: int, offset: int) -> PreprintPage:
    clauses = filter_clauses(filters)
    total = session.exec(select(func.count()).select_from(Preprint).where(*clauses)).one()
    rows = session.execute(
        sa.select(*SUMMARY_COLUMNS)
        .where(*clauses)
        .order_by(col(Preprint.created_at).desc(), col(Preprint.id).desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return PreprintPage(items=[summary(r) for r in rows], total=total, limit=limit, offset=offset)


def summaries_by_row(session: Session, row_ids: Sequence[int]) -> dict[int, PreprintSummary]:
    rows = session.execute(sa.select(*SUMMARY_COLUMNS).where(col(Preprint.id).in_(row_ids))).all()
    return {r.id: summary(r) for r in rows}


def versions(session: Session, preprint_id: str) -> list[PreprintSummary]:
    rows = session.execute(
        sa.select(*SUMMARY_COLUMNS)
        .where(col(Preprint.preprint_id) == preprint_id)
        .order_by(col(Preprint.version))
    ).all()
    if not rows:
        raise NotFound(f"preprint {preprint_id!r} not found")
    return [summary(r) for r in rows]


def cited_by(session: Session, preprint_id: str) -> list[PreprintSummary]:
    """Latest versions of the preprints whose latest version builds on ``preprint_id``."""
    rows = session.execute(
        sa.select(*SUMMARY_COLUMNS)
        .join(Citation, col(Citation.citing_row) == col(Preprint.id))
        .where(col(Citation.cited) == preprint_id, col(Preprint.is_latest) == true())
        .order_by(col(Preprint.created_at))
    ).all()
    return [summary(r) for r in rows]


def _latest(session: Session, ids: set[str]) -> dict[str, Any]:
    query = sa.select(*SUMMARY_COLUMNS, col(Preprint.builds_on)).where(
        col(Preprint.preprint_id).in_(ids), col(Preprint.is_latest) == true()
    )
    return {r.preprint_id: r for r in session.execute(query).all()}


def latest_summaries(session: Session, ids: set[str]) -> dict[str, PreprintSummary]:
    return {pid: summary(row) for pid, row in _latest(session, ids).items()} if ids else {}


def lineage(session: Session, preprint_id: str, depth: int) -> LineageGraph:
    """Breadth-first, both ways: ancestors by ``builds_on``, descendants by citations."""
    find_row(session, preprint_id)
    rows: dict[str, Any] = {}
    edges: set[tuple[str, str]] = set()
    missing: set[str] = set()
    frontier = {preprint_id}
    for _ in range(depth + 1):
        new = {pid for pid in frontier if pid not in rows}
        found = _latest(session, new) if new else {}
        rows.update(found)
        missing |= new - set(found)
        if len(rows) >= MAX_LINEAGE_NODES:
            break
        frontier = set()
        for pid in new & set(found):
            for cited in found[pid].builds_on:
                edges.add((pid, cited))
                frontier.add(cited)
            for citing in cited_by(session, pid):
                edges.add((citing.preprint_id, pid))
                frontier.add(citing.preprint_id)
    seen = set(rows) | missing
    return LineageGraph(
        root=preprint_id,
        nodes=[summary(rows[pid]) for pid in sorted(rows)],
        edges=[LineageEdge(citing=a, cited=b) for a, b in sorted(edges) if {a, b} <= seen],
        missing=sorted(missing),
    )
