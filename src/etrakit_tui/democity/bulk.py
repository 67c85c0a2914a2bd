"""``etrakit-tui demo-data --permits N --seed S``: bulk realistic permits for benchmarks.

:func:`generate` adds N permits with their companies (about one per 100 permits, at least
10; 10,000 from a million permits on), parcels, inspections (about three per permit),
reviews, fees, payments and contacts. One "big" company holds ``min(5000, N // 20)`` of
them. The same seed on the same database content gives the same rows; it runs on top of
whatever the database holds (the demo city, earlier runs): permit numbers continue after
the highest sequence used in each letter-month, APNs, license numbers and company names
are new to the database, and open inspections only take free places in their slots.

The histories come from :class:`~etrakit_tui.democity.citybuilder.CityBuilder` in its lean
mode (past inspections without their request form, fewer review disciplines, fee lines and
conditions) through a detached :class:`~etrakit_tui.democity.citygen.RowWriter` that owns the
ids and hands over each batch as tuples ready to bind. Where processes can fork, a child
process makes the batches while this one writes them (``executemany`` on SQLite, COPY on
PostgreSQL), one transaction per :data:`BATCH_PERMITS` permits; the rows are the same as
when one process does both. A batch that fails leaves nothing of itself behind, and the
batches written before it stay. Ids are read once at the start: nothing else should add
permits, inspections, ... while ``demo-data`` runs (a clash fails the batch, nothing more).
The company, parcel and staff rows come from :mod:`etrakit_tui.democity.rows`, as the demo's do.

Limit: the number format allows 999 numbers per letter a month, and we go back at most 90
years, so about 1.08 million ``B`` permits (some 1.35 million permits) fit in one database.
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import pickle
import queue
import random
import secrets
import time as clock
from collections.abc import Callable, Generator, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from itertools import accumulate, islice
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlmodel import Session

from etrakit_tui.democity.citybuilder import CityBuilder
from etrakit_tui.democity.citygen import (
    STATUS_WEIGHTS,
    TYPE_WEIGHTS,
    Batch,
    CityRandom,
    CompanyRef,
    Numberer,
    ParcelRef,
    PermitSpec,
    RowWriter,
    SlotBook,
    add_bookings,
    forget_conversions,
    next_ids,
    status_window,
    store,
)
from etrakit_tui.democity.rows import company_row, new_apn, parcel_row, staff_row
from etrakit_tui.domain import audit
from etrakit_tui.domain.accounts.actors import SYSTEM
from etrakit_tui.domain.accounts.hashing import hash_secret
from etrakit_tui.domain.errors import EtrakitError
from etrakit_tui.domain.inspections.calendar import local_today
from etrakit_tui.domain.permits import catalog
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import PermitStatus, StaffRole, metadata

T = TypeVar("T")

BATCH_PERMITS = 5_000
"""Permits written per transaction."""

PLAN_CHECK_SHARE = 0.18
"""Share of plan-checkable permits that are plan checks (``A...``)."""

MONTHS_BACK_LIMIT = 90 * 12
"""Permit numbers carry a two-digit year: never go back a full century."""


@dataclass(frozen=True, slots=True)
class BulkSummary:
    """What one ``demo-data`` run added."""

    permits: int
    companies: int
    parcels: int
    inspections: int
    reviews: int
    fees: int
    seconds: float

    def __str__(self) -> str:
        return (
            f"added {self.permits:,} permits, {self.companies:,} companies, "
            f"{self.parcels:,} parcels, {self.inspections:,} inspections, "
            f"{self.reviews:,} reviews, {self.fees:,} fees"
        )


@dataclass(frozen=True, slots=True)
class _Planned:
    number: str
    permit_type: str
    status: str
    applied_on: date
    big: bool


# --------------------------------------------------------------------------- numbers


def _letter_counts(permits: int) -> dict[str, int]:
    """How many of ``permits`` get each number letter (exact, deterministic)."""
    share: dict[str, float] = {}
    total = sum(TYPE_WEIGHTS.values())
    for ptype, weight in TYPE_WEIGHTS.items():
        p = weight / total
        if ptype in catalog.PLAN_CHECK_TYPES:
            share[catalog.PLAN_CHECK_LETTER] = share.get("A", 0.0) + p * PLAN_CHECK_SHARE
            p *= 1 - PLAN_CHECK_SHARE
        letter = catalog.PERMIT_LETTERS[ptype]
        share[letter] = share.get(letter, 0.0) + p
    counts = {letter: math.floor(permits * p) for letter, p in share.items()}
    counts["B"] += permits - sum(counts.values())
    return counts


def _months_back(today: date, n: int) -> Iterator[tuple[int, int]]:
    year, month = today.year, today.month
    for _ in range(n):
        yield year, month
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)


def _allocate(
    numberer: Numberer, counts: dict[str, int], today: date
) -> list[tuple[int, int, str, int]]:
    """Spread each letter's permits over months, newest first, after the numbers already
    used: ``[(year, month, letter, count)]`` in calendar order. A letter gets at most ~900
    numbers a month, and at least three years are used, so dates look like a city's."""
    span = max(36, math.ceil(max(counts.values()) / 900))
    months = list(_months_back(today, MONTHS_BACK_LIMIT))
    taken: dict[tuple[int, int, str], int] = {}
    for letter, wanted in sorted(counts.items()):
        target = math.ceil(wanted / span) if wanted else 0
        left = wanted
        for limit in (target, 999):  # then fill whatever room is left
            for year, month in months:
                if left == 0:
                    break
                have = taken.get((year, month, letter), 0)
                take = min(limit - have, numberer.room(letter, year, month) - have, left)
                if take > 0:
                    taken[(year, month, letter)] = have + take
                    left -= take
        if left:
            raise EtrakitError(
                f"not enough free permit numbers for {wanted:,} more '{letter}' permits "
                f"(the format allows 999 a month)"
            )
    return sorted((y, m, lt, c) for (y, m, lt), c in taken.items())


