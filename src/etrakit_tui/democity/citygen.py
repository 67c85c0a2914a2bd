"""The city generator's engine: ids, slots, numbers, and permit histories that obey the rules.

Shared by :mod:`etrakit_tui.democity.demo` (the fixed demo city) and
:mod:`etrakit_tui.democity.bulk` (``demo-data``). Every row is a plain dict that
:class:`RowWriter` turns into a tuple ready to bind and inserts with ``executemany``
(SQLite) or COPY (PostgreSQL); ids are assigned here so children can point at parents
before anything is written (a detached writer can make rows in one process for
:func:`store` to write in another).

:class:`etrakit_tui.democity.citybuilder.CityBuilder` writes whole permits with it. The rules
a generated permit obeys (SPEC §4), so every screen shows a consistent city:

* inspections pass in the catalog's order, so a type's prerequisites have passed first;
* every passed inspection restarts the expiry clock: ISSUED and ACTIVE permits expire in
  the future, EXPIRED ones expired in the past;
* open inspections (REQUESTED, SCHEDULED) fall on requestable business days (or today),
  at most one per permit, never on hold, and hold a place in their slot: ``booked`` is the
  number of open inspections in the slot and never exceeds its capacity;
* an open FINAL inspection has no fees due.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import accumulate
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Column,
    Connection,
    Date,
    DateTime,
    Dialect,
    Table,
    bindparam,
    func,
    select,
    update,
)
from sqlmodel import Session

from etrakit_tui.domain.errors import EtrakitError
from etrakit_tui.domain.inspections.calendar import (
    is_business_day,
    local_today,
    next_business_day,
    requestable_dates,
)
from etrakit_tui.domain.permits import catalog
from etrakit_tui.domain.store.models import InspectionStatus, PermitStatus, UTCDateTime, metadata
from etrakit_tui.settings import Jurisdiction

Row = dict[str, Any]
T = TypeVar("T")


class CityRandom(random.Random):
    """``random.Random`` with cheaper ``randint`` and ``choice`` (same seed, same city):
    the generator calls them millions of times."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq: Sequence[T]) -> T:  # type: ignore[override]
        if not seq:
            raise IndexError("cannot choose from an empty sequence")
        return seq[int(self.random() * len(seq))]


CHUNK = 10_000
"""Rows per ``executemany`` call."""

I = InspectionStatus  # noqa: E741 - short aliases for the tables below
P = PermitStatus

TYPE_WEIGHTS: dict[str, int] = {
    "BUILDING": 22, "ELECTRICAL": 14, "PLUMBING": 11, "MECHANICAL": 10, "ROOFING": 11,
    "SOLAR": 12, "POOL": 4, "ACCESSIBILITY": 3, "DEMOLITION": 3, "GRADING": 2, "FIRE": 4,
    "SIGN": 4,
}  # fmt: skip
"""How common each permit type is."""

STATUS_WEIGHTS: dict[str, int] = {
    P.APPLIED: 5, P.IN_REVIEW: 8, P.APPROVED: 5, P.ISSUED: 10, P.ACTIVE: 30, P.FINALED: 25,
    P.EXPIRED: 10, P.VOID: 4,
}  # fmt: skip
"""How common each permit status is (among the ages where it is plausible)."""

FAILURES = (I.FAILED, I.CORRECTION, I.NOT_READY, I.PARTIAL, I.CANCELLED)
FAILURE_WEIGHTS = (34, 26, 18, 10, 12)
_FAILURE_CUMULATIVE = list(accumulate(FAILURE_WEIGHTS))

# --------------------------------------------------------------------------- rows

Batch = list[tuple[str, list[tuple[Any, ...]]]]
"""Rows ready to bind, table by table, parents first: what :func:`store` writes."""


@dataclass(frozen=True, slots=True)
class _InsertPlan:
    sql: str  # INSERT (executemany) or, on PostgreSQL, COPY ... FROM STDIN
    copy: bool
    names: tuple[str, ...]  # columns, in the statement's order
    defaults: dict[str, Any]  # for columns a row may leave out
    processors: dict[int, Callable[[Any], Any]]


_PLANS: dict[tuple[str, str], _InsertPlan] = {}
_CONVERTERS: dict[tuple[str, str, frozenset[str]], Callable[[Row], tuple[Any, ...]]] = {}


def _date_text(v: date | None) -> str | None:
    return None if v is None else v.isoformat()


