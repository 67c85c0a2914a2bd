"""Development helper: regenerate migration 0001 from the models (only before a release)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command

from etrakit_tui.domain.store.db import make_engine
from etrakit_tui.domain.store.schema import MIGRATIONS_DIR, alembic_config

for old in (MIGRATIONS_DIR / "versions").glob("0001_*.py"):
    old.unlink()
with tempfile.TemporaryDirectory() as tmp:
    engine = make_engine(f"sqlite:///{Path(tmp) / 'gen.db'}")
    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
        conn.commit()
