"""THE AUTHORIZATION MATRIX: no service shows or changes one company's permit for another.

Services are discovered, not listed: every public function of the service modules that takes
an ``actor`` and a permit number or a permit-scoped id (``number``, ``permit_number``,
``review_id``, ``attachment_id``, ``inspection_id``) is a permit-scoped service. Each must be
registered with ``@access.permit_scoped`` and, called by company B (or an inspector not on
the permit, or nobody signed in) on company A's permit, must raise the very ``NotFound`` a
missing record raises, and leave an ``access_denied`` audit line.

A new service is covered automatically when its arguments are only those above; one with
further required arguments fails :func:`test_every_permit_scoped_service_has_a_case` until
a line is added to :data:`EXTRA_ARGS`.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlmodel import func, select

import etrakit_tui.domain as domain_pkg
from etrakit_tui.domain.accounts.actors import ANONYMOUS, Actor
from etrakit_tui.domain.errors import EtrakitError, NotFound
from etrakit_tui.domain.permits.access import (
    PERMIT_SCOPED_PARAMS,
    is_permit_scoped,
    registered_services,
)
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import AuditEvent, Inspection, Payment
from tests.support.readside import Builder

SERVICE_MODULES = (
    "permits.dashboard",
    "permits.detail",
    "permits.attachments",
    "permits.reviews",
    "permits.fees",
    "permits.search",
    "permits.issue",
    "inspections.requests",
    "inspections.cancel",
    "inspections.assignment",
    "inspections.results",
    "payments.orders",
)
"""The modules whose permit-scoped services the matrix calls (a missing one is skipped; a
permit-scoped service in any other domain module fails a test)."""

NUMBER_PARAMS = {"number", "permit_number"}
ID_PARAMS = {"review_id": "review", "attachment_id": "attachment", "inspection_id": "inspection"}


def _inspection_request_args() -> dict[str, Any]:
    common = importlib.import_module("etrakit_tui.domain.inspections.requests")
    return {
        "contact": common.ContactInfo(
            "Pat Owner", "(951) 555-0100", "pat@example.com", "3800 THORN ST"
        ),
        "items": [common.RequestedItem("ROUGH", date(2026, 11, 19), "AM")],
    }


EXTRA_ARGS: dict[str, Callable[[], dict[str, Any]]] = {
    "etrakit_tui.domain.permits.fees.record_payment": lambda: {"amount_cents": 100},
    "etrakit_tui.domain.inspections.requests.request_inspections": _inspection_request_args,
    "etrakit_tui.domain.inspections.requests.check_request_item": lambda: {
        "listed": [],
        "item": _inspection_request_args()["items"][0],
    },
    "etrakit_tui.domain.inspections.assignment.assign_inspector": lambda: {"username": "inspector"},
    "etrakit_tui.domain.inspections.results.record_result": lambda: {"status": "PASSED"},
    "etrakit_tui.domain.permits.reviews.post_review": lambda: {
        "review_type": "BUILDING",
        "reviewer": "Pat Reviewer",
        "status": "IN REVIEW",
        "submitted_on": date(2026, 11, 18),
    },
}
"""Values for a service's other required arguments (valid ones: staff must get past the
permit check with them), by ``module.function``."""


def _service_modules() -> list[Any]:
    modules = []
    for short in SERVICE_MODULES:
        try:
            modules.append(importlib.import_module(f"etrakit_tui.domain.{short}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"etrakit_tui.domain.{short}":
                raise  # the module exists but is broken
    return modules


def _other_domain_modules() -> list[Any]:
    prefix = "etrakit_tui.domain."
    names = {
        info.name[len(prefix) :]
        for info in pkgutil.walk_packages(domain_pkg.__path__, prefix)
        if not info.ispkg and ".migrations" not in info.name
    }
    skip = {*SERVICE_MODULES, "permits.access"}  # access holds the check itself
    return [importlib.import_module(f"{prefix}{n}") for n in sorted(names - skip)]


def _public_functions(module: Any) -> list[tuple[str, Callable[..., Any]]]:
    return [
        (f"{module.__name__}.{name}", fn)
        for name, fn in inspect.getmembers(module, inspect.isfunction)
        if fn.__module__ == module.__name__ and not name.startswith("_")
    ]


def _scoped_params(fn: Callable[..., Any]) -> set[str]:
    return set(inspect.signature(fn).parameters) & PERMIT_SCOPED_PARAMS


def _services_in(modules: list[Any]) -> dict[str, Callable[..., Any]]:
    found = {}
    for module in modules:
        for name, fn in _public_functions(module):
            params = inspect.signature(fn).parameters
            if "actor" in params and _scoped_params(fn):
                found[name] = fn
    return found


def discover_services() -> dict[str, Callable[..., Any]]:
    """Every public function of the service modules taking an actor and a permit-scoped
    parameter."""
    return _services_in(_service_modules())


SERVICES = discover_services()


def test_the_matrix_knows_the_services_the_team_wrote() -> None:
    expected = {
        "etrakit_tui.domain.permits.detail.permit_detail",
        "etrakit_tui.domain.permits.detail.parcel_info",
        "etrakit_tui.domain.permits.attachments.attachment_content",
        "etrakit_tui.domain.permits.reviews.reviews_for",
        "etrakit_tui.domain.permits.reviews.review_notes",
        "etrakit_tui.domain.permits.fees.fee_breakdown",
        "etrakit_tui.domain.permits.fees.record_payment",
    }
    assert expected <= set(SERVICES)


def test_no_other_domain_module_hides_a_permit_scoped_service() -> None:
    """A permit-scoped service outside SERVICE_MODULES would escape the matrix."""
    assert list(_services_in(_other_domain_modules())) == [], "add its module to SERVICE_MODULES"


def test_service_modules_expose_no_permit_lookup_without_an_actor() -> None:
    unguarded = []
    for module in _service_modules():
        for name, fn in _public_functions(module):
            if _scoped_params(fn) and "actor" not in inspect.signature(fn).parameters:
                unguarded.append(name)
    assert unguarded == []


def test_every_permit_scoped_service_is_registered() -> None:
    assert [name for name, fn in SERVICES.items() if not is_permit_scoped(fn)] == []
    # ...and the registry holds nothing the discovery cannot see.
    assert set(registered_services()) <= set(SERVICES)


def _uncovered(name: str, fn: Callable[..., Any]) -> list[str]:
    """Required arguments of a service that the matrix cannot fill in."""
    known = {"db", "actor"} | PERMIT_SCOPED_PARAMS | set(EXTRA_ARGS.get(name, dict)())
    return [
        p.name
        for p in inspect.signature(fn).parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        and p.name not in known
    ]


def test_every_permit_scoped_service_has_a_case() -> None:
    missing = {name: _uncovered(name, fn) for name, fn in SERVICES.items() if _uncovered(name, fn)}
    assert missing == {}, "add these services' arguments to EXTRA_ARGS"


# --------------------------------------------------------------------------- the world


@dataclass
class World:
    a: Actor
    b: Actor
    staff: Actor
    inspector: Actor
    stranger_inspector: Actor
    number: str
    ids: dict[str, int]


def _world(db: Database) -> World:
    build = Builder(db)
    a = build.company("A COMPANY")
    b = build.company("B COMPANY")
    staff = build.staff("admin")
    inspector = build.staff("inspector", role="inspector")
    stranger_inspector = build.staff("elsewhere", role="inspector")
    rough = build.inspection_type("ELECTRICAL", "ROUGH", "ROUGH ELECTRICAL")
    pid = build.permit(
        "B2611-100",
        companies=(a,),
        address="3800 THORN ST",
        apn="448-123-017",
        issued_on=date(2026, 10, 1),
        expires_on=date(2027, 3, 30),
    )
    build.permit("B2611-200", companies=(b,), address="1 B STREET", apn="448-999-001")
    build.fee(pid, "PERMIT", 10_000)
    ids = {
        "review": build.review(pid, "BUILDING", notes="private notes"),
        "attachment": build.attachment(pid, "plan.txt", b"private plan"),
        "inspection": build.inspection(
            pid, rough, date(2026, 11, 20), "AM", status="SCHEDULED", inspector_id=inspector.id
        ),
    }
    return World(a, b, staff, inspector, stranger_inspector, "B2611-100", ids)


def _kwargs(name: str, fn: Callable[..., Any], world: World, *, missing: bool) -> dict[str, Any]:
    args: dict[str, Any] = EXTRA_ARGS.get(name, dict)()
    for param in inspect.signature(fn).parameters:
        if param in NUMBER_PARAMS:
            args[param] = "Z9999-999" if missing else world.number.lower()
        elif param in ID_PARAMS:
            args[param] = 987_654 if missing else world.ids[ID_PARAMS[param]]
    return args


def _denials(db: Database, actor: Actor, target: str) -> int:
    with db.read() as s:
        return s.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == "access_denied",
                AuditEvent.outcome == "denied",
                AuditEvent.actor_kind == actor.kind.value,
                AuditEvent.actor_id == actor.id,
                AuditEvent.target == target,
            )
        ).one()


def _changes(db: Database) -> tuple[int, int, str]:
    """What a refused write must leave alone: payments, inspections, and A's inspection."""
    with db.read() as s:
        payments = s.exec(select(func.count()).select_from(Payment)).one()
        inspections = s.exec(select(func.count()).select_from(Inspection)).one()
        statuses = ",".join(s.exec(select(Inspection.status).order_by(Inspection.id)).all())
    return payments, inspections, statuses