# The generator's times repeat a lot, and ``datetime.replace`` is slow: convert each once.
_AS_TEXT: dict[datetime, str] = {}
_AS_NAIVE: dict[datetime, datetime] = {}
_MEMO_LIMIT = 1_000_000


def _utc_text(v: datetime | None) -> str | None:
    if v is None:
        return None
    out = _AS_TEXT.get(v)
    if out is None:
        if len(_AS_TEXT) > _MEMO_LIMIT:
            _AS_TEXT.clear()
        if v.tzinfo is UTC:  # the usual case, and twice as fast
            out = v.isoformat(" ", "microseconds")[:-6]  # without "+00:00"
        else:
            out = v.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        _AS_TEXT[v] = out
    return out


def forget_conversions() -> None:
    """Drop the remembered conversions (call when a generation run ends)."""
    _AS_TEXT.clear()
    _AS_NAIVE.clear()


def _utc_naive(v: datetime | None) -> datetime | None:
    if v is None:
        return None
    out = _AS_NAIVE.get(v)
    if out is None:
        if len(_AS_NAIVE) > _MEMO_LIMIT:
            _AS_NAIVE.clear()
        out = _AS_NAIVE[v] = v.astimezone(UTC).replace(tzinfo=None)
    return out


def _bool_int(v: bool | None) -> int | None:
    return None if v is None else int(v)


_SAMPLE_TIMES = (
    datetime(2026, 11, 18, 18, 0, tzinfo=UTC),
    datetime(2019, 6, 25, 9, 41, 7, 125, tzinfo=UTC),
    datetime(2026, 7, 1, 8, 30, tzinfo=ZoneInfo("America/Los_Angeles")),
)
_FAST: tuple[tuple[Callable[[Any], Any], tuple[Any, ...]], ...] = (
    (_date_text, (date(2026, 11, 18), date(1999, 1, 2))),
    (_utc_text, _SAMPLE_TIMES),
    (_utc_naive, _SAMPLE_TIMES),
    (_bool_int, (True, False)),
)


def _same_but_faster(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A plain function that gives exactly what SQLAlchemy's bind ``processor`` gives on
    sample values (dates, aware timestamps, booleans, None), or ``processor`` itself."""
    for fast, samples in _FAST:
        try:
            agrees = all(
                type(out := processor(v)) is type(fast(v)) and out == fast(v)
                for v in (*samples, None)
            )
        except (TypeError, ValueError, AttributeError):
            continue
        if agrees:
            return fast
    return processor


def _copy_processor(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """COPY takes text: dates and UTC timestamps go as ISO text (cheap to pass between
    processes, parsed by the server), the rest as the driver adapts them."""
    if isinstance(column.type, UTCDateTime):
        return _utc_text
    if isinstance(column.type, Date) and not isinstance(column.type, DateTime):
        return _date_text
    processor = column.type.dialect_impl(dialect).bind_processor(dialect)
    return None if processor is None else _same_but_faster(processor)


def _plan_for(table: Table, dialect: Dialect) -> _InsertPlan:
    """The table's INSERT compiled once for the dialect (computed columns left to the
    database), with each column's bind processor: how SQLAlchemy itself converts dates,
    timestamps and booleans for this driver. On PostgreSQL: a COPY of the same columns."""
    key = (table.name, dialect.name)
    if key not in _PLANS:
        columns = [c for c in table.columns if c.computed is None]
        processors: dict[int, Callable[[Any], Any]] = {}
        if dialect.name == "postgresql":
            quote = dialect.identifier_preparer.quote
            names = tuple(c.key for c in columns)
            sql = (
                f"COPY {dialect.identifier_preparer.format_table(table)} "
                f"({', '.join(quote(c.name) for c in columns)}) FROM STDIN"
            )
            for i, name in enumerate(names):
                if (copy_processor := _copy_processor(table.c[name], dialect)) is not None:
                    processors[i] = copy_processor
        else:
            compiled = table.insert().compile(dialect=dialect, column_keys=[c.key for c in columns])
            if not compiled.positional:  # pragma: no cover - SQLite and PostgreSQL only
                raise EtrakitError(f"bulk rows need a positional driver, not {dialect.name}")
            sql, names = str(compiled), tuple(compiled.positiontup or ())
            for i, name in enumerate(names):
                processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                if processor is not None:
                    processors[i] = _same_but_faster(processor)
        defaults = {
            c.key: getattr(c.default, "arg", None)
            if c.default is not None and c.default.is_scalar
            else None
            for c in columns
        }
        _PLANS[key] = _InsertPlan(sql, dialect.name == "postgresql", names, defaults, processors)
    return _PLANS[key]


_INLINE: dict[Callable[[Any], Any], str] = {
    _date_text: "{v}.isoformat()",
    _utc_text: "(_text_of({v}) or _utc_text({v}))",
    _bool_int: "int({v})",
}
"""Processors written into the converter itself (same result, one call fewer a value)."""


def _converter(table: Table, dialect: Dialect, keys: frozenset[str]) -> Callable[[Row], Any]:
    """One compiled function from a row dict (with ``keys``) to the tuple the statement
    binds: a single call per row instead of a loop over columns."""
    key = (table.name, dialect.name, keys)
    if key not in _CONVERTERS:
        plan = _plan_for(table, dialect)
        env: dict[str, Any] = {}
        parts = []
        for i, name in enumerate(plan.names):
            if name in keys:
                expr = f"r[{name!r}]"
            else:
                env[f"d{i}"] = plan.defaults[name]
                expr = f"d{i}"
            processor = plan.processors.get(i)
            if processor is not None and name in keys and processor in _INLINE:
                inline = _INLINE[processor].format(v=f"v{i}")
                expr = f"(None if (v{i} := {expr}) is None else {inline})"
            elif processor is not None:
                env[f"c{i}"] = processor
                expr = f"c{i}({expr})"
            parts.append(expr)
        env["_text_of"], env["_utc_text"] = _AS_TEXT.get, _utc_text
        source = f"lambda r: ({', '.join(parts)},)"  # only the table's own column names
        _CONVERTERS[key] = eval(source, env)  # noqa: S307
    return _CONVERTERS[key]


def to_tuples(table: Table, dialect: Dialect, rows: list[Row]) -> list[tuple[Any, ...]]:
    """``rows`` converted the way SQLAlchemy converts them for ``dialect``, in the
    statement's column order. Columns a row leaves out get their scalar default (or NULL)."""
    convert = _converter(table, dialect, frozenset(rows[0]))
    return [convert(row) for row in rows]


