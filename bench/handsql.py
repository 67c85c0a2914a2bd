"""Hand-written SQL for the rows the read services return: the baseline of the data-time
ratios. Plain DBAPI (sqlite3 / psycopg) on one kept connection, one transaction per
screen, no ORM and no read models: rows come back as tuples. The same text runs on both
engines (``:name`` parameters are rewritten to ``%(name)s`` for psycopg).

The queries are what a careful person would write for the same screen: the page's ids
first (keyset, ``LIMIT``), then the page's rows with their fees and flags.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from etrakit_tui.domain.permits.search import FEW_PARCELS, apn_forms, fts_query
from etrakit_tui.domain.store.addressindex import MIN_FRAGMENT
from etrakit_tui.domain.store.db import Database

Rows = list[tuple[Any, ...]]

MINE = "p.id IN (SELECT permit_id FROM permit_contact WHERE company_id = :company)"
ACTIVE = (
    "p.status NOT IN ('FINALED', 'EXPIRED', 'VOID') "
    "AND (p.expires_on IS NULL OR p.expires_on >= :today)"
)
EXPIRED = (
    "(p.status = 'EXPIRED' OR (p.status NOT IN ('FINALED', 'VOID') AND p.expires_on < :today))"
)
OPEN = "i.status IN ('REQUESTED', 'SCHEDULED')"

COUNTS = f"""
SELECT COALESCE(SUM(CASE WHEN {ACTIVE} THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN {EXPIRED} THEN 1 ELSE 0 END), 0)
FROM permit p WHERE {MINE}"""


def _permit_page(condition: str) -> str:
    return f"""
WITH page AS (SELECT p.id FROM permit p WHERE {MINE} AND {condition}
              ORDER BY p.number LIMIT :limit)
SELECT p.number, pa.address, p.permit_type, p.status, p.expires_on, p.finaled_on, p.on_hold,
       (SELECT COALESCE(SUM(f.amount_cents), 0) FROM fee f WHERE f.permit_id = p.id)
       - (SELECT COALESCE(SUM(y.amount_cents), 0) FROM payment y WHERE y.permit_id = p.id),
       EXISTS (SELECT 1 FROM inspection_type t WHERE t.permit_type = p.permit_type)
FROM page JOIN permit p ON p.id = page.id LEFT JOIN parcel pa ON pa.id = p.parcel_id
ORDER BY p.number"""


ACTIVE_PAGE = _permit_page(ACTIVE)
EXPIRED_PAGE = _permit_page(EXPIRED)
INSPECTION_PAGE = f"""
WITH page AS (SELECT i.id FROM inspection i WHERE {OPEN} AND i.permit_id IN
                (SELECT permit_id FROM permit_contact WHERE company_id = :company)
              ORDER BY i.requested_date, i.period, i.id LIMIT :limit)
SELECT i.id, p.number, p.status, pa.address, t.name, i.requested_date, i.period, i.status,
       s.full_name
FROM page JOIN inspection i ON i.id = page.id JOIN permit p ON p.id = i.permit_id
LEFT JOIN parcel pa ON pa.id = p.parcel_id
JOIN inspection_type t ON t.id = i.inspection_type_id
LEFT JOIN staff_user s ON s.id = i.inspector_id
ORDER BY i.requested_date, i.period, i.id"""
INSPECTION_COUNT = f"""
SELECT COUNT(*) FROM inspection i WHERE {OPEN} AND i.permit_id IN
  (SELECT permit_id FROM permit_contact WHERE company_id = :company)"""

PERMIT = """
SELECT p.id, p.number, p.permit_type, p.subtype, p.description, p.status, p.applied_on,
       p.approved_on, p.issued_on, p.finaled_on, p.expires_on, p.on_hold, p.notes, p.parcel_id,
       EXISTS (SELECT 1 FROM permit_contact c WHERE c.permit_id = p.id
               AND c.company_id = :company),
       EXISTS (SELECT 1 FROM inspection_type t WHERE t.permit_type = p.permit_type)
