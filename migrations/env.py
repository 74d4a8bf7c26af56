"""Alembic environment: the connection comes from ``bot.kernel.storage.migrate`` (or alembic.ini's
URL)."""

from alembic import context
from sqlalchemy import Connection

import bot.tables  # noqa: F401  (registers every table on the metadata)
from bot.kernel.storage.base import Base
from bot.kernel.storage.db import make_engine

target_metadata = Base.metadata
# SQLite's FTS5 index of incident titles and its shadow tables (0021) have no model.
UNMODELLED = "incident_title_search"


def _modelled(item: object, name: str | None, kind: str, *_: object) -> bool:
    return not (kind == "table" and name and name.startswith(UNMODELLED))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds the table
        # One transaction per migration: a migration may build an index outside one
        # (``create_index_online``), which commits what ran before it.
        transaction_per_migration=True,
        compare_type=True,
        include_object=_modelled,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "sqlite:///warroom.db")
    with engine.connect() as conn:  # not in a transaction: each migration begins its own
        _run(conn)
