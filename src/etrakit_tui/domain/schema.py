"""Schema migrations (Alembic), driven from code so the CLI and tests share one path.

* ``upgrade(engine)`` takes any database to head (``etrakit-tui db upgrade``);
* ``current_revision(engine)`` answers ``etrakit-tui db current``;
* ``ensure_schema(...)`` runs when the app opens a database: the default SQLite file is
  created and upgraded on first use under an exclusive file lock; any other database that
  is behind is refused with a message naming the command that fixes it.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from etrakit_tui.domain.db import WRITE_OPTION
from etrakit_tui.domain.errors import SchemaBehindError
from etrakit_tui.domain.models import metadata

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    cfg = alembic_config()
    with engine.execution_options(**{WRITE_OPTION: True}).connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        conn.commit()


def pending_changes(engine: Engine) -> list[Any]:
    """What ``alembic check`` would find: differences between the models and the database."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": conn.dialect.name == "sqlite"}
        )
        return list(compare_metadata(ctx, metadata))


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_schema(engine: Engine, *, auto_upgrade: bool) -> None:
    """Make sure the schema is at head, upgrading it only where that is allowed."""
    head = head_revision()
    if current_revision(engine) == head:
        return
    if not auto_upgrade:
        at = current_revision(engine) or "empty"
        raise SchemaBehindError(
            f"database schema is behind (at {at}, program needs {head}): "
            "run `etrakit-tui db upgrade` first"
        )
    database = engine.url.database
    assert engine.dialect.name == "sqlite" and database, "auto-upgrade is for SQLite files"
    with _file_lock(Path(database + ".lock")):
        if current_revision(engine) != head:
            upgrade(engine)