def insert_tuples(conn: Connection, table: Table, params: list[tuple[Any, ...]]) -> None:
    """Write rows made by :func:`to_tuples`: ``executemany`` (SQLite) or COPY (PostgreSQL)."""
    plan = _plan_for(table, conn.dialect)
    if not plan.copy:
        for start in range(0, len(params), CHUNK):
            conn.exec_driver_sql(plan.sql, params[start : start + CHUNK])
        return
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(plan.sql) as copy:
        write = copy.write_row
        for values in params:
            write(values)


def store(conn: Connection, batch: Batch) -> None:
    """Write a :data:`Batch`; on PostgreSQL move each id sequence past the new ids."""
    for name, params in batch:
        if params:
            insert_tuples(conn, metadata.tables[name], params)
    if conn.dialect.name != "postgresql":
        return
    for name in sorted({name for name, params in batch if params}):
        top = select(func.max(metadata.tables[name].c.id)).scalar_subquery()
        conn.execute(select(func.setval(func.pg_get_serial_sequence(name, "id"), top)))


def next_ids(session: Session) -> dict[str, int]:
    """The first free id of every table (for a :class:`RowWriter` that owns the ids)."""
    return {
        t.name: int(session.execute(select(func.max(t.c.id))).scalar() or 0) + 1
        for t in metadata.sorted_tables
        if "id" in t.c
    }


