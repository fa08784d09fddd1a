"""Alembic environment for the preprint store. Run through ``preprints.migrate.upgrade``."""

from __future__ import annotations

from alembic import context

from preprints.migrate import VERSION_TABLE

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "the preprint store's migrations run on an open connection: call "
        "preprints.migrate.upgrade(engine) (Store(url) does it), not the alembic command line"
    )
context.configure(
    connection=connection,
    target_metadata=None,
    version_table=VERSION_TABLE,
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
