"""Search permits & plan reviews: number prefix, address fragment, parcel number; public
fields for anyone signed in; pages that never repeat or skip a permit."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from etrakit_tui.domain.accounts.actors import ANONYMOUS, Actor
from etrakit_tui.domain.errors import NotFound, ValidationFailed
from etrakit_tui.domain.permits.search import classify, search_examples, search_permits
from etrakit_tui.domain.permits.views import SearchHit, SearchKind
from etrakit_tui.domain.store.db import Database
from tests.support.readside import Builder


def _city(db: Database) -> tuple[Actor, Actor, Actor]:
    b = Builder(db)
    mine = b.company("CITY OF HEMET")
    theirs = b.company("ACME ELECTRIC INC")
    staff = b.staff("admin")
    b.permit("A1806-065", companies=(mine,), permit_type="ACCESSIBILITY", status="ACTIVE")
    b.permit("B1906-174", companies=(theirs,), address="3800 THORN ST", apn="448-123-017")
    b.permit("B1906-175", companies=(mine,), address="120 E THORNTON AVE", apn="448-123-018")
    b.permit("B1907-001", companies=(theirs,), address="445 E FLORIDA AVE", apn="448-200-001")
    b.permit("B1001-001", companies=(theirs,), address="9 ELM ST", apn="447-000-001")
    b.permit("B2001-001", companies=(mine,), address="3800 THORN ST", apn="448-123-017")
    b.permit("B1:00-000", status="VOID")  # just past the B19 range in code-point order
    return mine, theirs, staff


def _numbers(db: Database, actor: Actor, query: str, kind: str = "auto") -> list[str]:
    return [h.number for h in search_permits(db, actor, query, kind).items]


def test_permit_number_prefix_is_case_insensitive(any_db: Database) -> None:
    mine, _, _ = _city(any_db)
    assert _numbers(any_db, mine, "b19") == ["B1906-174", "B1906-175", "B1907-001"]
    assert _numbers(any_db, mine, "B1906-174") == ["B1906-174"]
    assert _numbers(any_db, mine, "B1") == [
        "B1001-001",
        "B1906-174",
        "B1906-175",
        "B1907-001",
        "B1:00-000",
    ]
    assert _numbers(any_db, mine, "a18") == ["A1806-065"]
    assert _numbers(any_db, mine, "C") == []


def test_address_fragment_matches_anywhere_ignoring_case(any_db: Database) -> None:
    mine, _, _ = _city(any_db)
    # Ordered by address, then permit number.
    assert _numbers(any_db, mine, "thorn") == ["B1906-175", "B1906-174", "B2001-001"]
    assert _numbers(any_db, mine, "3800  Thorn") == ["B1906-174", "B2001-001"]
    assert _numbers(any_db, mine, "E FLOR", "address") == ["B1907-001"]
    # LIKE wildcards typed by a user are plain characters.
    assert _numbers(any_db, mine, "THO%N", "address") == []
    assert _numbers(any_db, mine, "_", "address") == []


def test_parcel_number_exact_prefix_and_without_dashes(any_db: Database) -> None:
    mine, _, _ = _city(any_db)
    assert _numbers(any_db, mine, "448-123-017") == ["B1906-174", "B2001-001"]
    assert _numbers(any_db, mine, "448123017", "apn") == ["B1906-174", "B2001-001"]
    assert _numbers(any_db, mine, "448-123") == ["B1906-174", "B2001-001", "B1906-175"]
    assert _numbers(any_db, mine, "448") == []  # three digits: an address number
    assert _numbers(any_db, mine, "448", "apn") == [
        "B1906-174",
        "B2001-001",
        "B1906-175",
        "B1907-001",
    ]


def test_other_companies_permits_show_public_fields_only(db: Database) -> None:
    mine, _, staff = _city(db)
    hits = {h.number: h for h in search_permits(db, mine, "THORN").items}
    theirs, own = hits["B1906-174"], hits["B1906-175"]
    assert (theirs.is_mine, theirs.can_open) == (False, False)
    assert (own.is_mine, own.can_open) == (True, True)
    assert (theirs.permit_type, theirs.status, theirs.address, theirs.apn) == (
        "ELECTRICAL",
        "ISSUED",
        "3800 THORN ST",
        "448-123-017",
    )
    # A hit has no place for anything private.
    assert {f.name for f in dataclasses.fields(SearchHit)} == {
        "number",
        "permit_type",
        "status",
        "address",
        "apn",
        "applied_on",
        "issued_on",
        "is_mine",
        "can_open",
    }
    staff_hits = search_permits(db, staff, "THORN").items
    assert all(h.can_open and not h.is_mine for h in staff_hits)


def test_pages_cover_every_match_once_in_order(any_db: Database) -> None:
    b = Builder(any_db)
    company = b.company("PAGER INC")
    # 120 permits on 40 addresses: many ties on the address, broken by permit number.
    for n in range(120):
        street = n % 40
        b.permit(
            f"B2601-{n:03d}",
            companies=(company,),
            address=f"{100 + street} MAPLE ST",
            apn=f"450-{street:03d}-001",
        )
    for query in ("MAPLE", "B2601", "450-"):
        seen: list[str] = []
        after = None
        sizes = []
        while True:
            page = search_permits(any_db, company, query, after=after, limit=50)
            seen.extend(h.number for h in page.items)
            sizes.append(len(page.items))
            after = page.next_key
            if after is None:
                break
        assert sizes == [50, 50, 20], query
        assert sorted(seen) == [f"B2601-{n:03d}" for n in range(120)], query
    # Address order: street numbers ascending, then permit numbers.
    first = search_permits(any_db, company, "MAPLE", limit=3).items
    assert [(h.address, h.number) for h in first] == [
        ("100 MAPLE ST", "B2601-000"),
        ("100 MAPLE ST", "B2601-040"),
        ("100 MAPLE ST", "B2601-080"),
    ]


@pytest.mark.parametrize("query", ["B19\x1b[2J", "THORN\n", "A\u202eB", "\x00", "x\x9b1m"])
def test_queries_with_control_characters_are_refused(db: Database, query: str) -> None:
    mine, _, _ = _city(db)
    with pytest.raises(ValidationFailed) as refused:
        search_permits(db, mine, query)
    assert set(refused.value.errors) == {"query"}


@pytest.mark.parametrize("query", ["", "   "])
def test_an_empty_query_is_refused(db: Database, query: str) -> None:
    mine, _, _ = _city(db)
    with pytest.raises(ValidationFailed) as refused:
        search_permits(db, mine, query)
    assert "query" in refused.value.errors


def test_examples_are_searches_that_work(db: Database) -> None:
    mine, _, _ = _city(db)
    examples = search_examples()
    assert {"B1906-174", "B19", "3800 THORN", "448-123-017"} <= set(examples)
    kinds = {classify(e) for e in examples}
    assert kinds == {SearchKind.NUMBER, SearchKind.ADDRESS, SearchKind.APN}
    assert _numbers(db, mine, "3800 THORN") == ["B1906-174", "B2001-001"]


def test_signed_out_callers_find_nothing(db: Database) -> None:
    _city(db)
    with pytest.raises(NotFound):
        search_permits(db, ANONYMOUS, "B19")


# --------------------------------------------------------------------------- trigram index


def _rename_parcel(db: Database, old: str, new: str) -> None:
    from sqlmodel import select

    from etrakit_tui.domain.store.models import Parcel

    with db.write() as s:
        parcel = s.exec(select(Parcel).where(Parcel.address == old)).one()
        parcel.address = new


def test_address_search_follows_parcels_added_renamed_and_removed(any_db: Database) -> None:
    """The trigram index is kept in step with the parcels (triggers on SQLite)."""
    mine, _, _ = _city(any_db)
    assert _numbers(any_db, mine, "9 ELM", "address") == ["B1001-001"]
    _rename_parcel(any_db, "9 ELM ST", "9 BIRCH CT")
    assert _numbers(any_db, mine, "9 ELM", "address") == []
    assert _numbers(any_db, mine, "BIRCH", "address") == ["B1001-001"]
    b = Builder(any_db)
    b.permit("B2602-001", companies=(mine,), address="77 BIRCHWOOD LN", apn="449-000-001")
    assert _numbers(any_db, mine, "BIRCH", "address") == ["B2602-001", "B1001-001"]

    from sqlmodel import delete, select

    from etrakit_tui.domain.store.models import Parcel, Permit, PermitContact

    with any_db.write() as s:
        permit_id = s.exec(select(Permit.id).where(Permit.number == "B2602-001")).one()
        s.exec(delete(PermitContact).where(col_eq(PermitContact.permit_id, permit_id)))
        s.exec(delete(Permit).where(col_eq(Permit.id, permit_id)))
        s.exec(delete(Parcel).where(col_eq(Parcel.apn, "449-000-001")))
    assert _numbers(any_db, mine, "BIRCH", "address") == ["B1001-001"]


def col_eq(column: object, value: object) -> Any:
    from sqlmodel import col

    return col(column) == value  # type: ignore[arg-type]


@pytest.mark.parametrize("few", [0, 1_000_000])
def test_common_and_rare_fragments_give_the_same_pages(
    any_db: Database, few: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whether the fragment is read from the index (rare) or the addresses are walked in
    order (common), the user sees the same rows in the same order, page after page."""
    import etrakit_tui.domain.permits.search as search_module

    monkeypatch.setattr(search_module, "FEW_PARCELS", few)
    b = Builder(any_db)
    company = b.company("WALKER INC")
    for n in range(30):
        street = ("OAK", "OAKLAND", "POPLAR")[n % 3]
        b.permit(f"B2603-{n:03d}", companies=(company,), address=f"{100 + n % 7} {street} AVE")
    for query, expected in (
        ("OAK", 20),
        ("OAKLAND", 10),
        ("7 OAK", 0),
        ("106 POP", 1),
        ("AVE", 30),
        ("10_ OAK", 0),  # LIKE's wildcards are plain characters on every plan
        ("10% OAK", 0),
    ):
        seen: list[tuple[str, str]] = []
        after = None
        while True:
            page = search_permits(any_db, company, query, "address", after=after, limit=4)
            seen.extend((h.address, h.number) for h in page.items)
            after = page.next_key
            if after is None:
                break
        assert len(seen) == expected, query
        assert seen == sorted(seen), query
        assert all(query in address for address, _ in seen), query


