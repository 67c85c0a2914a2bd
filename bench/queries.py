"""Data time: each read service against the hand-written SQL for the same rows.

Each case has a few different inputs (permits, companies, queries) drawn evenly from the
data set; the service and the hand-written SQL alternate, on the same input, the order
flipping every repetition, so load from elsewhere on the machine hits both alike. The
first call of each input is a warm-up (not counted): figures are for a warm cache (the
"new connection" case: warm data, but a new connection for each call, as each new portal
session has). On the first counted call of each input, the rows are compared (same
numbers / ids / counts); a difference is reported next to the figure.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from bench.data import BenchData
from bench.handsql import HandSql
from bench.profiles import StatementProfile, statement_profile
from bench.stats import Latency, timed
from etrakit_tui.domain.accounts.actors import Actor, ActorKind
from etrakit_tui.domain.permits import dashboard, reviews, search
from etrakit_tui.domain.permits import detail as permits_detail
from etrakit_tui.domain.permits.views import ReviewSort, SearchKind
from etrakit_tui.domain.store.db import Database

P95_TARGET = 0.050
RATIO_TARGET = 2.0


@dataclass(frozen=True)
class Sample:
    """A permit with reviews, its contractor, and queries drawn from it."""

    number: str
    company_id: int
    company_name: str
    address: str
    apn: str

    @property
    def actor(self) -> Actor:
        return Actor(ActorKind.COMPANY, self.company_id, self.company_name)

    @property
    def number_prefix(self) -> str:
        return self.number[:5]  # letter, year, month: "B2406"

    @property
    def house_and_street(self) -> str:
        """``"1234 FLOR"``: a house number and the start of its street (selective)."""
        house, _, street = self.address.partition(" ")
        return f"{house} {street[:4]}".strip()

    @property
    def street_word(self) -> str:
        """The street's longest word (``"FLORIDA"``): many matches."""
        words = self.address.split()[1:] or self.address.split()
        return max(words, key=len)

    @property
    def apn_prefix(self) -> str:
        return self.apn[:7]  # book and page: "448-123"


