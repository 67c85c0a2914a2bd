"""A permit's attachments: their content for the viewer, and emailing one to the company's
profile address through the outbox (exactly once, size-limited, audited) — over SSH no
file is ever written on the server.
"""

from __future__ import annotations

from sqlmodel import col, select

from etrakit_tui.domain import audit
from etrakit_tui.domain.accounts.actors import Actor
from etrakit_tui.domain.audit import audited_refusals
from etrakit_tui.domain.errors import RuleViolation
from etrakit_tui.domain.notify.outbox import (
    MAX_ADDRESS,
    attachment_email,
    header_text,
    queue_email,
)
from etrakit_tui.domain.permits.access import permit_scoped, scoped_row
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import (
    Attachment,
    Company,
    Outbox,
    OutboxStatus,
    Parcel,
)
from etrakit_tui.filenames import safe_filename

MAX_EMAIL_ATTACHMENT_BYTES = 10 * 1024 * 1024
NO_COMPANY_EMAIL = "Your company profile has no email address; add one on the Profile screen."


@permit_scoped
def attachment_content(db: Database, actor: Actor, attachment_id: int) -> tuple[str, str, bytes]:
    """``(filename, content_type, bytes)`` of an attachment the actor may see."""
    with db.read() as session:
        attachment, _ = scoped_row(session, actor, Attachment, attachment_id, what="attachment")
        return attachment.filename, attachment.content_type, attachment.data or b""


@permit_scoped
def email_attachment(db: Database, actor: Actor, attachment_id: int) -> str:
    """Queue an email carrying the attachment to the actor's company profile address (the
    outbox sends it once); returns that address. One transaction with its audit line.

    Refused: an attachment the company may not see (``NotFound``, like a missing one); a
    staff or inspector account, a company without an email address, a file over
    :data:`MAX_EMAIL_ATTACHMENT_BYTES`, or the same file still waiting to go to the same
    address (:class:`RuleViolation`). Every refusal is audited."""
    target = f"attachment {attachment_id}"
    with audited_refusals(db, actor, "attachment_emailed", target), db.write() as s:
        attachment, permit = scoped_row(s, actor, Attachment, attachment_id, what="attachment")
        if not actor.is_company:
            raise RuleViolation(
                "Attachments are emailed to a company's profile address; this account has none."
            )
        locked = select(Company).where(col(Company.id) == actor.id).with_for_update()
        company = s.exec(locked.execution_options(populate_existing=True)).one()
        to = header_text(company.email, MAX_ADDRESS)
        if not to:
            raise RuleViolation(NO_COMPANY_EMAIL)
        name = safe_filename(attachment.filename)
        size = len(attachment.data or b"")
        if size > MAX_EMAIL_ATTACHMENT_BYTES:
            limit = MAX_EMAIL_ATTACHMENT_BYTES // (1024 * 1024)
            raise RuleViolation(
                f"{name} is {size / (1024 * 1024):.1f} MB; files over {limit} MB are not "
                f"emailed. Call the {db.jurisdiction.division} at {db.jurisdiction.phone}."
            )
        waiting = select(col(Outbox.id)).where(
            col(Outbox.attachment_id) == attachment_id,
            col(Outbox.to_addr) == to,
            col(Outbox.status) == OutboxStatus.PENDING.value,
        )
        if s.exec(waiting).first() is not None:
            raise RuleViolation(f"{name} is already waiting to be emailed to {to}.")
        site = s.get(Parcel, permit.parcel_id) if permit.parcel_id else None
        draft = attachment_email(
            db.jurisdiction,
            to=to,
            company_name=company.name,
            permit_number=permit.number,
            address=site.address if site else "",
            filename=name,
            size=size,
        )
        now = db.now()
        queue_email(s, draft, at=now, attachment_id=attachment_id)
        detail = f"{name} ({size} bytes) to {to}"
        audit.record(s, actor, "attachment_emailed", at=now, target=permit.number, detail=detail)
        return to