class RowWriter:
    """Buffers the rows of one transaction, giving each its id, then inserts each table's
    rows (``executemany``, or COPY on PostgreSQL), parents before children.

    Detached (no session, ``ids`` from :func:`next_ids`): the writer owns the ids across
    batches and :meth:`take` hands each batch over, ready to bind, for :func:`store` to
    write elsewhere (another process)."""

    def __init__(
        self,
        session: Session | None,
        *,
        ids: dict[str, int] | None = None,
        dialect: Dialect | None = None,
    ) -> None:
        self._session = session
        self._next: dict[str, int] = ids if ids is not None else {}
        self._dialect = dialect
        self._rows: dict[str, list[Row]] = defaultdict(list)

    @property
    def session(self) -> Session:
        assert self._session is not None, "a detached writer has no session"
        return self._session

    def add(self, table: str, row: Row) -> int:
        row_id = self._next.get(table)
        if row_id is None:
            column = metadata.tables[table].c.id
            row_id = int(self.session.execute(select(func.max(column))).scalar() or 0) + 1
        self._next[table] = row_id + 1
        row["id"] = row_id
        self._rows[table].append(row)
        return row_id

    def take(self) -> Batch:
        """The buffered rows as a :data:`Batch` (the buffer empties)."""
        dialect = self._dialect or self.session.connection().dialect
        batch: Batch = []
        for table in metadata.sorted_tables:
            rows = self._rows.pop(table.name, None)
            if rows:
                batch.append((table.name, to_tuples(table, dialect, rows)))
        return batch

    def flush(self) -> None:
        store(self.session.connection(), self.take())

    def finish(self) -> None:
        """Insert what is buffered (on PostgreSQL the id sequences follow)."""
        self.flush()


# --------------------------------------------------------------------------- slots


@dataclass(slots=True)
class _Slot:
    id: int
    capacity: int
    booked: int
    row: Row | None = None  # still buffered in the writer
    delta: int = 0  # places taken since the row was written


class SlotBook:
    """Inspection slots by (district, day, period), kept in step with the open inspections
    written: :meth:`book` takes a place only while the slot has room (up to ``share`` of its
    capacity), so ``booked`` always equals the slot's open inspections."""

    def __init__(self, capacity: int, *, share: float = 1.0) -> None:
        self.capacity = capacity
        self.share = share
        self._slots: dict[tuple[str, date, str], _Slot] = {}
        self._dirty: list[_Slot] = []

    def load(self, session: Session) -> None:
        t = metadata.tables["inspection_slot"]
        query = select(t.c.id, t.c.district, t.c.day, t.c.period, t.c.capacity, t.c.booked)
        for slot_id, district, day, period, capacity, booked in session.execute(query):
            self._slots[(district, day, period)] = _Slot(slot_id, capacity, booked)

    def get(self, writer: RowWriter, district: str, day: date, period: str) -> _Slot:
        slot = self._slots.get((district, day, period))
        if slot is None:
            row: Row = {"district": district, "day": day, "period": period,
                        "capacity": self.capacity, "booked": 0}  # fmt: skip
            slot = _Slot(writer.add("inspection_slot", row), self.capacity, 0, row)
            self._slots[(district, day, period)] = slot
            self._dirty.append(slot)
        return slot

    def book(self, writer: RowWriter, district: str, day: date, period: str) -> int | None:
        slot = self.get(writer, district, day, period)
        if slot.booked >= math.floor(slot.capacity * self.share):
            return None
        slot.booked += 1
        if slot.row is not None:
            slot.row["booked"] = slot.booked
        else:
            slot.delta += 1
            self._dirty.append(slot)
        return slot.id

    def booked(self, district: str, day: date, period: str) -> int:
        slot = self._slots.get((district, day, period))
        return slot.booked if slot else 0

    def take_deltas(self) -> list[tuple[int, int]]:
        """Once the writer's rows are taken: ``[(slot id, places taken)]`` in slots written
        in earlier batches (see :func:`add_bookings`)."""
        deltas: dict[int, int] = {}
        for slot in self._dirty:
            slot.row = None
            if slot.delta:
                deltas[slot.id] = slot.delta
                slot.delta = 0
        self._dirty.clear()
        return sorted(deltas.items())

    def settle(self, session: Session) -> None:
        """After the writer's rows are in: add the places taken in slots written earlier."""
        add_bookings(session.connection(), self.take_deltas())


def add_bookings(conn: Connection, deltas: list[tuple[int, int]]) -> None:
    """Add places taken to slots: ``[(slot id, places)]`` from :meth:`SlotBook.take_deltas`."""
    if deltas:
        t = metadata.tables["inspection_slot"]
        statement = (
            update(t)
            .where(t.c.id == bindparam("slot"))
            .values(booked=t.c.booked + bindparam("places"))
        )
        conn.execute(statement, [{"slot": sid, "places": n} for sid, n in deltas])


# --------------------------------------------------------------------------- numbers


