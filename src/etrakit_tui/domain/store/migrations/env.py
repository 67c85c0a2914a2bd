"""Alembic environment: runs against the engine handed in by :mod:`~.store.schema`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from etrakit_tui.domain.store.addressindex import include_name
from etrakit_tui.domain.store.models import metadata

config = context.config


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=False,
        # the trigram address index (FTS5 table + shadow tables, GIN index; migration 0002)
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through etrakit-tui db upgrade")
    run_migrations(connection)


if context.is_offline_mode():
    raise RuntimeError("offline migrations are not supported")
run()
