"""Migrations take an empty database to head on both engines, and nothing is left pending."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from etrakit_tui.domain.errors import SchemaBehindError
from etrakit_tui.domain.store.db import Database, make_engine
from etrakit_tui.domain.store.schema import (
    HEAD_REVISION,
    check_schema_at,
    current_revision,
    ensure_schema,
    head_revision,
    sqlite_revision,
    upgrade,
)
from tests.support.pgserver import PgServer


def pending_changes(engine: Engine) -> list[Any]:
    """What ``alembic check`` would find: differences between the models (the code) and
    the database the migrations built."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from etrakit_tui.domain.store.addressindex import include_name
    from etrakit_tui.domain.store.models import metadata

    with engine.connect() as conn:
        opts = {
            "compare_type": True,
            "render_as_batch": conn.dialect.name == "sqlite",
            "include_name": include_name,  # as migrations/env.py: the trigram index is not a model
        }
        ctx = MigrationContext.configure(conn, opts=opts)
        return list(compare_metadata(ctx, metadata))


def test_empty_sqlite_file_migrates_to_head_with_nothing_pending(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert pending_changes(engine) == []
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


@pytest.mark.postgres
def test_empty_postgres_database_migrates_to_head_with_nothing_pending(pg_server: PgServer) -> None:
    name = pg_server.create_database()
    engine = make_engine(pg_server.url(name))
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert pending_changes(engine) == []
    finally:
        engine.dispose()
        pg_server.drop_database(name)


def test_schema_behind_is_refused_with_the_fixing_command(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with pytest.raises(SchemaBehindError, match="etrakit-tui db upgrade"):
        ensure_schema(engine, auto_upgrade=False)


def test_default_file_is_upgraded_on_first_use(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'first.db'}")
    ensure_schema(engine, auto_upgrade=True)
    assert current_revision(engine) == head_revision()


def test_head_revision_constant_is_alembics_head() -> None:
    """The start-up check compares with a constant: a new migration must update it."""
    assert head_revision() == HEAD_REVISION


def test_start_check_passes_a_migrated_file_without_touching_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ok.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    assert sqlite_revision(tmp_path / "ok.db") == HEAD_REVISION
    assert check_schema_at(url, auto_upgrade=False) is True


def test_start_check_refuses_a_file_behind_with_the_fixing_command(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    make_engine(f"sqlite:///{empty}").connect().close()  # a SQLite file with no schema
    with pytest.raises(SchemaBehindError, match=r"at empty.*run `etrakit-tui db upgrade`"):
        check_schema_at(f"sqlite:///{empty}", auto_upgrade=False)
    missing = tmp_path / "missing.db"
    with pytest.raises(SchemaBehindError, match="etrakit-tui db upgrade"):
        check_schema_at(f"sqlite:///{missing}", auto_upgrade=False)
    assert not missing.exists()  # refusing does not leave an empty file behind


def test_start_check_refuses_an_older_revision(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0001")
    engine.dispose()
    if HEAD_REVISION == "0001":
        pytest.skip("only one migration")
    with pytest.raises(SchemaBehindError, match=f"at 0001, program needs {HEAD_REVISION}"):
        check_schema_at(f"sqlite:///{path}", auto_upgrade=False)


def test_start_check_creates_the_default_file_when_allowed(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "default.db"
    assert check_schema_at(f"sqlite:///{path}", auto_upgrade=True) is True
    assert sqlite_revision(path) == HEAD_REVISION


def test_start_check_leaves_other_urls_to_the_full_path() -> None:
    assert check_schema_at("postgresql://nobody@127.0.0.1:1/none", auto_upgrade=False) is False
    assert check_schema_at("sqlite:///x.db?mode=ro", auto_upgrade=False) is False


def test_check_constraint_keeps_booked_within_capacity(db: Database) -> None:
    from datetime import date

    from sqlalchemy.exc import IntegrityError

    from etrakit_tui.domain.store.models import InspectionSlot

    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(
            InspectionSlot.__table__.insert().values(  # type: ignore[attr-defined]
                district="NORTH", day=date(2026, 11, 19), period="AM", capacity=1, booked=2
            )
        )


def test_domain_import_leaves_textual_and_rich_out() -> None:
    code = (
        "import sys, pkgutil, importlib\n"
        "import etrakit_tui.domain as d\n"
        "for m in pkgutil.walk_packages(d.__path__, 'etrakit_tui.domain.'):\n"
        "    if '.migrations' not in m.name: importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