def _types_for(letter: str) -> tuple[list[str], list[int]]:
    """The permit types numbered with ``letter`` and their cumulative weights."""
    if letter == catalog.PLAN_CHECK_LETTER:
        types = list(catalog.PLAN_CHECK_TYPES)
    else:
        types = [t for t, lt in catalog.PERMIT_LETTERS.items() if lt == letter]
    return types, list(accumulate(TYPE_WEIGHTS[t] for t in types))


@cache
def _status_table(ptype: str, expiry_days: int) -> tuple[int, list[tuple[list[str], list[int]]]]:
    """For each age up to the last window edge (older ages choose alike): the statuses
    plausible at that age and their cumulative weights."""
    windows = [(s, w, *status_window(s, ptype, expiry_days)) for s, w in STATUS_WEIGHTS.items()]
    cap = max(x for _, _, low, high in windows for x in (low, high) if x is not None) + 1
    table = []
    for age in range(cap + 1):
        fits = [
            (s, w) for s, w, low, high in windows if low <= age and (high is None or age <= high)
        ]
        table.append(([s for s, _ in fits], list(accumulate(w for _, w in fits))))
    return cap, table


def _status_for(rng: random.Random, ptype: str, age: int, expiry_days: int) -> str:
    cap, table = _status_table(ptype, expiry_days)
    statuses, cumulative = table[min(age, cap)] if age >= 0 else ([], [])
    if not statuses:
        return PermitStatus.APPLIED
    return rng.choices(statuses, cum_weights=cumulative)[0]


