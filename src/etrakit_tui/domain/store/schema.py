"""Schema migrations (Alembic), driven from code so the CLI and tests share one path.

* ``upgrade(engine)`` takes any database to head (``etrakit-tui db upgrade``);
* ``current_revision(engine)`` answers ``etrakit-tui db current``;
* ``ensure_schema(...)`` runs when the app opens a database: the default SQLite file is
  created and upgraded on first use under an exclusive file lock; any other database that
  is behind is refused with a message naming the command that fixes it;
* ``check_schema_at(url, ...)`` is the same rule for the portal's start, made cheap: the
  database's ``alembic_version`` is compared with :data:`HEAD_REVISION` (stdlib ``sqlite3``
  for SQLite files), so neither Alembic nor SQLAlchemy is imported to draw the sign-in
  screen. Alembic is imported only when a default SQLite file must be created or upgraded.

This module imports Alembic, SQLAlchemy and the models only inside the functions that need
them.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from etrakit_tui.domain.errors import DatabaseError, SchemaBehindError

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Engine


MIGRATIONS_DIR = Path(__file__).with_name("migrations")

HEAD_REVISION = "0005"
"""The newest migration's revision id. A new migration must update it (a unit test checks
that it equals Alembic's real head): the start-up schema check compares against it."""

UPGRADE_COMMAND = "etrakit-tui db upgrade"


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    """Alembic's head, read from the migration scripts (see :data:`HEAD_REVISION`)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


def current_revision(engine: Engine) -> str | None:
    """The database's ``alembic_version`` (``None``: no version table, an empty database),
    read with plain SQL: opening a database never imports Alembic."""
    from sqlalchemy import inspect, text

    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return ",".join(sorted(str(row) for row in rows)) or None


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    from etrakit_tui.domain.store.db import WRITE_OPTION

    cfg = alembic_config()
    with engine.execution_options(**{WRITE_OPTION: True}).connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        conn.commit()


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (created 0600, its folder 0700, like the database)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def behind_error(at: str | None) -> SchemaBehindError:
    """The one refusal for a schema that is behind, naming the command that fixes it."""
    return SchemaBehindError(
        f"database schema is behind (at {at or 'empty'}, program needs {HEAD_REVISION}): "
        f"run `{UPGRADE_COMMAND}` first"
    )


def ensure_schema(engine: Engine, *, auto_upgrade: bool) -> None:
    """Make sure the schema is at head, upgrading it only where that is allowed."""
    if current_revision(engine) == HEAD_REVISION:
        return
    if not auto_upgrade:
        raise behind_error(current_revision(engine))
    database = engine.url.database
    assert engine.dialect.name == "sqlite" and database, "auto-upgrade is for SQLite files"
    with _file_lock(Path(database + ".lock")):
        if current_revision(engine) != HEAD_REVISION:
            upgrade(engine)


# --------------------------------------------------------------------------- cheap check


def sqlite_file_of(url: str) -> Path | None:
    """The file of a plain ``sqlite:///path`` URL, or ``None`` for anything else (other
    engines, URLs with options or escapes: those take the full SQLAlchemy path)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    path = url[len(prefix) :]
    if not path or path == ":memory:" or any(c in path for c in "?%#"):
        return None
    return Path(path)


def missing_folder_error(path: Path) -> DatabaseError | None:
    """The refusal for a SQLite file that cannot exist because its folder does not (or is
    not a folder), or ``None`` when the folder is there. Looks, never creates."""
    folder = path.absolute().parent
    if folder.is_dir():
        return None
    reason = f"{folder} is not a folder" if folder.exists() else "no such folder"
    return DatabaseError(f"cannot open the database at {path}: {reason}")


def sqlite_revision(path: Path) -> str | None:
    """``alembic_version`` of a SQLite file via stdlib ``sqlite3`` (``None``: no file, or
    no version table). Never creates the file."""
    if not path.exists():
        return None
    uri = f"file:{quote(str(path.absolute()))}?mode=rw"
    with closing(sqlite3.connect(uri, uri=True, timeout=10)) as conn:
        try:
            rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return None
            raise
    return ",".join(sorted(str(row[0]) for row in rows)) or None


def check_schema_at(url: str, *, auto_upgrade: bool) -> bool:
    """The start-up schema rule without Alembic or SQLAlchemy, for plain SQLite file URLs.

    Returns ``True`` when the database is at :data:`HEAD_REVISION` (after creating or
    upgrading it under its lock if ``auto_upgrade``); raises :class:`SchemaBehindError`
    when it is behind and may not be upgraded here. Returns ``False`` for a URL this check
    does not handle: the caller then opens the database and uses :func:`ensure_schema`."""
    path = sqlite_file_of(url)
    if path is None:
        return False
    if not auto_upgrade and (error := missing_folder_error(path)) is not None:
        raise error
    at = sqlite_revision(path)
    if at == HEAD_REVISION:
        return True
    if not auto_upgrade:
        raise behind_error(at)
    from etrakit_tui.domain.store.db import make_engine

    engine = make_engine(url)
    try:
        ensure_schema(engine, auto_upgrade=True)
    finally:
        engine.dispose()
    return True
