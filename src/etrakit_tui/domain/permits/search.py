"""Search permits & plan reviews: by permit number, address or parcel number (APN).

* number: prefix, case-insensitive, as an index-friendly range on the uppercased query
  (``number >= 'B19' AND number < 'B1:'``);
* address: case-insensitive substring (addresses are stored uppercase), answered from a
  trigram index (:mod:`addressindex`) when the fragment has 3 characters or more;
* APN: prefix or exact, with or without dashes.

Results carry public fields only, so any signed-in actor may see any permit here; ``is_mine``
and ``can_open`` tell the screen which rows open a detail. Pages are keyset-paged on
(sort value, permit number) — never OFFSET — so any page is as fast as the first.

The ordering and the prefix ranges assume code-point string order: SQLite's default, and
PostgreSQL with a ``C``/``C.UTF-8`` collation (how the tests create it).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    String,
    and_,
    any_,
    bindparam,
    column,
    func,
    or_,
    select,
    table,
    tuple_,
)
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, col

from etrakit_tui.domain.accounts.actors import Actor, ActorKind
from etrakit_tui.domain.errors import NotFound, ValidationFailed
from etrakit_tui.domain.permits.access import contact_exists, may_see_public, private_scope
from etrakit_tui.domain.permits.views import Page, SearchHit, SearchKey, SearchKind
from etrakit_tui.domain.store.addressindex import FTS_TABLE, MIN_FRAGMENT
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import Parcel, Permit
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

_FTS = table(FTS_TABLE, column("rowid"), column(FTS_TABLE))
"""SQLite: the FTS5 trigram table of parcel addresses (migration ``0002``)."""

FEW_PARCELS = 400
"""SQLite: an address fragment found on at most this many parcels is read from the trigram
index and sorted; a more common one walks the address index in order (a page fills up
within roughly ``page x parcels / matches`` entries). Near where the two cost the same at
10^5-10^6 permits."""

_NUMBER_LIKE = re.compile(r"^[A-Z]\d{0,4}(-\d{0,3})?$")
_APN_LIKE = re.compile(r"^[\d-]*\d[\d-]*$")  # at least one digit: "--" is no parcel


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


class AddressPlan(StrEnum):
    """How an address search reaches its parcels (see :func:`probe_address`)."""

    LIKE = "like"  # PostgreSQL: LIKE, served by the GIN trigram index
    IDS = "ids"  # PostgreSQL: the few parcels the GIN trigram probe found (bound ids)
    SCAN = "scan"  # PostgreSQL: walk the address index in order, ``strpos`` on each
    FEW = "few"  # SQLite: the few parcels the FTS5 trigram table finds, then sorted
    WALK = "walk"  # SQLite: walk the address index in order, LIKE on each


def _fts_phrase(text: str) -> str:
    """An FTS5 query: ``text`` as one quoted phrase (with the trigram tokenizer: a substring)."""
    return '"' + text.replace('"', '""') + '"'


def _fts_pieces(text: str) -> list[str]:
    """Substrings of ``text`` that each address containing ``text`` contains too: every
    word of 3 characters or more, and each run of shorter words (``"N SO"`` of
    ``"442 N SO"``); a run still under 3 characters joins its neighbouring word
    (``"442 N"``). Dropping the short words would leave ``"442"`` alone, found on
    thousands of parcels, and send a rare fragment down the slow walk."""
    pieces: list[str] = []
    pending = ""  # a too-short run waiting for the word after it
    run: list[str] = []

    def close_run() -> None:
        nonlocal pending
        if not run:
            return
        joined = " ".join(run)
        run.clear()
        if len(joined) >= MIN_FRAGMENT:
            pieces.append(joined)
        elif pieces:
            pieces[-1] = f"{pieces[-1]} {joined}"
        else:
            pending = joined

    for word in text.split(" "):
        if len(word) < MIN_FRAGMENT:
            run.append(word)
            continue
        close_run()
        pieces.append(f"{pending} {word}" if pending else word)
        pending = ""
    close_run()
    return pieces


def fts_query(text: str) -> str:
    """The FTS5 query for the candidates of address fragment ``text``: each piece of
    :func:`_fts_pieces` as a substring (``"442" AND "N SO"``), or the whole fragment as
    one phrase when it has none. A superset of the addresses containing ``text`` (``LIKE``
    keeps the exact meaning), and cheaper than the whole phrase: the trigrams across the
    spaces between words (``" S "``, ``"ST "``) are in most addresses."""
    pieces = _fts_pieces(text)
    if not pieces:
        return _fts_phrase(text)
    return " AND ".join(_fts_phrase(piece) for piece in pieces)


_PHRASE = bindparam("phrase", type_=String)


_FTS_PROBE = (
    select(_FTS.c.rowid)
    .where(_FTS.c[FTS_TABLE].op("MATCH")(_PHRASE))
    .limit(bindparam("few", type_=Integer))
)


_LIKE_PROBE = (
    select(col(Parcel.id))
    .where(col(Parcel.address).like(bindparam("pattern", type_=String), escape="\\"))
    .limit(bindparam("few", type_=Integer))
)


def probe_address(source: Session | Connection, text: str) -> tuple[AddressPlan, list[int]]:
    """How to find the parcels whose address contains ``text`` (uppercase), and the parcel
    ids the probe found (:attr:`AddressPlan.FEW` reads them).

    * PostgreSQL: the GIN ``gin_trgm_ops`` index is probed the same way (``LIKE``, up to
      :data:`FEW_PARCELS` + 1 parcels). A rare fragment reads the probe's parcels by id
      (bound as one array: the GIN index is not read twice). A common one is matched with
      ``strpos``, which the planner cannot estimate, so it walks the address B-tree in
      order: its estimate for a
      long ``LIKE`` ("MEADOWLARK": 55 parcels, in fact 9,165) made it read every match from
      the GIN index and sort them (~100 ms at 10^6 permits instead of ~5).
    * SQLite: the FTS5 trigram table is probed for up to :data:`FEW_PARCELS` + 1 parcels
      (a MATCH of :func:`fts_query`: a ``LIKE`` with ``ESCAPE`` is not passed to FTS5). A rare
      fragment ("3800 THOR") reads its few parcels from the index and sorts them; a
      common one ("FLORIDA") walks the address index in order, where a page fills up
      after a few hundred entries. ``LIKE`` keeps the exact meaning in both.
    * A fragment shorter than :data:`addressindex.MIN_FRAGMENT` (3) characters has no
      trigram: it stays a scan of the addresses (in address order) on both engines.
    """
    conn = source.connection() if isinstance(source, Session) else source
    sqlite = conn.dialect.name == "sqlite"
    if len(text) < MIN_FRAGMENT:
        return (AddressPlan.WALK if sqlite else AddressPlan.LIKE), []
    if sqlite:
        params = {"phrase": fts_query(text), "few": FEW_PARCELS + 1}
        found = conn.execute(_FTS_PROBE, params).all()
        return (AddressPlan.WALK if len(found) > FEW_PARCELS else AddressPlan.FEW), []
    params = {"pattern": like_pattern(text), "few": FEW_PARCELS + 1}
    ids = [i for i in conn.execute(_LIKE_PROBE, params).scalars() if i is not None]
    return (AddressPlan.SCAN, []) if len(ids) > FEW_PARCELS else (AddressPlan.IDS, ids)


def like_pattern(text: str) -> str:
    """The ``LIKE`` pattern (``ESCAPE '\\'``) of the addresses containing ``text``."""
    return f"%{_escape_like(text)}%"


_VIEWER = bindparam("viewer", type_=Integer)
_LIMIT = bindparam("limit", type_=Integer)
_PATTERN = bindparam("pattern", type_=String)
_TEXT = bindparam("text", type_=String)
_IDS = bindparam("ids", type_=postgresql.ARRAY(Integer))
_AFTER_SORT = bindparam("after_sort", type_=String)
_AFTER_NUMBER = bindparam("after_number", type_=String)


def _openable(kind: ActorKind) -> ColumnElement[bool]:
    """SQL: the viewer (``:viewer``, of ``kind``) may open the permit's detail: the rule of
    :func:`private_scope` (a company's as a correlated EXISTS, cheaper per row than its IN
    list)."""
    viewer = cast(int, _VIEWER)
    if kind is ActorKind.COMPANY:
        return contact_exists(viewer)
    return private_scope(Actor(kind, viewer, ""))


def _range(column: Any, k: int) -> ColumnElement[bool]:
    return and_(column >= bindparam(f"lo{k}", type_=String), column < bindparam(f"hi{k}"))


@functools.cache
def _search_statement(
    kind: ActorKind, wanted: SearchKind, forms: int, plan: AddressPlan | None, after: bool
) -> Any:
    """The page's statement, built once per shape; values are bound parameters.

    Address and APN searches match through the parcel (an inner join); a number search
    keeps permits without a parcel. :attr:`AddressPlan.WALK` joins on ``parcel.id + 0`` so
    SQLite cannot start from the permits and walks the parcels in address order."""
    if wanted is SearchKind.NUMBER:
        sort_col: Any = col(Permit.number)
        match = _range(sort_col, 0)
    elif wanted is SearchKind.APN:
        sort_col = col(Parcel.apn)
        match = or_(*(_range(sort_col, k) for k in range(forms)))
    else:
        sort_col = col(Parcel.address)
        match = sort_col.like(_PATTERN, escape="\\")
        if plan is AddressPlan.SCAN:
            match = func.strpos(sort_col, _TEXT) > 0  # the same rows; see probe_address
        elif plan is AddressPlan.IDS:
            match = and_(col(Parcel.id) == any_(_IDS), match)
        elif plan is AddressPlan.FEW:
            # the index again (cheaper than binding the probe's ids one by one)
            candidates = select(_FTS.c.rowid).where(_FTS.c[FTS_TABLE].op("MATCH")(_PHRASE))
            match = and_(col(Parcel.id).in_(candidates), match)
    parcel_id: Any = col(Parcel.id) + 0 if plan is AddressPlan.WALK else col(Parcel.id)
    stmt = (
        select(
            col(Permit.number),
            col(Permit.permit_type),
            col(Permit.status),
            col(Parcel.address),
            col(Parcel.apn),
            col(Permit.applied_on),
            col(Permit.issued_on),
            _openable(kind).label("openable"),
        )
        .select_from(Permit)
        .join(Parcel, col(Permit.parcel_id) == parcel_id, isouter=wanted is SearchKind.NUMBER)
        .where(match)
        .order_by(sort_col, col(Permit.number))
        .limit(_LIMIT)
    )
    if after:
        # the first column alone bounds an index range; the pair keeps the exact order
        stmt = stmt.where(
            sort_col >= _AFTER_SORT,
            tuple_(sort_col, col(Permit.number)) > tuple_(_AFTER_SORT, _AFTER_NUMBER),
        )
    return stmt


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
    An address fragment of 3 characters or more is looked up in the trigram index; a
    shorter one scans the addresses (see :func:`probe_address`).
    """
    text, wanted = _validated(query, kind)
    if not may_see_public(actor):
        raise NotFound("permit")
    limit = max(1, min(limit, MAX_LIMIT))
    # no id: no private parts (private_scope's rule), as for an anonymous caller
    viewer_kind = ActorKind.ANONYMOUS if actor.id is None and not actor.is_staff else actor.kind
    params: dict[str, Any] = {"viewer": actor.id or 0, "limit": limit + 1}
    forms: list[str] = []
    if wanted is SearchKind.NUMBER:
        forms = [text]
    elif wanted is SearchKind.APN:
        forms = apn_forms(text)
    for k, form in enumerate(forms):
        params[f"lo{k}"], params[f"hi{k}"] = form, _successor(form)
    if after is not None:
        params["after_sort"], params["after_number"] = after
    with db.read_conn() as conn:
        plan: AddressPlan | None = None
        if wanted is SearchKind.ADDRESS:
            plan, params["ids"] = probe_address(conn, text)
            params["pattern"] = like_pattern(text)
            params["phrase"] = fts_query(text)
            params["text"] = text
        stmt = _search_statement(viewer_kind, wanted, len(forms), plan, after is not None)
        found = conn.execute(stmt, params).all()
    rows = found[:limit]
    company = actor.kind is ActorKind.COMPANY
    hits = tuple(
        SearchHit(
            number=number,
            permit_type=permit_type,
            status=status,
            address=address or "",
            apn=apn or "",
            applied_on=applied_on,
            issued_on=issued_on,
            is_mine=company and bool(openable),
            can_open=bool(openable),
        )
        for number, permit_type, status, address, apn, applied_on, issued_on, openable in rows
    )
    next_key: SearchKey | None = None
    if len(found) > limit:
        last = hits[-1]
        sort_value = {SearchKind.NUMBER: last.number, SearchKind.APN: last.apn}.get(
            wanted, last.address
        )
        next_key = (sort_value, last.number)
    return Page(items=hits, next_key=next_key)