def test_a_rare_fragment_with_short_words_is_read_from_the_index(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "442 N SO": the short words narrow the index lookup too, so a house number found on
    many parcels does not send the search down the walk of every address."""
    import etrakit_tui.domain.permits.search as search_module

    monkeypatch.setattr(search_module, "FEW_PARCELS", 2)
    b = Builder(db)
    company = b.company("SHORT WORDS INC")
    for n, street in enumerate(("N SOBOBA ST", "E ELM ST", "W OAK AVE", "S PINE ST")):
        b.permit(f"B2604-{n:03d}", companies=(company,), address=f"442 {street}")
    with db.read_conn() as conn:
        assert search_module.probe_address(conn, "442 N SO")[0] is search_module.AddressPlan.FEW
        assert search_module.probe_address(conn, "442")[0] is search_module.AddressPlan.WALK
    assert _numbers(db, company, "442 N SO", "address") == ["B2604-000"]
    assert _numbers(db, company, "442 N", "address") == ["B2604-000"]


def test_fragments_shorter_than_a_trigram_still_match(any_db: Database) -> None:
    mine, _, _ = _city(any_db)
    assert _numbers(any_db, mine, "LM", "address") == ["B1001-001"]
    assert _numbers(any_db, mine, "9 ", "address") == ["B1001-001"]


def test_an_address_fragment_matches_as_a_whole_not_word_by_word(any_db: Database) -> None:
    """The index is asked for each word; the fragment must still appear as typed."""
    mine, _, _ = _city(any_db)
    assert _numbers(any_db, mine, "0 THORN", "address") == ["B1906-174", "B2001-001"]
    assert _numbers(any_db, mine, "8 THORN", "address") == []
    assert _numbers(any_db, mine, "THORN 3800", "address") == []
    assert _numbers(any_db, mine, "E FL", "address") == ["B1907-001"]
    assert _numbers(any_db, mine, "N AV", "address") == ["B1906-175"]


# --------------------------------------------------------------------------- punctuation

PUNCTUATION = ["--", "-", '""""', "%", "_", "*", "'", "\\", "- -", "%_%", "***", "'--"]


@pytest.mark.parametrize("kind", ["auto", "address", "number"])
def test_punctuation_alone_finds_nothing_and_never_fails(any_db: Database, kind: str) -> None:
    mine, _, _ = _city(any_db)
    for query in PUNCTUATION:
        assert _numbers(any_db, mine, query, kind) == [], query


def test_punctuation_matches_literally_in_an_address(any_db: Database) -> None:
    mine, _, _ = _city(any_db)
    Builder(any_db).permit("B2002-001", address="12 O'NEIL ST -- REAR 100%", apn="448-300-001")
    for query in ("'", "--", "%", "O'NEIL", "-- REAR", "100%"):
        assert _numbers(any_db, mine, query) == ["B2002-001"], query
    for query in ("_", "*", "\\", '""""', "O_NEIL"):
        assert _numbers(any_db, mine, query) == [], query


@pytest.mark.parametrize("query", ["--", "-", "- - -"])
def test_a_parcel_number_needs_a_digit(any_db: Database, query: str) -> None:
    mine, _, _ = _city(any_db)
    assert classify(query) is SearchKind.ADDRESS
    with pytest.raises(ValidationFailed) as refused:
        search_permits(any_db, mine, query, "apn")
    assert refused.value.errors == {"query": "A parcel number has digits and dashes: 448-123-017."}


@pytest.mark.parametrize("query", [" \t ", "\u3000", "\u00a0\u00a0"])
def test_whitespace_alone_is_refused_on_both_engines(any_db: Database, query: str) -> None:
    mine, _, _ = _city(any_db)
    with pytest.raises(ValidationFailed) as refused:
        search_permits(any_db, mine, query)
    assert "query" in refused.value.errors