class Numberer:
    """Hands out permit numbers after the highest sequence used in each letter-month."""

    def __init__(self, used: dict[str, int] | None = None) -> None:
        self.used = dict(used or {})

    @classmethod
    def load(cls, session: Session) -> Numberer:
        t = metadata.tables["permit"]
        prefix = func.substr(t.c.number, 1, 5)
        used: dict[str, int] = {}
        for key, top in session.execute(select(prefix, func.max(t.c.number)).group_by(prefix)):
            if catalog.is_permit_number(str(top)):
                used[str(key)] = catalog.parse_permit_number(str(top)).seq
        return cls(used)

    @staticmethod
    def _key(letter: str, year: int, month: int) -> str:
        return f"{letter}{year % 100:02d}{month:02d}"

    def room(self, letter: str, year: int, month: int) -> int:
        return 999 - self.used.get(self._key(letter, year, month), 0)

    def reserve(self, number: str) -> None:
        parsed = catalog.parse_permit_number(number)
        key = self._key(parsed.letter, parsed.year, parsed.month)
        self.used[key] = max(self.used.get(key, 0), parsed.seq)

    def next(self, letter: str, day: date) -> str:
        key = self._key(letter, day.year, day.month)
        seq = self.used.get(key, 0) + 1
        if seq > 999:
            raise EtrakitError(f"no permit numbers left for {key} (999 a month)")
        self.used[key] = seq
        return catalog.permit_number(letter, day.year, day.month, seq)


# --------------------------------------------------------------------------- histories


def phone(rng: random.Random) -> str:
    """A plausible Inland Empire phone number: ``(951) 765-2475``."""
    area = rng.choice(catalog.AREA_CODES)
    return f"({area}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"


def person(rng: random.Random) -> str:
    return f"{rng.choice(catalog.FIRST_NAMES)} {rng.choice(catalog.LAST_NAMES)}"


@dataclass(frozen=True, slots=True)
class CompanyRef:
    id: int
    name: str
    phone: str
    email: str
    person: str  # who fills in the inspection request form


@dataclass(frozen=True, slots=True)
class ParcelRef:
    id: int
    address: str
    district: str
    owner: str


@dataclass(slots=True)
class PermitSpec:
    """What to generate; ``None`` fields are left to chance."""

    number: str
    permit_type: str
    status: str
    applied_on: date
    parcel: ParcelRef
    contractor: CompanyRef
    design: CompanyRef | None = None
    open_inspection: bool | None = None
    open_at: tuple[date, str] | None = None
    fees_due: bool | None = None
    on_hold: bool | None = None


@dataclass(frozen=True, slots=True)
class PermitOutcome:
    id: int
    corrections: int
    open_inspection_id: int | None


@dataclass(slots=True)
class Visit:
    """A past inspection: the index of its type in the catalog, its day, its result."""

    index: int
    day: date
    status: str


@dataclass(slots=True)
class Timeline:
    approved: date | None = None
    issued: date | None = None
    finaled: date | None = None
    expires: date | None = None
    passed: int = 0  # how many of the permit type's inspections have passed (a prefix)
    visits: list[Visit] = field(default_factory=list)