def samples(db: Database, count: int) -> list[Sample]:
    """Up to ``count`` permits that have reviews, spread evenly over the permit ids."""
    with db.read() as s:
        top = int(s.execute(text("SELECT MAX(id) FROM permit")).scalar_one())
        stride = max(1, top // (count * 8))
        rows = s.execute(
            text(
                "SELECT p.number, c.id, c.name, pa.address, pa.apn FROM permit p "
                "JOIN permit_contact pc ON pc.permit_id = p.id AND pc.role = 'CONTRACTOR' "
                "JOIN company c ON c.id = pc.company_id "
                "JOIN parcel pa ON pa.id = p.parcel_id "
                "WHERE p.id % :stride = 0 AND EXISTS (SELECT 1 FROM review r "
                "WHERE r.permit_id = p.id) ORDER BY p.id LIMIT :n"
            ),
            {"stride": stride, "n": count},
        ).all()
    return [Sample(str(a), int(b), str(c), str(d), str(e)) for a, b, c, d, e in rows]


@dataclass
class Case:
    """One data-time figure: ``service(k)`` and ``hand(k)`` for input ``k``, and
    ``same(service_result, hand_result)`` to check they hold the same rows. ``setup()``
    runs, untimed, before each call of either."""

    name: str
    inputs: int
    service: Callable[[int], Any]
    hand: Callable[[int], Any]
    same: Callable[[Any, Any], bool]
    setup: Callable[[], None] = lambda: None


def _new_connection(db: Database) -> Callable[[], None]:
    """What gives ``db`` a new connection: close the pool's and open another (untimed).
    SQLAlchemy's compiled statements are kept; the server's plans and psycopg's prepared
    statements (per connection) are not."""

    def connect() -> None:
        db.engine.dispose()
        with db.read_conn() as conn:
            conn.execute(text("SELECT 1"))

    return connect


@dataclass
class CaseResult:
    """Service and hand-written latencies of one case on one engine."""

    name: str
    engine: str
    service: Latency = field(default_factory=Latency)
    hand: Latency = field(default_factory=Latency)
    mismatches: list[str] = field(default_factory=list)

    @property
    def ratio_p50(self) -> float:
        return self.service.p50 / self.hand.p50 if self.hand.p50 else float("inf")

    @property
    def ratio_p95(self) -> float:
        return self.service.p95 / self.hand.p95 if self.hand.p95 else float("inf")

    @property
    def met(self) -> bool:
        return self.service.p95 < P95_TARGET and self.ratio_p50 <= RATIO_TARGET


def _numbers(page: Any) -> list[str]:
    return [item.number for item in page.items]


def _same_dashboard(service: Any, rows: Any) -> bool:
    """The service's dashboard holds the hand-written SQL's first pages and totals."""
    active = [r[0] for r in rows[1][:50]]
    expired = [r[0] for r in rows[4][:50]]
    return (
        _numbers(service.active_permits) == active
        and _numbers(service.expired_permits) == expired
        and len(service.active_inspections.items) == len(rows[2][:50])
        and service.active_inspections.total == rows[3][0][0]
    )


def cases(db: Database, hand: HandSql, data: BenchData, picks: list[Sample]) -> list[Case]:
    """Every data-time case on ``db``."""
    today = dashboard.today(db)
    typical, big = data.typical, data.big

    def dashboard_case(name: str, company_id: int, actor: Actor) -> Case:
        return Case(
            name,
            1,
            lambda _k: dashboard.dashboard(db, actor),
            lambda _k: hand.dashboard(company_id, today),
            _same_dashboard,
        )

    def new_connection_case(name: str, company_id: int, actor: Actor) -> Case:
        """The first dashboard on a new connection, as each new portal session has: the
        server plans its first statements afresh (psycopg prepares a statement from its 5th
        execution, PostgreSQL tries 5 custom plans before a generic one). The connection is
        opened just before, untimed (the sign-in has opened it). Last of the cases: the
        others keep their connection."""

        def by_hand(_k: int) -> Any:
            own = HandSql(db)
            try:
                return own.dashboard(company_id, today)
            finally:
                own.close()

        return Case(
            name,
            1,
            lambda _k: dashboard.dashboard(db, actor),
            by_hand,
            _same_dashboard,
            _new_connection(db),
        )

    def search_case(name: str, kind: SearchKind, query: Callable[[Sample], str]) -> Case:
        hand_fn = {
            SearchKind.NUMBER: hand.search_number,
            SearchKind.ADDRESS: hand.search_address,
            SearchKind.APN: hand.search_apn,
        }[kind]
        actor = typical.actor
        return Case(
            name,
            len(picks),
            lambda k: search.search_permits(db, actor, query(picks[k]), kind),
            lambda k: hand_fn(typical.id, query(picks[k])),
            lambda page, rows: _numbers(page) == [r[0] for r in rows[:50]],
        )

    def detail_same(detail: Any, rows: Any) -> bool:
        return bool(rows) and (
            len(detail.inspections),
            len(detail.reviews),
            len(detail.fees.fees),
            len(detail.contacts),
        ) == (len(rows[5]), len(rows[8]), len(rows[6]), len(rows[2]))

    return [
        dashboard_case(
            f"dashboard, first page of 3 lists: typical company ({typical.permits:,} permits)",
            typical.id,
            typical.actor,
        ),
        dashboard_case(
            f"dashboard, first page of 3 lists: biggest company ({big.permits:,} permits)",
            big.id,
            big.actor,
        ),
        Case(
            "permit detail, all tabs",
            len(picks),
            lambda k: permits_detail.permit_detail(db, picks[k].actor, picks[k].number),
            lambda k: hand.permit_detail(picks[k].company_id, picks[k].number),
            detail_same,
        ),
        Case(
            "reviews sorted by due date",
            len(picks),
            lambda k: reviews.reviews_for(
                db, picks[k].actor, picks[k].number, ReviewSort.DUE, descending=False
            ),
            lambda k: hand.reviews_by_due(picks[k].company_id, picks[k].number),
            lambda got, rows: [r.review_id for r in got] == [r[0] for r in rows],
        ),
        search_case("search: number prefix", SearchKind.NUMBER, lambda p: p.number_prefix),
        search_case(
            "search: address substring (house number + street)",
            SearchKind.ADDRESS,
            lambda p: p.house_and_street,
        ),
        search_case(
            "search: address substring (street name only)",
            SearchKind.ADDRESS,
            lambda p: p.street_word,
        ),
        search_case("search: APN prefix", SearchKind.APN, lambda p: p.apn_prefix),
        new_connection_case(
            f"dashboard, a new connection's first: biggest company ({big.permits:,} permits)",
            big.id,
            big.actor,
        ),
    ]


def measure(case: Case, engine: str, reps: int) -> CaseResult:
    """``reps`` timed calls of the service and of the hand-written SQL, alternating."""
    result = CaseResult(case.name, engine)
    for k in range(case.inputs):  # warm-up and row check, once per input
        case.setup()
        service_rows = case.service(k)
        case.setup()
        hand_rows = case.hand(k)
        if not case.same(service_rows, hand_rows):
            result.mismatches.append(f"input {k}")
    for rep in range(reps):
        k = rep % case.inputs
        service = functools.partial(case.service, k)
        hand = functools.partial(case.hand, k)
        pair = [(service, result.service), (hand, result.hand)]
        for call, into in reversed(pair) if rep % 2 else pair:  # odd: the hand SQL first
            case.setup()
            into.add(timed(call)[0])
    return result


class DataTime:
    """The data-time cases on one engine's working database."""

    def __init__(self, data: BenchData, inputs: int) -> None:
        self.engine = data.engine
        self.db = data.open()
        self.hand = HandSql(self.db)
        picks = samples(self.db, inputs)
        if not picks:
            raise RuntimeError("no permit with reviews in the data set")
        self.cases = cases(self.db, self.hand, data, picks)

    def run(self, reps: int) -> list[CaseResult]:
        return [measure(case, self.engine, reps) for case in self.cases]

    def profile(self, name: str, calls: int) -> StatementProfile:
        """Where the service's time goes in case ``name`` (cycling over its inputs)."""
        case = next(c for c in self.cases if c.name == name)
        turn = iter(range(10**9))

        def call() -> None:
            case.setup()
            case.service(next(turn) % case.inputs)

        return statement_profile(self.db, f"{name} ({self.engine})", call, calls)

    def close(self) -> None:
        self.hand.close()
        self.db.dispose()
