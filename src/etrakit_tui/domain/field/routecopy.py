"""Copying an inspector's route for one day from the city's database into a field file:
the day's inspections assigned to them and what the screens show about each (permit,
parcel, contacts and their companies, inspection types, conditions, fees and payments,
reviews, attachments' names, the requests, earlier inspections of those permits and their
inspectors), FK-consistent. Password and PIN hashes are never copied; attachments' bytes
are left at the city.

The same copy refreshes the route at each sync: rows are upserted by primary key, and an
inspection with a result still waiting on the laptop is left as the inspector made it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from etrakit_tui.domain.field.fieldfile import UNUSABLE_HASH
from etrakit_tui.domain.store.models import metadata

CHUNK = 500

# parents before children (the file's foreign keys are enforced)
ORDER = (
    "company",
    "staff_user",
    "parcel",
    "permit",
    "permit_contact",
    "inspection_type",
    "inspection_prerequisite",
    "inspection_slot",
    "inspection_request",
    "inspection",
    "review",
    "condition",
    "attachment",
    "fee",
    "payment",
)
LEFT_AT_THE_CITY = {("attachment", "data")}
"""Columns never read for the field file (an attachment's bytes: its name is listed)."""
BY_PERMIT = ("permit_contact", "review", "condition", "attachment", "fee", "payment")


def table(name: str) -> Table:
    return metadata.tables[name]


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    wanted = sorted({i for i in ids if i is not None})
    for start in range(0, len(wanted), CHUNK):
        yield wanted[start : start + CHUNK]


@dataclass
class RouteRows:
    """The rows to write into the field file, by table name (dicts of column values)."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    route_ids: list[int] = field(default_factory=list)

    def of(self, name: str) -> list[dict[str, Any]]:
        return self.rows.setdefault(name, [])


def _select(conn: Connection, name: str, column: str, ids: Iterable[int]) -> list[dict[str, Any]]:
    t = table(name)
    wanted = [c for c in t.columns if (name, c.name) not in LEFT_AT_THE_CITY]
    found: list[dict[str, Any]] = []
    for chunk in _chunks(ids):
        query = select(*wanted).where(t.c[column].in_(chunk)).order_by(*t.primary_key.columns)
        found += [dict(r._mapping) for r in conn.execute(query)]
    return found


def _scrub(name: str, row: dict[str, Any]) -> dict[str, Any]:
    """No secret leaves the city: no password or PIN hash, no attachment bytes."""
    if name == "staff_user":
        row["password_hash"] = UNUSABLE_HASH
    elif name == "company":
        row.update(password_hash=UNUSABLE_HASH, pin_hash=None, pin_expires_at=None)
    elif name == "attachment":
        row["data"] = None  # not read (LEFT_AT_THE_CITY): the column is nullable
    return row


def read_route(conn: Connection, inspector_id: int, day: date, known: Iterable[int]) -> RouteRows:
    """Everything the field file needs for ``inspector_id``'s route on ``day``, and the
    inspections it already holds (``known``: to bring down a cancellation or a
    reassignment)."""
    out = RouteRows()
    insp = table("inspection")
    route = select(insp.c.id).where(
        insp.c.inspector_id == inspector_id, insp.c.requested_date == day
    )
    out.route_ids = sorted(conn.execute(route).scalars())
    wanted = set(out.route_ids) | set(known)
    permit_ids = {r["permit_id"] for r in _select(conn, "inspection", "id", wanted)}
    inspections = _select(conn, "inspection", "permit_id", permit_ids)
    permits = _select(conn, "permit", "id", permit_ids)
    out.rows["inspection"] = inspections
    out.rows["permit"] = permits
    out.rows["parcel"] = _select(conn, "parcel", "id", (p["parcel_id"] for p in permits))
    for name in BY_PERMIT:
        out.rows[name] = _select(conn, name, "permit_id", permit_ids)
    requests = _select(conn, "inspection_request", "id", (i["request_id"] for i in inspections))
    out.rows["inspection_request"] = requests
    out.rows["inspection_slot"] = _select(
        conn, "inspection_slot", "id", (i["slot_id"] for i in inspections)
    )
    company_ids = [c["company_id"] for c in out.of("permit_contact")]
    company_ids += [r["company_id"] for r in requests]
    out.rows["company"] = _select(conn, "company", "id", company_ids)
    staff_ids = [inspector_id, *(i["inspector_id"] for i in inspections)]
    staff_ids += [p["recorded_by_id"] for p in out.of("payment")]
    out.rows["staff_user"] = _select(conn, "staff_user", "id", staff_ids)
    for name in ("inspection_type", "inspection_prerequisite"):
        out.rows[name] = [dict(r._mapping) for r in conn.execute(select(table(name)))]
    for name, rows in out.rows.items():
        out.rows[name] = [_scrub(name, r) for r in rows]
    return out


def write_route(conn: Connection, rows: RouteRows, *, keep: set[int]) -> None:
    """Upsert ``rows`` into the field file (one transaction: the caller's), parents first.
    Inspections in ``keep`` (results waiting to be sent) are left as they are."""
    for name in ORDER:
        t = table(name)
        values = rows.rows.get(name, [])
        if name == "inspection":
            values = [v for v in values if v["id"] not in keep]
        if not values:
            continue
        writable = [c.name for c in t.columns if c.computed is None]
        keys = [c.name for c in t.primary_key.columns]
        for start in range(0, len(values), CHUNK):
            batch = [{k: v[k] for k in writable} for v in values[start : start + CHUNK]]
            stmt = sqlite_insert(t)
            update = {k: stmt.excluded[k] for k in writable if k not in keys}
            stmt = (
                stmt.on_conflict_do_update(index_elements=keys, set_=update)
                if update
                else stmt.on_conflict_do_nothing(index_elements=keys)
            )
            conn.execute(stmt, batch)
