"""Authorization, in one place: who may see which permit, and how refusals look.

The rule (SPEC §1):

* staff and the system see everything;
* an inspector sees the permits behind inspections assigned to them;
* a company sees the PUBLIC information of any permit (what search shows), and the
  PRIVATE parts — contacts' phone/email, attachments, fees, inspections and their comments,
  reviews, the actions — only of permits on which it is a contact (``PermitContact.company_id``);
* an anonymous caller sees nothing.

A refused private access looks exactly like a permit that does not exist
(:class:`AccessDenied` is a :class:`NotFound` with the same message) and is audited
(action ``access_denied``, outcome ``denied``, target the permit number) in its own small
write transaction, after the service's own transaction has ended.

Every service that takes a permit number or a permit-scoped id is decorated with
:func:`permit_scoped`: it registers the service (the authorization-matrix test checks that
every such service is registered and refuses another company) and writes the audit line
when the service lets an :class:`AccessDenied` out.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from typing import Any, ParamSpec, Protocol, TypeVar

from sqlalchemy import ColumnElement, exists, false, true
from sqlmodel import Session, col, select

from etrakit_tui.domain import audit
from etrakit_tui.domain.actors import Actor, ActorKind
from etrakit_tui.domain.db import Database
from etrakit_tui.domain.errors import NotFound
from etrakit_tui.domain.models import Inspection, Permit, PermitContact

P = ParamSpec("P")
R = TypeVar("R")

PERMIT_SCOPED_PARAMS = frozenset(
    {"number", "permit_number", "review_id", "attachment_id", "inspection_id"}
)
"""Parameter names that make a service permit-scoped (it must be registered)."""

_REGISTRY: dict[str, Callable[..., Any]] = {}

MAX_NUMBER_LENGTH = 12


class AccessDenied(NotFound):
    """A refused access. Says exactly what :class:`NotFound` says; carries what to audit."""

    def __init__(self, what: str, *, actor: Actor, target: str, detail: str = "") -> None:
        super().__init__(what)
        self.actor = actor
        self.target = target
        self.detail = detail
        self.audited = False


# --------------------------------------------------------------------------- registry


def permit_scoped(fn: Callable[P, R]) -> Callable[P, R]:
    """Register a permit-scoped service and audit the refusals it lets out.

    The service's first argument (or its ``db`` keyword) must be the :class:`Database`:
    the audit line is written there in its own transaction once the service has returned.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except AccessDenied as denied:
            db = kwargs.get("db", args[0] if args else None)
            if isinstance(db, Database) and not denied.audited:
                audit_denial(db, denied)
            raise

    _REGISTRY[f"{fn.__module__}.{fn.__qualname__}"] = wrapper
    return wrapper


def is_permit_scoped(fn: object) -> bool:
    """Whether ``fn`` is a service registered with :func:`permit_scoped`."""
    name = f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', '')}"
    return _REGISTRY.get(name) is fn


def registered_services() -> dict[str, Callable[..., Any]]:
    """Every registered permit-scoped service, by ``module.name``."""
    return dict(_REGISTRY)


def audit_denial(db: Database, denied: AccessDenied) -> None:
    """Write the ``access_denied`` audit line of a refusal, in its own transaction."""
    with db.write() as session:
        audit.record(
            session,
            denied.actor,
            "access_denied",
            at=db.now(),
            target=denied.target,
            outcome="denied",
            detail=denied.detail,
        )
    denied.audited = True


# --------------------------------------------------------------------------- rules


def normalise_number(number: str) -> str:
    """Permit numbers are stored uppercase; users type them any way."""
    return number.strip().upper()


def contact_exists(company_id: int, permit_id: Any = None) -> ColumnElement[bool]:
    """SQL: the company is a contact of the permit whose id is ``permit_id`` (default: the
    permit of the enclosing query)."""
    return exists().where(
        col(PermitContact.permit_id) == (col(Permit.id) if permit_id is None else permit_id),
        col(PermitContact.company_id) == company_id,
    )


def company_is_contact(session: Session, company_id: int, permit_id: int) -> bool:
    """Whether the company is named on the permit (and so may see its private parts)."""
    found = session.exec(
        select(PermitContact.id).where(
            PermitContact.permit_id == permit_id, PermitContact.company_id == company_id
        )
    ).first()
    return found is not None


def inspector_is_assigned(session: Session, inspector_id: int, permit_id: int) -> bool:
    """Whether the inspector has (or had) an inspection on the permit."""
    found = session.exec(
        select(Inspection.id).where(
            Inspection.permit_id == permit_id, Inspection.inspector_id == inspector_id
        )
    ).first()
    return found is not None


