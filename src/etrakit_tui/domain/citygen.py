"""The city generator's engine: ids, slots, numbers, and permit histories that obey the rules.

Shared by :mod:`etrakit_tui.domain.demo` (the fixed demo city) and
:mod:`etrakit_tui.domain.bulk` (``demo-data``). Every row is a plain dict that
:class:`RowWriter` inserts with Core ``executemany``; ids are assigned here so children can
point at parents before anything is written.

:class:`etrakit_tui.domain.citybuilder.CityBuilder` writes whole permits with it. The rules
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
from operator import itemgetter
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Dialect, Table, func, select, update
from sqlmodel import Session

from etrakit_tui.domain import catalog
from etrakit_tui.domain.calendar import (
    is_business_day,
    local_today,
    next_business_day,
    requestable_dates,
)
from etrakit_tui.domain.errors import EtrakitError
from etrakit_tui.domain.models import InspectionStatus, PermitStatus, metadata
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

# --------------------------------------------------------------------------- rows


@dataclass(frozen=True, slots=True)
class _InsertPlan:
    sql: str
    positional: bool
    names: tuple[str, ...]  # parameter names, in the statement's order
    defaults: dict[str, Any]  # for columns a row may leave out
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]


_PLANS: dict[tuple[str, str], _InsertPlan] = {}


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
        out = _AS_TEXT[v] = v.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
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


def _plan_for(table: Table, dialect: Dialect) -> _InsertPlan:
    """The table's INSERT compiled once for the dialect (computed columns left to the
    database), with each column's bind processor: how SQLAlchemy itself converts dates,
    timestamps and booleans for this driver."""
    key = (table.name, dialect.name)
    if key not in _PLANS:
        columns = [c for c in table.columns if c.computed is None]
        compiled = table.insert().compile(dialect=dialect, column_keys=[c.key for c in columns])
        names = (
            tuple(compiled.positiontup or ())
            if compiled.positional
            else tuple(c.key for c in columns)
        )
        defaults = {
            c.key: getattr(c.default, "arg", None)
            if c.default is not None and c.default.is_scalar
            else None
            for c in columns
        }
        processors = []
        for i, name in enumerate(names):
            processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors.append((i, _same_but_faster(processor)))
        _PLANS[key] = _InsertPlan(
            str(compiled), compiled.positional, names, defaults, tuple(processors)
        )
    return _PLANS[key]


def insert_rows(conn: Connection, table: Table, rows: list[Row]) -> None:
    """``executemany`` of plain dicts, converted the way SQLAlchemy converts them but
    without its per-row statement bookkeeping. Columns a row leaves out get their scalar
    default (or NULL)."""
    plan = _plan_for(table, conn.dialect)
    missing = {k: v for k, v in plan.defaults.items() if k not in rows[0]}
    get = itemgetter(*plan.names)
    for start in range(0, len(rows), CHUNK):
        params: list[Any] = []
        for row in rows[start : start + CHUNK]:
            if missing:
                row = {**missing, **row}
            values = list(get(row))
            for i, convert in plan.processors:
                values[i] = convert(values[i])
            params.append(
                tuple(values) if plan.positional else dict(zip(plan.names, values, strict=True))
            )
        conn.exec_driver_sql(plan.sql, params)


class RowWriter:
    """Buffers the rows of one transaction, giving each its id, then inserts each table's
    rows with ``executemany``, parents before children."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._next: dict[str, int] = {}
        self._rows: dict[str, list[Row]] = defaultdict(list)
        self._written: set[str] = set()

    def add(self, table: str, row: Row) -> int:
        if table not in self._next:
            column = metadata.tables[table].c.id
            self._next[table] = (
                int(self.session.execute(select(func.max(column))).scalar() or 0) + 1
            )
        row_id = self._next[table]
        self._next[table] = row_id + 1
        row["id"] = row_id
        self._rows[table].append(row)
        return row_id

    def flush(self) -> None:
        conn = self.session.connection()
        for table in metadata.sorted_tables:
            rows = self._rows.pop(table.name, None)
            if rows:
                insert_rows(conn, table, rows)
                self._written.add(table.name)

    def finish(self) -> None:
        """Insert what is buffered; on PostgreSQL move each id sequence past the new ids."""
        self.flush()
        conn = self.session.connection()
        if conn.dialect.name != "postgresql":
            return
        for name in sorted(self._written):
            top = select(func.max(metadata.tables[name].c.id)).scalar_subquery()
            conn.execute(select(func.setval(func.pg_get_serial_sequence(name, "id"), top)))


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

    def settle(self, session: Session) -> None:
        """After the writer's rows are in: add the places taken in slots written earlier."""
        t = metadata.tables["inspection_slot"]
        for slot in self._dirty:
            slot.row = None
            if slot.delta:
                session.connection().execute(
                    update(t).where(t.c.id == slot.id).values(booked=t.c.booked + slot.delta)
                )
                slot.delta = 0
        self._dirty.clear()


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


def _workday(j: Jurisdiction, d: date) -> bool:
    """:func:`calendar.is_business_day`, remembered (the generator asks millions of times)."""
    key = (j.holiday_country, j.holiday_subdivision, j.business_weekdays)
    memo = _WORKDAYS.setdefault(key, {})
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
            t.visits.append(Visit(index, day, rng.choices(FAILURES, FAILURE_WEIGHTS)[0]))


def open_days(j: Jurisdiction, now: datetime) -> list[date]:
    """Days an open inspection may fall on now: today (if a business day) and every date
    that may be requested."""
    today = local_today(j, now)
    return ([today] if is_business_day(j, today) else []) + requestable_dates(j, now)
