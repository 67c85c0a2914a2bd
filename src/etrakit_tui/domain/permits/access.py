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
from collections.abc import Callable
from datetime import date
from typing import Any, NamedTuple, ParamSpec, Protocol, TypeVar, cast

from sqlalchemy import ColumnElement, Connection, Integer, String, bindparam, exists, false, true
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from etrakit_tui.domain.accounts.actors import Actor, ActorKind
from etrakit_tui.domain.audit import audit_denial
from etrakit_tui.domain.errors import AccessDenied, NotFound
from etrakit_tui.domain.permits.catalog import has_inspection_types_expr
from etrakit_tui.domain.permits.views import PermitInfo, SiteInfo
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import Inspection, Parcel, Permit, PermitContact

P = ParamSpec("P")
R = TypeVar("R")

PERMIT_SCOPED_PARAMS = frozenset(
    {"number", "permit_number", "review_id", "attachment_id", "inspection_id"}
)
"""Parameter names that make a service permit-scoped (it must be registered)."""

_REGISTRY: dict[str, Callable[..., Any]] = {}

MAX_NUMBER_LENGTH = 12


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


def deny(actor: Actor, what: str, target: str, detail: str) -> AccessDenied:
    """A refused access to ``what`` (``"permit"``, ``"inspection"``...): it reads exactly like
    "<what> not found"; the service letting it out audits it."""
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
        raise deny(actor, what, permit.number, detail or ("private" if private else "public"))


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


# --------------------------------------------------------------------------- one permit, checked


_VIEWER = bindparam("viewer", type_=Integer)
_NUMBER = bindparam("number", type_=String)


class PermitFacts(NamedTuple):
    """The permit row of a detail: what the tabs and the rules need."""

    id: int
    number: str
    permit_type: str
    subtype: str
    description: str
    status: str
    applied_on: date | None
    approved_on: date | None
    issued_on: date | None
    finaled_on: date | None
    expires_on: date | None
    on_hold: bool
    notes: str
    has_types: bool
    site: SiteInfo | None

    def info(self) -> PermitInfo:
        return PermitInfo(
            number=self.number,
            permit_type=self.permit_type,
            subtype=self.subtype,
            description=self.description,
            status=self.status,
            applied_on=self.applied_on,
            approved_on=self.approved_on,
            issued_on=self.issued_on,
            finaled_on=self.finaled_on,
            expires_on=self.expires_on,
            on_hold=self.on_hold,
            notes=self.notes,
        )


_PERMIT_COLUMNS = (
    col(Permit.id),
    col(Permit.number),
    col(Permit.permit_type),
    col(Permit.subtype),
    col(Permit.description),
    col(Permit.status),
    col(Permit.applied_on),
    col(Permit.approved_on),
    col(Permit.issued_on),
    col(Permit.finaled_on),
    col(Permit.expires_on),
    col(Permit.on_hold),
    col(Permit.notes),
)
_SITE_COLUMNS = (
    col(Parcel.id),
    col(Parcel.apn),
    col(Parcel.address),
    col(Parcel.city),
    col(Parcel.zip),
    col(Parcel.zoning),
    col(Parcel.lot),
    col(Parcel.tract),
    col(Parcel.owner_name),
    col(Parcel.district),
)


@functools.cache
def _permit_statement(kind: ActorKind) -> Any:
    """The permit by number with its parcel, its types flag and the viewer's access."""
    viewer = Actor(kind, cast(int, _VIEWER), "")
    return (
        sa_select(
            *_PERMIT_COLUMNS,
            has_inspection_types_expr().label("has_types"),
            private_scope(viewer).label("allowed"),
            *_SITE_COLUMNS,
        )
        .outerjoin(Parcel, col(Parcel.id) == col(Permit.parcel_id))
        .where(col(Permit.number) == _NUMBER)
    )


def permit_facts(source: Session | Connection, actor: Actor, permit_no: str) -> PermitFacts:
    """Permit ``permit_no`` if ``actor`` may see its private parts; ``NotFound("permit")``
    for a missing permit and an :class:`AccessDenied` (the same message) for a refused one.

    The check itself, like :func:`access.permit_for` (not a service: it takes the caller's
    session or connection, e.g. :meth:`Database.read_conn`'s; the ``permit_scoped`` service
    calling it audits the refusal)."""
    wanted = normalise_number(permit_no)
    if not wanted or len(wanted) > MAX_NUMBER_LENGTH:
        raise NotFound("permit")
    params = {"number": wanted, "viewer": actor.id if actor.id is not None else 0}
    # no id: no private parts (private_scope's rule), as for an anonymous caller
    kind = ActorKind.ANONYMOUS if actor.id is None and not actor.is_staff else actor.kind
    conn = source.connection() if isinstance(source, Session) else source
    row = conn.execute(_permit_statement(kind), params).first()
    if row is None:
        raise NotFound("permit")
    base = row[: len(_PERMIT_COLUMNS)]
    has_types, allowed = row[len(_PERMIT_COLUMNS)], row[len(_PERMIT_COLUMNS) + 1]
    if not allowed:
        raise AccessDenied("permit", actor=actor, target=base[1], detail="private")
    parcel = row[len(_PERMIT_COLUMNS) + 2 :]
    site = SiteInfo(*parcel[1:]) if parcel[0] is not None else None
    return PermitFacts._make((*base, bool(has_types), site))