FROM permit p WHERE p.number = :number"""
DETAIL = (
    "SELECT apn, address, city, zip, zoning, lot, tract, owner_name, district "
    "FROM parcel WHERE id = :parcel",
    "SELECT role, name, phone, email, company_id FROM permit_contact WHERE permit_id = :id "
    "ORDER BY id",
    'SELECT name, description, status, created_on FROM "condition" WHERE permit_id = :id '
    "ORDER BY created_on, id",
    "SELECT id, filename, size, uploaded_at, content_type FROM attachment "
    "WHERE permit_id = :id ORDER BY uploaded_at, id",
    "SELECT i.id, t.name, i.requested_date, i.period, i.status, s.full_name, i.comments, "
    "i.resulted_at FROM inspection i JOIN inspection_type t ON t.id = i.inspection_type_id "
    "LEFT JOIN staff_user s ON s.id = i.inspector_id WHERE i.permit_id = :id "
    "ORDER BY i.requested_date DESC, i.period DESC, i.id DESC",
    "SELECT code, description, amount_cents, assessed_on FROM fee WHERE permit_id = :id "
    "ORDER BY assessed_on, id",
    "SELECT amount_cents, method, reference, paid_at FROM payment WHERE permit_id = :id "
    "ORDER BY paid_at, id",
    "SELECT id, review_type, reviewer, status, submitted_on, due_on, completed_on, cycle, "
    "notes <> '' FROM review WHERE permit_id = :id ORDER BY submitted_on DESC, id DESC",
)
REVIEWS_BY_DUE = (
    "SELECT id, review_type, reviewer, status, submitted_on, due_on, completed_on, cycle, "
    "notes <> '' FROM review WHERE permit_id = :id "
    "ORDER BY CASE WHEN due_on IS NULL THEN 1 ELSE 0 END, due_on, id"
)

_HIT = (
    "SELECT p.number, p.permit_type, p.status, pa.address, pa.apn, p.applied_on, p.issued_on, "
    "EXISTS (SELECT 1 FROM permit_contact c WHERE c.permit_id = p.id "
    "AND c.company_id = :company) FROM permit p "
)
SEARCH_NUMBER = (
    _HIT + "LEFT JOIN parcel pa ON pa.id = p.parcel_id "
    "WHERE p.number >= :lo AND p.number < :hi ORDER BY p.number LIMIT :limit"
)
SEARCH_ADDRESS = (
    _HIT + "JOIN parcel pa ON pa.id = p.parcel_id "
    "WHERE pa.address LIKE :pattern ESCAPE '\\' ORDER BY pa.address, p.number LIMIT :limit"
)
# SQLite with the FTS5 trigram table (migration 0002): probe how many parcels match; a rare
# fragment starts from the index's parcels, a common one walks the address index in order
# (``pa.id + 0`` keeps the planner from starting at the permits).
FTS_PROBE = "SELECT rowid FROM parcel_address_fts WHERE parcel_address_fts MATCH :phrase LIMIT :few"


SEARCH_ADDRESS_FEW = (
    _HIT + "JOIN parcel pa ON pa.id = p.parcel_id "
    "WHERE pa.id IN (SELECT rowid FROM parcel_address_fts WHERE parcel_address_fts MATCH :phrase) "
    "AND pa.address LIKE :pattern ESCAPE '\\' ORDER BY pa.address, p.number LIMIT :limit"
)
# PostgreSQL: the same probe on the GIN trigram index; a common fragment is matched with
# ``strpos`` (which the planner cannot estimate) so it walks the address B-tree in order.
LIKE_PROBE = "SELECT id FROM parcel WHERE address LIKE :pattern ESCAPE '\\' LIMIT :few"
SEARCH_ADDRESS_IDS = (
    _HIT + "JOIN parcel pa ON pa.id = p.parcel_id WHERE pa.id = ANY(:ids) "
    "AND pa.address LIKE :pattern ESCAPE '\\' ORDER BY pa.address, p.number LIMIT :limit"
)
SEARCH_ADDRESS_SCAN = (
    _HIT + "JOIN parcel pa ON pa.id = p.parcel_id "
    "WHERE strpos(pa.address, :text) > 0 ORDER BY pa.address, p.number LIMIT :limit"
)
SEARCH_ADDRESS_WALK = (
    _HIT + "JOIN parcel pa ON pa.id + 0 = p.parcel_id "
    "WHERE pa.address LIKE :pattern ESCAPE '\\' ORDER BY pa.address, p.number LIMIT :limit"
)


def _search_apn(forms: int) -> str:
    ranges = " OR ".join(f"(pa.apn >= :lo{k} AND pa.apn < :hi{k})" for k in range(forms))
    return (
        _HIT + "JOIN parcel pa ON pa.id = p.parcel_id "
        f"WHERE {ranges} ORDER BY pa.apn, p.number LIMIT :limit"
    )


def _successor(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


class HandSql:
    """The hand-written queries on one DBAPI connection of ``db``'s engine."""

    def __init__(self, db: Database, page: int = 50) -> None:
        self.pg = db.engine.dialect.name == "postgresql"
        self.raw = db.engine.raw_connection()
        self.limit = page + 1  # one more than a page tells whether there is a next one
        self._sql: dict[str, str] = {}

    def close(self) -> None:
        self.raw.close()

    def _text(self, sql: str) -> str:
        if not self.pg:
            return sql
        found = self._sql.get(sql)
        if found is None:
            found = self._sql[sql] = re.sub(r"(?<!:):(\w+)", r"%(\1)s", sql)
        return found

    def _day(self, day: date) -> Any:
        return day if self.pg else day.isoformat()

    def _run(self, steps: Sequence[tuple[str, dict[str, Any]]]) -> list[Rows]:
        cursor = self.raw.cursor()
        out: list[Rows] = []
        if not self.pg:
            cursor.execute("BEGIN")
        try:
            for sql, params in steps:
                cursor.execute(self._text(sql), params)
                out.append(list(cursor.fetchall()))
        finally:
            if self.pg:
                self.raw.commit()
            else:
                cursor.execute("COMMIT")
        return out

    # ------------------------------------------------------------------ screens

    def dashboard(self, company: int, today: date) -> list[Rows]:
        """Counts, active permits, open inspections (+ count), expired permits."""
        p = {"company": company, "today": self._day(today), "limit": self.limit}
        return self._run(
            [
                (COUNTS, p),
                (ACTIVE_PAGE, p),
                (INSPECTION_PAGE, p),
                (INSPECTION_COUNT, p),
                (EXPIRED_PAGE, p),
            ]
        )

    def permit_detail(self, company: int, number: str) -> list[Rows]:
        """The permit (with the access check) and every tab's rows."""
        cursor = self.raw.cursor()
        if not self.pg:
            cursor.execute("BEGIN")
        try:
            cursor.execute(self._text(PERMIT), {"company": company, "number": number})
            permit = cursor.fetchone()
            if permit is None or not permit[14]:
                return []
            params = {"id": permit[0], "parcel": permit[13]}
            out: list[Rows] = [[tuple(permit)]]
            for sql in DETAIL:
                cursor.execute(self._text(sql), params)
                out.append(list(cursor.fetchall()))
            return out
        finally:
            if self.pg:
                self.raw.commit()
            else:
                cursor.execute("COMMIT")

    def reviews_by_due(self, company: int, number: str) -> Rows:
        """The permit's reviews, due date ascending, empty dates last."""
        cursor = self.raw.cursor()
        if not self.pg:
            cursor.execute("BEGIN")
        try:
            cursor.execute(self._text(PERMIT), {"company": company, "number": number})
            permit = cursor.fetchone()
            if permit is None or not permit[14]:
                return []
            cursor.execute(self._text(REVIEWS_BY_DUE), {"id": permit[0]})
            return list(cursor.fetchall())
        finally:
            if self.pg:
                self.raw.commit()
            else:
                cursor.execute("COMMIT")

    def search_number(self, company: int, prefix: str) -> Rows:
        p = {"company": company, "lo": prefix, "hi": _successor(prefix), "limit": self.limit}
        return self._run([(SEARCH_NUMBER, p)])[0]

    def search_address(self, company: int, fragment: str) -> Rows:
        pattern = "%" + fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        p = {"company": company, "pattern": pattern + "%", "limit": self.limit}
        if len(fragment) < MIN_FRAGMENT:
            return self._run([(SEARCH_ADDRESS, p)])[0]
        p["phrase"] = fts_query(fragment)
        p["text"] = fragment
        p["few"] = FEW_PARCELS + 1
        cursor = self.raw.cursor()
        if not self.pg:
            cursor.execute("BEGIN")
        try:
            cursor.execute(self._text(LIKE_PROBE if self.pg else FTS_PROBE), p)
            found = cursor.fetchall()
            few = len(found) <= FEW_PARCELS
            if self.pg:
                p["ids"] = [row[0] for row in found]
                sql = SEARCH_ADDRESS_IDS if few else SEARCH_ADDRESS_SCAN
            else:
                sql = SEARCH_ADDRESS_FEW if few else SEARCH_ADDRESS_WALK
            cursor.execute(self._text(sql), p)
            return list(cursor.fetchall())
        finally:
            if self.pg:
                self.raw.commit()
            else:
                cursor.execute("COMMIT")

    def search_apn(self, company: int, prefix: str) -> Rows:
        forms = apn_forms(prefix)
        p: dict[str, Any] = {"company": company, "limit": self.limit}
        for k, form in enumerate(forms):
            p[f"lo{k}"], p[f"hi{k}"] = form, _successor(form)
        return self._run([(_search_apn(len(forms)), p)])[0]