@cache
def status_window(status: str, permit_type: str, expiry_days: int) -> tuple[int, int | None]:
    """The ages (days since applied) at which a permit can plausibly have ``status``."""
    steps = len(catalog.INSPECTION_TYPES[permit_type]) - 1
    return {
        P.APPLIED: (0, 21), P.IN_REVIEW: (5, 150), P.APPROVED: (20, 240), P.ISSUED: (15, 200),
        P.ACTIVE: (30, 20 + steps * (expiry_days // 2)), P.FINALED: (45, None),
        P.EXPIRED: (expiry_days + 60, None), P.VOID: (10, None),
    }[P(status)]  # fmt: skip


_WORKDAYS: dict[tuple[str, str | None, tuple[int, ...]], dict[date, bool]] = {}


_LAST_WORKDAYS: list[Any] = [None, {}]  # the last jurisdiction asked about, and its memo


def _workday(j: Jurisdiction, d: date) -> bool:
    """:func:`calendar.is_business_day`, remembered (the generator asks millions of times)."""
    if j is _LAST_WORKDAYS[0]:
        memo: dict[date, bool] = _LAST_WORKDAYS[1]
    else:
        key = (j.holiday_country, j.holiday_subdivision, j.business_weekdays)
        memo = _WORKDAYS.setdefault(key, {})
        _LAST_WORKDAYS[:] = [j, memo]
    known = memo.get(d)
    if known is None:
        known = memo[d] = is_business_day(j, d)
    return known


def on_or_before(j: Jurisdiction, d: date) -> date:
    """``d`` if it is a business day, else the business day before it."""
    while not _workday(j, d):
        d -= timedelta(days=1)
    return d


def _spread(j: Jurisdiction, start: date, end: date, k: int) -> list[date]:
    """``k`` business days after ``start``, evenly up to ``end``, ascending."""
    out: list[date] = []
    prev = start if _workday(j, start) else next_business_day(j, start)
    span = (end - start).days
    for i in range(1, k + 1):
        d = max(on_or_before(j, start + timedelta(days=round(span * i / k))), prev)
        out.append(d)
        prev = d
    return out


def timeline(
    rng: random.Random, j: Jurisdiction, permit_type: str, status: str, applied: date, today: date
) -> Timeline:
    """Dates and past inspections consistent with ``status`` today (see the module rules).
    ``applied`` should lie in :func:`status_window`."""
    expiry = j.expiry_days
    steps = len(catalog.INSPECTION_TYPES[permit_type]) - 1
    age = (today - applied).days
    t = Timeline()
    if status in (P.APPLIED, P.IN_REVIEW):
        return t
    if status == P.APPROVED:
        t.approved = applied + timedelta(days=rng.randint(age // 2, age))
        return t
    if status == P.VOID:
        if age > 20 and rng.random() < 0.4:
            t.approved = applied + timedelta(days=rng.randint(10, min(age, 90)))
        return t
    gap = max(expiry - 30, 10)
    passes: list[date] = []
    if status == P.ISSUED:
        issued = today - timedelta(days=rng.randint(0, max(0, min(45, age - 10))))
    elif status == P.ACTIVE:
        issued = applied + timedelta(days=rng.randint(7, max(7, min(60, age - 20))))
        k_min = max(1, math.ceil((today - issued).days / gap))
        if k_min > steps:
            issued, k_min = max(applied, today - timedelta(days=steps * gap - 1)), steps
        k = rng.randint(k_min, steps)
        last = today - timedelta(days=rng.randint(1, max(1, min(gap, (today - issued).days - 1))))
        passes = _spread(j, issued, last, k)
    elif status == P.FINALED:
        issued = min(applied + timedelta(days=rng.randint(7, 60)), today - timedelta(days=15))
        end = min(issued + timedelta(days=rng.randint(20, 200)), today - timedelta(days=1))
        passes = _spread(j, issued, end, steps + 1)
    else:  # EXPIRED
        issued = min(
            applied + timedelta(days=rng.randint(7, 60)), today - timedelta(days=expiry + 10)
        )
        k = rng.randint(0, steps)
        end = min(
            issued + timedelta(days=rng.randint(10, max(10, k * gap))),
            today - timedelta(days=expiry + 1),
        )
        passes = _spread(j, issued, end, k) if k else []
    if on_or_before(j, issued) >= applied:
        issued = on_or_before(j, issued)  # the counter is closed at weekends
    t.issued = issued
    t.approved = issued - timedelta(days=rng.randint(0, max(0, min(10, (issued - applied).days))))
    prev = issued
    for index, day in enumerate(passes):
        _maybe_failure(rng, j, t, index, prev, day, 0.25)
        t.visits.append(Visit(index, day, I.PASSED))
        prev = day
    t.passed = len(passes)
    if status in (P.ISSUED, P.ACTIVE) and t.passed <= steps:
        _maybe_failure(rng, j, t, t.passed, prev, today, 0.2)
    if status == P.FINALED:
        t.finaled = passes[-1]
    else:
        t.expires = (passes[-1] if passes else issued) + timedelta(days=expiry)
    return t


def _maybe_failure(
    rng: random.Random,
    j: Jurisdiction,
    t: Timeline,
    index: int,
    after: date,
    before: date,
    chance: float,
) -> None:
    """Perhaps an unsuccessful visit strictly between ``after`` and ``before``."""
    room = (before - after).days
    if room >= 2 and rng.random() < chance:
        day = on_or_before(j, after + timedelta(days=rng.randint(1, room - 1)))
        if day > after:
            t.visits.append(
                Visit(index, day, rng.choices(FAILURES, cum_weights=_FAILURE_CUMULATIVE)[0])
            )


def open_days(j: Jurisdiction, now: datetime) -> list[date]:
    """Days an open inspection may fall on now: today (if a business day) and every date
    that may be requested."""
    today = local_today(j, now)
    return ([today] if is_business_day(j, today) else []) + requestable_dates(j, now)
