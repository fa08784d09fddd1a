"""The preprint store: labs, preprints (versioned), claims, figures, verdicts, flags, citations,
and full-text search (SQLite FTS5 with triggers, or a PostgreSQL tsvector column with a GIN index).

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

FTS_SQLITE = [
    "CREATE VIRTUAL TABLE preprint_fts USING fts5("
    "title, abstract, body, tokenize = 'porter unicode61 remove_diacritics 2')",
    # Only the latest version of each preprint is indexed: a revision swaps the rows.
    "CREATE TRIGGER preprint_fts_insert AFTER INSERT ON preprint WHEN new.is_latest BEGIN "
    "INSERT INTO preprint_fts(rowid, title, abstract, body) "
    "VALUES (new.id, new.title, new.abstract, new.body); END",
    "CREATE TRIGGER preprint_fts_unlatest AFTER UPDATE OF is_latest ON preprint "
    "WHEN old.is_latest AND NOT new.is_latest BEGIN "
    "DELETE FROM preprint_fts WHERE rowid = old.id; END",
]
FTS_POSTGRES = [
    "ALTER TABLE preprint ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(abstract, '')), 'B') || "
    "setweight(to_tsvector('english', coalesce(body, '')), 'C')) STORED",
    "CREATE INDEX ix_preprint_search_vector ON preprint USING gin (search_vector)",
]


def upgrade() -> None:
    op.create_table(
        "lab",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("token_id", sa.String(32), nullable=False, unique=True),
        sa.Column("token_salt", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "preprint",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("preprint_id", sa.String(64), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("abstract", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("goal", sa.String(200), nullable=True),
        sa.Column("task", sa.String(200), nullable=True),
        sa.Column("lab", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("is_latest", sa.Boolean, nullable=False),
        sa.Column("builds_on", sa.JSON, nullable=False),
        sa.Column("figures", sa.JSON, nullable=False),
        sa.Column("embedding", sa.LargeBinary, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.UniqueConstraint("preprint_id", "version", name="uq_preprint_version"),
    )
    # Reads look at latest versions only: each filter's index leads with it.
    op.create_index("ix_preprint_latest_created", "preprint", ["is_latest", "created_at"])
    for name in ("status", "lab", "goal", "task"):
        op.create_index(f"ix_preprint_latest_{name}", "preprint", ["is_latest", name, "created_at"])
    op.create_table(
        "claim",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("preprint_row", sa.Integer, sa.ForeignKey("preprint.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("metric", sa.String(100), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("split", sa.String(50), nullable=False),
        sa.Column("spec", sa.JSON, nullable=False),
    )
    op.create_index("ix_claim_preprint_row", "claim", ["preprint_row"])
    op.create_table(
        "verdict",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("claim_id", sa.Integer, sa.ForeignKey("claim.id"), nullable=False, index=True),
        sa.Column("reproduced", sa.Boolean, nullable=False),
        sa.Column("value", sa.Float, nullable=True),
        sa.Column("interval_low", sa.Float, nullable=True),
        sa.Column("interval_high", sa.Float, nullable=True),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "flag",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("preprint_row", sa.Integer, sa.ForeignKey("preprint.id"), nullable=False),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_flag_preprint_row", "flag", ["preprint_row"])
    op.create_table(
        "citation",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("citing_row", sa.Integer, sa.ForeignKey("preprint.id"), nullable=False),
        sa.Column("cited", sa.String(64), nullable=False, index=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_index("ix_citation_citing_row", "citation", ["citing_row"])
    op.create_table(
        "figure",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("lab", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "figure_blob",
        sa.Column("sha256", sa.String(64), sa.ForeignKey("figure.sha256"), primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": FTS_SQLITE, "postgresql": FTS_POSTGRES}.get(dialect, []):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS preprint_fts_unlatest")
        op.execute("DROP TRIGGER IF EXISTS preprint_fts_insert")
        op.execute("DROP TABLE IF EXISTS preprint_fts")
    for table in ("figure_blob", "figure", "citation", "flag", "verdict", "claim", "preprint"):
        op.drop_table(table)
    op.drop_table("lab")
