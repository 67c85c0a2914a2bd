"""The trigram index of parcel addresses: names shared by migration ``0002``, the search
service and the schema check.

* SQLite: an FTS5 table ``parcel_address_fts`` (``tokenize='trigram'``, external content
  ``parcel``) kept in step by three triggers on ``parcel`` (so rows the bulk generator
  inserts with plain ``INSERT`` are indexed too). FTS5 keeps shadow tables next to it
  (``parcel_address_fts_data``, ``_idx``, ``_config``...).
* PostgreSQL: ``pg_trgm`` and a GIN index ``ix_parcel_address_trgm`` on
  ``parcel.address gin_trgm_ops``; ``LIKE '%...%'`` uses it by itself.

None of these are in the SQLModel metadata (they are dialect-specific), so Alembic's
comparison must skip them: pass :func:`include_name` as ``include_name`` to
``context.configure`` / ``MigrationContext.configure(opts=...)``.

Stdlib only: the schema check imports this module.
"""

from __future__ import annotations

from typing import Any

FTS_TABLE = "parcel_address_fts"
"""SQLite: the FTS5 trigram table over ``parcel.address`` (rowid = ``parcel.id``)."""

PG_INDEX = "ix_parcel_address_trgm"
"""PostgreSQL: the GIN trigram index on ``parcel.address``."""

TRIGGERS = (f"{FTS_TABLE}_ai", f"{FTS_TABLE}_ad", f"{FTS_TABLE}_au")
"""SQLite: the triggers on ``parcel`` that keep the FTS table in step."""

MIN_FRAGMENT = 3
"""A trigram index answers fragments of at least 3 characters; shorter ones scan."""


def is_index_object(name: str | None) -> bool:
    """Whether ``name`` is the trigram index or one of its tables (FTS5 shadow tables too)."""
    if not name:
        return False
    return name in (PG_INDEX, FTS_TABLE) or name.startswith(f"{FTS_TABLE}_")


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic ``include_name`` hook: leave the trigram index's objects out of comparisons."""
    del type_, parent_names
    return not is_index_object(name)