def may_see_private(session: Session, actor: Actor, permit_id: int) -> bool:
    """The one rule for a permit's private parts."""
    if actor.is_staff:
        return True
    if actor.id is None:
        return False
    if actor.kind is ActorKind.COMPANY:
        return company_is_contact(session, actor.id, permit_id)
    if actor.kind is ActorKind.INSPECTOR:
        return inspector_is_assigned(session, actor.id, permit_id)
    return False


def may_see_public(actor: Actor) -> bool:
    """Any signed-in actor may see a permit's public information."""
    return actor.kind is not ActorKind.ANONYMOUS


def private_scope(actor: Actor, permit_id: Any = None) -> ColumnElement[bool]:
    """SQL condition: the permit ``permit_id`` is one whose private parts ``actor`` may see.

    Used by list queries (dashboard) so a list never shows what a detail would refuse.
    """
    if permit_id is None:
        permit_id = col(Permit.id)
    if actor.is_staff:
        return true()
    if actor.id is None:
        return false()
    if actor.kind is ActorKind.COMPANY:
        own = select(PermitContact.permit_id).where(PermitContact.company_id == actor.id)
        mine: ColumnElement[bool] = permit_id.in_(own)
        return mine
    if actor.kind is ActorKind.INSPECTOR:
        assigned = select(Inspection.permit_id).where(Inspection.inspector_id == actor.id)
        theirs: ColumnElement[bool] = permit_id.in_(assigned)
        return theirs
    return false()


def visible_among(session: Session, actor: Actor, permit_ids: Collection[int]) -> set[int]:
    """Of ``permit_ids`` (a page of them), those whose private parts ``actor`` may see:
    :func:`private_scope` for a short list, asked from the small side of each rule."""
    wanted = set(permit_ids)
    if not wanted:
        return set()
    if actor.is_staff:
        return wanted
    if actor.id is None:
        return set()
    if actor.kind is ActorKind.COMPANY:
        query = select(PermitContact.permit_id).where(
            PermitContact.company_id == actor.id, col(PermitContact.permit_id).in_(wanted)
        )
        return set(session.exec(query).all())
    if actor.kind is ActorKind.INSPECTOR:
        query = select(Inspection.permit_id).where(
            Inspection.inspector_id == actor.id, col(Inspection.permit_id).in_(wanted)
        )
        return set(session.exec(query).all())
    return set()


def _deny(actor: Actor, what: str, target: str, detail: str) -> AccessDenied:
    return AccessDenied(what, actor=actor, target=target, detail=detail)


def permit_for(
    session: Session, actor: Actor, number: str, *, private: bool, lock: bool = False
) -> Permit:
    """The permit row ``number`` if ``actor`` may see it (its private parts if ``private``).

    A permit that does not exist and one the actor may not see raise the same
    ``NotFound("permit")``; the refusal (an :class:`AccessDenied`) is audited by the
    :func:`permit_scoped` service that lets it out. ``lock`` takes a row lock (PostgreSQL;
    SQLite's write transactions are already exclusive) for read-check-write services.
    """
    wanted = normalise_number(number)
    if not wanted or len(wanted) > MAX_NUMBER_LENGTH:
        raise NotFound("permit")
    query = select(Permit).where(Permit.number == wanted)
    if lock:
        query = query.with_for_update()
    permit = session.exec(query).first()
    if permit is None:
        raise NotFound("permit")
    _check(session, actor, permit, private=private, what="permit", detail="")
    return permit


def permit_by_id_for(
    session: Session,
    actor: Actor,
    permit_id: int,
    *,
    private: bool,
    what: str = "permit",
    detail: str = "",
) -> Permit:
    """Like :func:`permit_for`, by id; ``what`` names the thing the caller asked for, so a
    refusal says ``"<what> not found"`` just as a missing one does."""
    permit = session.get(Permit, permit_id)
    if permit is None:
        raise NotFound(what)
    _check(session, actor, permit, private=private, what=what, detail=detail)
    return permit


def _check(
    session: Session, actor: Actor, permit: Permit, *, private: bool, what: str, detail: str
) -> None:
    assert permit.id is not None
    allowed = may_see_private(session, actor, permit.id) if private else may_see_public(actor)
    if not allowed:
        raise _deny(actor, what, permit.number, detail or ("private" if private else "public"))


class HasPermitId(Protocol):
    """A table row that belongs to a permit (review, attachment, inspection...)."""

    id: int | None
    permit_id: int


RowT = TypeVar("RowT", bound=HasPermitId)


def scoped_row(
    session: Session, actor: Actor, model: type[RowT], row_id: int, *, what: str
) -> tuple[RowT, Permit]:
    """A permit-scoped row by id and its permit, if ``actor`` may see the permit's private
    parts. Missing and refused both raise ``NotFound(what)``."""
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(what)
    permit = permit_by_id_for(
        session, actor, row.permit_id, private=True, what=what, detail=f"{what} {row_id}"
    )
    return row, permit