def _plan(
    rng: random.Random, permits: int, numberer: Numberer, today: date, expiry_days: int
) -> Iterator[_Planned]:
    """Every permit to write, oldest month first, numbered after what exists."""
    blocks = _allocate(numberer, _letter_counts(permits), today)
    big = set(rng.sample(range(permits), min(5000, permits // 20)))
    index = 0
    for year, month, letter, count in blocks:
        first = date(year, month, 1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        last = min(last, today)
        days = (last - first).days
        types, cumulative = _types_for(letter)
        for k in range(count):
            applied = first + timedelta(days=days * k // max(count, 1))
            ptype = rng.choices(types, cum_weights=cumulative)[0]
            status = _status_for(rng, ptype, (today - applied).days, expiry_days)
            number = numberer.next(letter, applied)
            yield _Planned(number, ptype, status, applied, index in big)
            index += 1


# --------------------------------------------------------------------------- companies


def _company_name(rng: random.Random, trade: str, taken: set[str]) -> str:
    words = catalog.TRADE_WORDS[trade]
    for attempt in range(60):
        parts = [rng.choice(catalog.COMPANY_PREFIXES)]
        if attempt >= 20:
            parts.append(rng.choice(catalog.COMPANY_PREFIXES))
        parts += [rng.choice(words), rng.choice(catalog.COMPANY_SUFFIXES)]
        name = " ".join(parts)
        if name not in taken:
            taken.add(name)
            return name
    name = f"{rng.choice(catalog.COMPANY_PREFIXES)} {rng.choice(words)} {len(taken)}"
    taken.add(name)
    return name


def _companies(
    rng: random.Random, writer: RowWriter, count: int, now: datetime, session: Session
) -> list[tuple[CompanyRef, str]]:
    """Create ``count`` companies (names and license numbers new to the database)."""
    table = metadata.tables["company"]
    names = {str(n).upper() for n in session.execute(select(table.c.name)).scalars()}
    licenses = {str(n) for n in session.execute(select(table.c.license_no)).scalars()}
    trades, weights = list(TYPE_WEIGHTS), list(TYPE_WEIGHTS.values())
    made: list[tuple[CompanyRef, str]] = []
    for _ in range(count):
        trade = rng.choices(trades, weights)[0]
        name = _company_name(rng, trade, names)
        license_no = str(rng.randint(400_000, 1_099_999))
        while license_no in licenses:
            license_no = str(rng.randint(400_000, 1_099_999))
        licenses.add(license_no)
        row = company_row(rng, name, license_no, now)
        ref = CompanyRef(
            writer.add("company", row),
            name,
            row["phone"],
            row["email"],
            rng.choice(catalog.FIRST_NAMES) + " " + rng.choice(catalog.LAST_NAMES),
        )
        made.append((ref, trade))
    return made


def _inspectors(
    session: Session, writer: RowWriter, districts: tuple[str, ...], now: datetime
) -> tuple[dict[str, list[int]], int | None]:
    """Inspectors by district (created, one per district, if there are none) and the
    staff account payments are recorded by."""
    table = metadata.tables["staff_user"]
    rows = session.execute(select(table.c.id, table.c.role, table.c.district)).all()
    by_district: dict[str, list[int]] = {}
    for row_id, role, district in rows:
        if role == StaffRole.INSPECTOR:
            by_district.setdefault(district or "", []).append(row_id)
    if not by_district:
        unusable = hash_secret(secrets.token_urlsafe(24))  # staff reset it to sign in
        taken = {str(r) for r in session.execute(select(table.c.username)).scalars()}
        for district in districts:
            username = f"insp.{district.lower()}"
            if username in taken:
                continue
            row = staff_row(
                username,
                f"{district} DISTRICT INSPECTOR",
                StaffRole.INSPECTOR,
                unusable,
                now,
                district=district,
            )
            by_district.setdefault(district, []).append(writer.add("staff_user", row))
    cashier = next((r for r, role, _ in rows if role == StaffRole.STAFF), None)
    return by_district, cashier


# --------------------------------------------------------------------------- generate


def _counts(session: Session) -> dict[str, int]:
    names = ("permit", "company", "parcel", "inspection", "review", "fee")
    return {
        n: int(session.execute(select(func.count()).select_from(metadata.tables[n])).scalar_one())
        for n in names
    }


def generate(
    db: Database,
    permits: int,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
    *,
    parallel: bool | None = None,
) -> BulkSummary:
    """Add ``permits`` realistic permits (and their companies, parcels, inspections,
    reviews, fees, contacts) to ``db``. The same seed on the same database content gives
    the same rows. One transaction per :data:`BATCH_PERMITS` permits; ``progress(done,
    total)`` after each. ``parallel`` (default: where processes can fork) makes the rows
    in a child process while this one writes them; the rows are the same either way."""
    if permits < 1:
        raise EtrakitError("the number of permits must be at least 1")
    if parallel is None:
        parallel = "fork" in multiprocessing.get_all_start_methods()
    collecting = gc.isenabled()
    gc.disable()  # millions of small dicts and no cycles: collections would only cost time
    try:
        return _generate(db, permits, seed, progress, parallel)
    finally:
        forget_conversions()
        if collecting:
            gc.enable()


_Made = tuple[int, Batch, list[tuple[int, int]]]
"""Permits made so far, the rows of the batch, the places taken in earlier slots."""


def _generate(
    db: Database,
    permits: int,
    seed: int,
    progress: Callable[[int, int], None] | None,
    parallel: bool,
) -> BulkSummary:
    started = clock.perf_counter()
    rng = CityRandom(seed)
    j = db.jurisdiction
    now = db.now()
    today = local_today(j, now)
    company_count = 10_000 if permits >= 1_000_000 else max(10, permits // 100)

    with db.write() as s:
        before = _counts(s)
        type_ids = catalog.ensure_catalog(s)
        writer = RowWriter(s)
        inspectors, cashier = _inspectors(s, writer, j.districts, now)
        companies = _companies(rng, writer, company_count, now, s)
        writer.finish()
        numberer = Numberer.load(s)
        slots = SlotBook(j.slot_capacity, share=0.5)
        slots.load(s)
        apns = {str(a) for a in s.execute(select(metadata.tables["parcel"].c.apn)).scalars()}
        ids = next_ids(s)
        dialect = s.connection().dialect

    builder = CityBuilder(j, now, rng, type_ids, slots, inspectors, cashier, open_share=0.3)
    builder.past_requests = False  # only open inspections come with their request form
    builder.lean = True
    plan = _plan(rng, permits, numberer, today, j.expiry_days)
    made = _make(builder, RowWriter(None, ids=ids, dialect=dialect), plan, companies, apns)
    source = _in_child(made) if parallel else made
    with closing(source):  # on a failure here the child process stops at once
        for done, batch, deltas in source:
            with db.write() as s:
                conn = s.connection()
                store(conn, batch)
                add_bookings(conn, deltas)
                if done >= permits:
                    audit.record(
                        s,
                        SYSTEM,
                        "demo.bulk",
                        at=now,
                        target=f"seed {seed}",
                        detail=f"{permits} permits, {company_count} companies",
                    )
            if progress is not None:
                progress(done, permits)

    with db.read() as s:
        after = _counts(s)
    added = {k: after[k] - before[k] for k in after}
    return BulkSummary(
        permits=added["permit"],
        companies=added["company"],
        parcels=added["parcel"],
        inspections=added["inspection"],
        reviews=added["review"],
        fees=added["fee"],
        seconds=clock.perf_counter() - started,
    )


def _make(
    builder: CityBuilder,
    writer: RowWriter,
    plan: Iterator[_Planned],
    companies: list[tuple[CompanyRef, str]],
    apns: set[str],
) -> Generator[_Made, None, None]:
    """The planned permits, :data:`BATCH_PERMITS` at a time, as rows ready to bind (no
    database access: ``writer`` owns the ids)."""
    rng, j = builder.rng, builder.j
    big_company = companies[0][0]
    by_trade: dict[str, list[CompanyRef]] = {}
    for ref, trade in companies[1:] or companies:
        by_trade.setdefault(trade, []).append(ref)
    others = [ref for ref, _ in companies[1:]] or [big_company]
    recent_parcels: list[ParcelRef] = []
    done = 0
    while True:
        builder.begin(None, writer=writer)
        for p in islice(plan, BATCH_PERMITS):
            if recent_parcels and rng.random() < 0.45:
                parcel = rng.choice(recent_parcels)
            else:
                parcel = builder.parcel(parcel_row(rng, new_apn(rng, apns), j.districts))
                if len(recent_parcels) < 20_000:
                    recent_parcels.append(parcel)
                else:
                    recent_parcels[rng.randrange(20_000)] = parcel
            if p.big:
                contractor = big_company
            else:
                pool = by_trade.get(p.permit_type)
                contractor = rng.choice(pool if pool and rng.random() < 0.75 else others)
            builder.permit(
                PermitSpec(p.number, p.permit_type, p.status, p.applied_on, parcel, contractor)
            )
            done += 1
        batch, deltas = builder.take()
        if not batch:
            return
        yield done, batch, deltas


# --------------------------------------------------------------------------- two processes


def _in_child(items: Iterator[T]) -> Generator[T, None, None]:
    """``items`` made in a forked child process while the caller consumes them (two
    cores: one makes rows, one writes). At most two items wait between the processes."""
    context = multiprocessing.get_context("fork")
    channel: Any = context.Queue(maxsize=2)
    child = context.Process(target=_produce, args=(items, channel), daemon=True)
    child.start()
    kind = ""
    try:
        while True:
            try:
                kind, payload = channel.get(timeout=1.0)
            except queue.Empty:
                if child.is_alive():
                    continue
                try:  # it may have finished just now: what it sent is in the pipe
                    kind, payload = channel.get(timeout=1.0)
                except queue.Empty:
                    raise EtrakitError(
                        f"the generator process stopped unexpectedly (exit code {child.exitcode})"
                    ) from None
            if kind == "item":
                yield payload
            elif kind == "error":
                raise payload
            else:
                break
    finally:
        if child.is_alive() and kind != "end":
            child.terminate()
        child.join()
        channel.close()


def _produce(items: Iterator[Any], channel: Any) -> None:
    """The child's side of :func:`_in_child`: each item, then ``end`` (or the error)."""
    try:
        for item in items:
            channel.put(("item", item))
    except Exception as exc:  # every failure goes to the parent, which raises it
        error: Exception = exc
        try:
            pickle.dumps(exc)
        except Exception:
            error = EtrakitError(f"generating the rows failed: {type(exc).__name__}: {exc}")
        channel.put(("error", error))
    else:
        channel.put(("end", None))
