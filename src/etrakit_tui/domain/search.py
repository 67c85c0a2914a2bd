"""Search permits & plan reviews: by permit number, address or parcel number (APN).

* number: prefix, case-insensitive, as an index-friendly range on the uppercased query
  (``number >= 'B19' AND number < 'B1:'``);
* address: case-insensitive substring (addresses are stored uppercase);
* APN: prefix or exact, with or without dashes.

Results carry public fields only, so any signed-in actor may see any permit here; ``is_mine``
and ``can_open`` tell the screen which rows open a detail. Pages are keyset-paged on
(sort value, permit number) — never OFFSET — so any page is as fast as the first.

The ordering and the prefix ranges assume code-point string order: SQLite's default, and
PostgreSQL with a ``C``/``C.UTF-8`` collation (how the tests create it).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, tuple_
from sqlmodel import col, select

from etrakit_tui.domain.access import may_see_public, visible_among
from etrakit_tui.domain.actors import Actor, ActorKind
from etrakit_tui.domain.db import Database
from etrakit_tui.domain.errors import NotFound, ValidationFailed
from etrakit_tui.domain.models import Parcel, Permit
from etrakit_tui.domain.readmodels import Page, SearchHit, SearchKey, SearchKind
from etrakit_tui.text import has_unsafe_characters

MAX_QUERY = 100
MAX_LIMIT = 500

_EXAMPLES = (
    "B1906-174",
    "B19",
    "A1806",
    "3800 THORN",
    "FLORIDA",
    "448-123-017",
    "448123",
)

_NUMBER_LIKE = re.compile(r"^[A-Z]\d{0,4}(-\d{0,3})?$")
_APN_LIKE = re.compile(r"^[\d-]+$")


def search_examples() -> list[str]:
    """Queries that show what search understands (one key away on the search screen)."""
    return list(_EXAMPLES)


def has_control_chars(text: str) -> bool:
    """Control, bidi and line/paragraph separator characters: refused at the door
    (the shared safe-text rule, plus U+2028/U+2029 which end a line in some terminals)."""
    return has_unsafe_characters(text) or any(
        unicodedata.category(ch) in ("Zl", "Zp") for ch in text
    )


def classify(query: str) -> SearchKind:
    """What an ``auto`` query means: a permit number prefix (``B19``), a parcel number
    (digits with dashes, or six digits or more), otherwise an address fragment."""
    text = query.strip().upper()
    if _NUMBER_LIKE.match(text):
        return SearchKind.NUMBER
    if _APN_LIKE.match(text) and ("-" in text or len(text) >= 6):
        return SearchKind.APN
    return SearchKind.ADDRESS


def _successor(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def prefix_condition(column: Any, prefix: str) -> ColumnElement[bool]:
    """``column`` starts with ``prefix``, as a range an index can serve."""
    return and_(column >= prefix, column < _successor(prefix))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def apn_forms(query: str) -> list[str]:
    """The prefixes an APN query may be stored as: dashed ``448-123-0`` and bare digits."""
    digits = query.replace("-", "").replace(" ", "")
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    if len(groups) > 2:
        groups = [*groups[:2], "".join(groups[2:])]
    dashed = "-".join(groups)
    return [dashed] if dashed == digits else [dashed, digits]


def _validated(query: str, kind: SearchKind | str) -> tuple[str, SearchKind]:
    if has_control_chars(query):
        raise ValidationFailed({"query": "The search may not contain control characters."})
    text = " ".join(query.split()).upper()
    if not text:
        raise ValidationFailed({"query": "Enter a permit number, an address or a parcel number."})
    if len(text) > MAX_QUERY:
        raise ValidationFailed({"query": f"Use at most {MAX_QUERY} characters."})
    try:
        wanted = SearchKind(kind)
    except ValueError:
        raise ValidationFailed({"kind": "Search by number, address or parcel number."}) from None
    if wanted is SearchKind.AUTO:
        wanted = classify(text)
    if wanted is SearchKind.APN and not _APN_LIKE.match(text.replace(" ", "")):
        raise ValidationFailed({"query": "A parcel number has digits and dashes: 448-123-017."})
    return text, wanted


def search_permits(
    db: Database,
    actor: Actor,
    query: str,
    kind: SearchKind | str = SearchKind.AUTO,
    after: SearchKey | None = None,
    limit: int = 50,
) -> Page[SearchHit, SearchKey]:
    """One page of permits matching ``query``, public fields only.

    Pass the page's ``next_key`` as ``after`` for the next page. Refuses an empty query,
    one with control characters, or a too-long one (:class:`ValidationFailed` on ``query``).
    """
    text, wanted = _validated(query, kind)
    if not may_see_public(actor):
        raise NotFound("permit")
    limit = max(1, min(limit, MAX_LIMIT))
    if wanted is SearchKind.NUMBER:
        sort_col: Any = col(Permit.number)
        match = prefix_condition(col(Permit.number), text)
    elif wanted is SearchKind.APN:
        sort_col = col(Parcel.apn)
        match = or_(*(prefix_condition(col(Parcel.apn), form) for form in apn_forms(text)))
    else:
        sort_col = col(Parcel.address)
        match = col(Parcel.address).like(f"%{_escape_like(text)}%", escape="\\")
    # Address and APN searches match through the parcel: an inner join lets the database
    # start from the parcel's index; a number search keeps permits without a parcel.
    stmt = (
        select(Permit, Parcel)
        .join(
            Parcel,
            col(Permit.parcel_id) == col(Parcel.id),
            isouter=wanted is SearchKind.NUMBER,
        )
        .where(match)
        .order_by(sort_col, col(Permit.number))
        .limit(limit + 1)
    )
    if after is not None:
        stmt = stmt.where(tuple_(sort_col, col(Permit.number)) > tuple_(after[0], after[1]))
    with db.read() as session:
        found = session.exec(stmt).all()
        rows = found[:limit]
        ids = [p.id for p, _ in rows if p.id is not None]
        openable = visible_among(session, actor, ids)
    mine = openable if actor.kind is ActorKind.COMPANY else set()
    hits = tuple(_hit(permit, parcel, mine, openable) for permit, parcel in rows)
    next_key: SearchKey | None = None
    if len(found) > limit:
        last_permit, last_parcel = rows[-1]
        next_key = (_sort_value(wanted, last_permit, last_parcel), last_permit.number)
    return Page(items=hits, next_key=next_key)


def _sort_value(kind: SearchKind, permit: Permit, parcel: Parcel | None) -> str:
    if kind is SearchKind.NUMBER:
        return permit.number
    assert parcel is not None  # address and APN searches match through the parcel
    return parcel.apn if kind is SearchKind.APN else parcel.address


def _hit(permit: Permit, parcel: Parcel | None, mine: set[int], openable: set[int]) -> SearchHit:
    return SearchHit(
        number=permit.number,
        permit_type=permit.permit_type,
        status=permit.status,
        address=parcel.address if parcel else "",
        apn=parcel.apn if parcel else "",
        applied_on=permit.applied_on,
        issued_on=permit.issued_on,
        is_mine=permit.id in mine,
        can_open=permit.id in openable,
    )