CALLERS = ["company B", "another inspector", "nobody signed in"]


def _caller(world: World, who: str) -> Actor:
    return {"company B": world.b, "another inspector": world.stranger_inspector}.get(who, ANONYMOUS)


@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize("service", sorted(SERVICES))
def test_nobody_reaches_company_a_permit_through_any_service(
    db: Database, service: str, who: str
) -> None:
    fn = SERVICES[service]
    if _uncovered(service, fn):
        pytest.fail(f"{service} has no case: add its arguments to EXTRA_ARGS")
    world = _world(db)
    caller = _caller(world, who)
    before = _changes(db)

    with pytest.raises(NotFound) as refused:
        fn(db, caller, **_kwargs(service, fn, world, missing=False))
    with pytest.raises(NotFound) as missing:
        fn(db, caller, **_kwargs(service, fn, world, missing=True))

    assert str(refused.value) == str(missing.value), "a refusal must read like a missing record"
    assert _denials(db, caller, world.number) >= 1, "the refusal must be audited"
    assert _changes(db) == before, "a refused call changed something"

    # The same arguments get staff past the permit check: the refusal above was about the
    # caller, not a wrong number or id.
    try:
        fn(db, world.staff, **_kwargs(service, fn, world, missing=False))
    except NotFound as exc:  # pragma: no cover - a failure report
        pytest.fail(f"staff got {exc!r}: the case's arguments are wrong")
    except EtrakitError as exc:  # a rule about the arguments' content: fine, they were read
        print(f"staff: {exc}")


def test_company_a_itself_gets_through(db: Database) -> None:
    """The matrix's mirror image for the read services: the owner is not refused."""
    world = _world(db)
    detail = importlib.import_module("etrakit_tui.domain.permits.detail")
    attachments = importlib.import_module("etrakit_tui.domain.permits.attachments")
    reviews = importlib.import_module("etrakit_tui.domain.permits.reviews")
    fees = importlib.import_module("etrakit_tui.domain.permits.fees")
    assert detail.permit_detail(db, world.a, world.number).info.number == world.number
    content = attachments.attachment_content(db, world.a, world.ids["attachment"])
    assert content[2] == b"private plan"
    assert reviews.review_notes(db, world.a, world.ids["review"]).notes == "private notes"
    assert fees.fee_breakdown(db, world.a, world.number).amount_due_cents == 10_000
    assert detail.permit_detail(db, world.inspector, world.number).info.number == world.number
    with db.read() as s:
        assert s.exec(select(func.count()).select_from(AuditEvent)).one() == 0
