"""Statements built once, run straight on the database driver.

A Core statement run through ``Connection.execute`` costs about 30 us of SQLAlchemy's
execution machinery (an execution context, parameter processing, a result object, events)
on top of the driver's own 5-15 us. For the few statements a request runs while it holds
the write gate, that machinery is most of the time every other writer waits.

:class:`Direct` runs such statements on the same connection, in the same transaction, through
the driver's cursor. Each statement is compiled once per dialect (and, for an INSERT, per set
of columns given) into what SQLAlchemy would send: its SQL, its parameters in bind order with
the types' bind processors, the scalar column defaults SQLAlchemy fills in; rows come back
through the selected columns' result processors. Values therefore go in and come out exactly
as through ``Connection.execute``. A statement it cannot prepare so (an expanding ``IN`` list,
a non-scalar default) goes through the connection, as before. A driver error is raised as
SQLAlchemy raises it (:meth:`DBAPIError.instance`); a lost connection is invalidated, so the
callers' error handling (``Database._refusals``) sees what it always saw.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement

Convert = Callable[[Any], Any]
Processor = Convert | None


@dataclass(frozen=True, slots=True)
class _Prepared:
    """One statement as the driver takes it, for one dialect and set of given columns."""

    sql: str
    compiled: Any  # SQLCompiler: construct_params() gives every bound value by name
    order: tuple[str, ...] | None  # bind names in order (positional paramstyle), or None
    binds: tuple[tuple[str, Convert], ...]  # bind processors, by name
    defaults: tuple[tuple[str, Any], ...]  # scalar column defaults SQLAlchemy would fill
    results: tuple[Processor, ...]  # result processors, by column (empty: none to apply)


class Rows:
    """What a :class:`Direct` statement gave: its rows (tuples, already processed)."""

    __slots__ = ("_rows",)

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self._rows = rows

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self._rows)

    def all(self) -> list[tuple[Any, ...]]:
        return list(self._rows)

    def first(self) -> tuple[Any, ...] | None:
        return self._rows[0] if self._rows else None

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None


_CACHE: dict[tuple[int, str, tuple[str, ...]], tuple[ClauseElement, _Prepared | None]] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_MAX = 512
"""More prepared statements than the services build once: a caller building a statement at
each call (a mistake: it would only be slow) starts the cache afresh rather than grow it."""


def _prepare(statement: Any, dialect: Dialect, keys: tuple[str, ...]) -> _Prepared | None:
    """``statement`` compiled for ``dialect`` (an INSERT for the columns ``keys``); None if
    it cannot run without SQLAlchemy's execution machinery."""
    column_keys = list(keys) if isinstance(statement, Insert) else None
    compiled: Any = statement.compile(dialect=dialect, column_keys=column_keys)
    if any(b.expanding or b.literal_execute for b in compiled.binds.values()):
        return None
    defaults = []
    for column in [*compiled.insert_prefetch, *compiled.update_prefetch]:
        default = column.default if column in compiled.insert_prefetch else column.onupdate
        if default is None or not default.is_scalar:
            return None
        defaults.append((column.key, default.arg))
    binds: list[tuple[str, Convert]] = []
    for bind, name in compiled.bind_names.items():
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            binds.append((compiled.escaped_bind_names.get(name, name), processor))
    results: tuple[Processor, ...] = ()
    selected = getattr(statement, "selected_columns", None)  # a SELECT's; a DML's RETURNING
    columns: Sequence[Any] = list(selected if selected is not None else statement.exported_columns)
    processors = tuple(
        c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
    )
    if any(p is not None for p in processors):
        results = processors
    order = tuple(compiled.positiontup) if compiled.positional else None
    return _Prepared(str(compiled), compiled, order, tuple(binds), tuple(defaults), results)


def prepared(statement: ClauseElement, dialect: Dialect, keys: tuple[str, ...]) -> _Prepared | None:
    """The cached :func:`_prepare` of a statement built once (kept alive by the cache)."""
    key = (id(statement), dialect.name, keys)
    found = _CACHE.get(key)
    if found is None or found[0] is not statement:
        with _CACHE_LOCK:
            found = (statement, _prepare(statement, dialect, keys))
            if len(_CACHE) >= _CACHE_MAX:
                _CACHE.clear()
            _CACHE[key] = found
    return found[1]


class Direct:
    """A Core connection (in its transaction) whose :meth:`execute` runs built-once
    statements on the driver; anything else goes through the connection."""

    __slots__ = ("_driver", "conn", "dialect")

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect
        self._driver: Any = conn.connection.driver_connection

    def execute(self, statement: Any, params: Mapping[str, Any] | None = None) -> Any:
        given = dict(params or {})
        keys = tuple(sorted(given)) if isinstance(statement, Insert) else ()
        plan = prepared(statement, self.dialect, keys)
        if plan is None:
            return self.conn.execute(statement, given)
        for name, value in plan.defaults:
            given.setdefault(name, value)
        values = plan.compiled.construct_params(given)
        for name, processor in plan.binds:
            values[name] = processor(values[name])
        bound: Any = tuple(values[name] for name in plan.order) if plan.order else values
        try:
            cursor = self._driver.execute(plan.sql, bound)
            rows = cursor.fetchall() if cursor.description is not None else []
        except self.dialect.loaded_dbapi.Error as exc:
            raise self._wrapped(plan.sql, bound, exc) from exc
        if plan.results:
            rows = [
                tuple(v if p is None else p(v) for p, v in zip(plan.results, row, strict=True))
                for row in rows
            ]
        return Rows(rows)

    def _wrapped(self, sql: str, params: Any, exc: Any) -> BaseException:
        """The driver's error as ``Connection.execute`` raises it; a lost connection is
        invalidated (the pool opens a new one next time)."""
        gone = bool(self.dialect.is_disconnect(exc, self._driver, None))
        if gone:
            self.conn.invalidate(exc)
        wrapped: BaseException = DBAPIError.instance(
            sql,
            params,
            exc,
            self.dialect.loaded_dbapi.Error,
            connection_invalidated=gone,
            dialect=self.dialect,
        )
        return wrapped


Runner = Connection | Direct
"""Where a built-once statement runs: a Core connection, or the same through the driver."""
