"""The preprint store: one object over one database URL (SQLite by default, or PostgreSQL).

Opening a store applies its migrations. Labs post and revise through ``post`` and ``revise``;
only the gate, in-process, moves a preprint's status through ``record_gate_decision``, which no
HTTP route exposes. Embeddings are computed once, at upload, by the injected ``embedder``.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from preprints import _read, _write, figures, labs
from preprints._checks import utcnow
from preprints.engine import make_engine
from preprints.errors import Conflict, Invalid
from preprints.migrate import upgrade
from preprints.models import (
    FigurePublic,
    FlagCreate,
    Lab,
    LabPublic,
    Preprint,
    PreprintCreate,
    PreprintPublic,
    PreprintSummary,
    Status,
    VerdictCreate,
)
from preprints.records import (
    LineageGraph,
    PreprintFilter,
    PreprintPage,
    SearchMode,
    SearchResults,
)
from preprints.search import MIN_SIMILARITY, Searcher
from preprints.vectors import Embedder, embed_texts, to_bytes

MAX_LIMIT = 200


def embedding_text(data: PreprintCreate) -> str:
    return f"{data.title}\n{data.abstract}"


class Store:
    """Preprints, labs and figures in one database; safe to share between threads."""

    def __init__(
        self,
        url: str,
        *,
        embedder: Embedder | None = None,
        max_figure_bytes: int = figures.MAX_FIGURE_BYTES,
        min_similarity: float = MIN_SIMILARITY,
    ) -> None:
        self.url = url
        self.engine = make_engine(url)
        upgrade(self.engine)
        self.max_figure_bytes = max_figure_bytes
        self.searcher = Searcher(self.engine, embedder, min_similarity)

    @classmethod
    def at_home(cls, home: Path, *, embedder: Embedder | None = None) -> Store:
        """The default store: SQLite at ``home/rxlab.db``."""
        return cls(f"sqlite:///{(Path(home) / 'rxlab.db').resolve()}", embedder=embedder)

    @property
    def embedder(self) -> Embedder | None:
        return self.searcher.embedder

    @embedder.setter
    def embedder(self, embedder: Embedder | None) -> None:
        self.searcher.embedder = embedder

    def close(self) -> None:
        self.engine.dispose()

    # --- labs ------------------------------------------------------------------------------
    def create_lab(self, name: str) -> tuple[LabPublic, str]:
        """A new lab and its token; the token is not kept and cannot be shown again."""
        with Session(self.engine) as session:
            lab, token = labs.create_lab(session, name)
            self._commit(session, f"lab {name!r} exists already")
            return labs.lab_public(lab), token

    def rotate_token(self, name: str) -> str:
        with Session(self.engine) as session:
            token = labs.rotate_token(session, name)
            session.commit()
            return token

    def authenticate(self, token: str) -> LabPublic | None:
        """The lab a token belongs to, or ``None``."""
        with Session(self.engine) as session:
            lab = labs.authenticate(session, token)
            return labs.lab_public(lab) if lab else None

    def list_labs(self) -> builtins.list[LabPublic]:
        with Session(self.engine) as session:
            return [labs.lab_public(lab) for lab in session.exec(select(Lab).order_by(Lab.name))]

    # --- writes ----------------------------------------------------------------------------
    def post(self, lab: str, data: PreprintCreate) -> PreprintPublic:
        """Post a new preprint (version 1) as ``lab``."""
        return self.post_many(lab, [data])[0]

    def post_many(self, lab: str, items: Sequence[PreprintCreate]) -> builtins.list[PreprintPublic]:
        """Post several new preprints in one transaction, embedding them in one batch."""
        vectors = self._embed(items)
        with Session(self.engine) as session:
            self._require_lab(session, lab)
            rows: builtins.list[Preprint] = []
            for data, vector in zip(items, vectors, strict=True):
                _write.check_references(session, data)
                pid = _write.new_preprint_id(session)
                rows.append(
                    _write.insert_version(
                        session, preprint_id=pid, version=1, lab=lab, data=data, embedding=vector
                    )
                )
            self._commit(session, "a preprint id collided with another write; post again")
            return [_read.public(session, row) for row in rows]

    def revise(self, lab: str, preprint_id: str, data: PreprintCreate) -> PreprintPublic:
        """A new version of ``lab``'s own preprint; the old versions stay as they were."""
        vector = self._embed([data])[0]
        with Session(self.engine) as session:
            self._require_lab(session, lab)
            _write.check_references(session, data, own_id=preprint_id)
            old = _write.retire_latest(session, lab, preprint_id)
            row = _write.insert_version(
                session,
                preprint_id=preprint_id,
                version=old.version + 1,
                lab=lab,
                data=data,
                embedding=vector,
            )
            self._commit(session, f"preprint {preprint_id!r} was revised meanwhile; try again")
            return _read.public(session, row)

    def record_gate_decision(
        self,
        preprint_id: str,
        status: Status,
        *,
        version: int | None = None,
        verdicts: Sequence[VerdictCreate] = (),
        flags: Sequence[FlagCreate] = (),
    ) -> PreprintPublic:
        """The gate's decision on a version (default: the latest): status, verdicts, flags.

        This is the only way a status changes. It is a Python call for the in-process gate;
        the REST API has no route to it, so a lab token can never reach it.
        """
        with Session(self.engine) as session:
            row = _write.record_decision(
                session, preprint_id, version, Status(status), verdicts, flags
            )
            self._commit(session, "the decision collided with another write; try again")
            return _read.public(session, row)

    def add_figure(self, lab: str, filename: str, media_type: str, data: bytes) -> FigurePublic:
        with Session(self.engine) as session:
            self._require_lab(session, lab)
            figure = figures.add_figure(
                session, lab, filename, media_type, data, self.max_figure_bytes
            )
            self._commit(session, "the same figure was uploaded meanwhile; upload it again")
            return figure

    def reembed(self, batch_size: int = 256) -> int:
        """Embed the latest versions stored without a vector (posted without an embedder)."""
        done = 0
        while True:
            with Session(self.engine) as session:
                rows = _write.latest_rows_without_embedding(session, batch_size)
                if not rows:
                    return done
                texts = [f"{row.title}\n{row.abstract}" for row in rows]
                now = utcnow()  # a change the searchers of other stores see
                for row, vector in zip(rows, self._vectors(texts), strict=True):
                    row.embedding = to_bytes(vector)
                    row.updated_at = now
                    session.add(row)
                session.commit()
                done += len(rows)
                self.searcher.invalidate()

    # --- reads -----------------------------------------------------------------------------
    def get(self, preprint_id: str, version: int | None = None) -> PreprintPublic:
        """One version in full (default: the latest)."""
        with Session(self.engine) as session:
            return _read.public(session, _read.find_row(session, preprint_id, version))

    def list(
        self, filters: PreprintFilter | None = None, *, limit: int = 50, offset: int = 0
    ) -> PreprintPage:
        """Latest versions, newest first."""
        limit = max(1, min(limit, MAX_LIMIT))
        with Session(self.engine) as session:
            return _read.list_page(session, filters or PreprintFilter(), limit, max(0, offset))

    def versions(self, preprint_id: str) -> builtins.list[PreprintSummary]:
        with Session(self.engine) as session:
            return _read.versions(session, preprint_id)

    def summaries(self, preprint_ids: Sequence[str]) -> dict[str, PreprintSummary]:
        """Latest versions of the given ids that exist, by id."""
        with Session(self.engine) as session:
            return _read.latest_summaries(session, set(preprint_ids))

    def cited_by(self, preprint_id: str) -> builtins.list[PreprintSummary]:
        with Session(self.engine) as session:
            return _read.cited_by(session, preprint_id)

    def lineage(self, preprint_id: str, depth: int = 2) -> LineageGraph:
        with Session(self.engine) as session:
            return _read.lineage(session, preprint_id, max(0, min(depth, 10)))

    def figure(self, sha256: str) -> tuple[FigurePublic, bytes]:
        with Session(self.engine) as session:
            return figures.get_figure(session, sha256)

    def search(
        self,
        query: str,
        *,
        mode: SearchMode | str = SearchMode.hybrid,
        filters: PreprintFilter | None = None,
        limit: int = 20,
    ) -> SearchResults:
        """Ranked hits with scores and snippets; ``hybrid`` falls back to text without embedder."""
        limit = max(1, min(limit, MAX_LIMIT))
        return self.searcher.search(query, SearchMode(mode), filters or PreprintFilter(), limit)

    # --- helpers ---------------------------------------------------------------------------
    def _vectors(self, texts: builtins.list[str]) -> builtins.list[np.ndarray]:
        assert self.embedder is not None
        return list(embed_texts(self.embedder, texts))

    def _embed(self, items: Sequence[PreprintCreate]) -> builtins.list[bytes | None]:
        if self.embedder is None or not items:
            return [None] * len(items)
        return [to_bytes(v) for v in self._vectors([embedding_text(d) for d in items])]

    def _require_lab(self, session: Session, lab: str) -> None:
        if session.exec(select(Lab.id).where(Lab.name == lab)).first() is None:
            raise Invalid(f"lab {lab!r} does not exist; create it with `rxlab labs create {lab}`")

    def _commit(self, session: Session, conflict: str) -> None:
        try:
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            raise Conflict(conflict) from exc
        self.searcher.invalidate()
