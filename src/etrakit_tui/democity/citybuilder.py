"""Whole permits with their histories: contacts, inspections (with their requests and
slots), reviews in cycles, fees and payments, conditions.

:class:`CityBuilder` writes through one :class:`~etrakit_tui.democity.citygen.RowWriter` per
transaction (:meth:`CityBuilder.begin` ... :meth:`CityBuilder.end`). Dates come from
:func:`~etrakit_tui.democity.citygen.timeline`, so every permit obeys the rules listed in
:mod:`etrakit_tui.democity.citygen`. Used by the demo city and by ``demo-data``.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from etrakit_tui.democity.citygen import (
    Batch,
    CompanyRef,
    ParcelRef,
    PermitOutcome,
    PermitSpec,
    Row,
    RowWriter,
    SlotBook,
    Timeline,
    open_days,
    person,
    phone,
    timeline,
)
from etrakit_tui.domain.inspections.calendar import local_today
from etrakit_tui.domain.permits import catalog
from etrakit_tui.domain.store.models import (
    ContactRole,
    InspectionStatus,
    PermitStatus,
    ReviewStatus,
)
from etrakit_tui.settings import Jurisdiction

I = InspectionStatus  # noqa: E741 - short aliases
P = PermitStatus
R = ReviewStatus

COMMENTS: dict[str, tuple[str, ...]] = {
    I.PASSED: ("OK to proceed.", "Approved.", "OK to cover.", "Approved per plans.", ""),
    I.FAILED: (
        "Work not per approved plans; correct and call for reinspection.",
        "Missing nail plates at top plates.",
        "GFCI protection missing at exterior receptacles.",
        "Test did not hold pressure; retest required.",
        "Missing strapping and bonding.",
    ),
    I.CORRECTION: (
        "Correction notice left on site. See attached.",
        "Correction notice issued: provide engineered letter before next inspection.",
    ),
    I.PARTIAL: ("Partial approval: garage walls only.", "Partial: east half approved."),
    I.NOT_READY: ("Not ready. Site locked, no access.", "Not ready at time of inspection."),
    I.CANCELLED: ("Cancelled by contractor.", "Cancelled: weather."),
}

REQUEST_NOTES = (
    "",
    "",
    "",
    "",
    "CALL 30 MIN BEFORE ARRIVAL",
    "DOG IN BACKYARD",
    "KEY IN LOCKBOX",
    "ACCESS FROM ALLEY",
    "GATE CODE 1234",
)


class CityBuilder:
    """Writes permits and their histories through one :class:`RowWriter` per transaction
    (:meth:`begin` ... :meth:`end`)."""

    def __init__(
        self,
        j: Jurisdiction,
        now: datetime,
        rng: random.Random,
        type_ids: dict[tuple[str, str], int],
        slots: SlotBook,
        inspectors: dict[str, list[int]],
        cashier_id: int | None,
        *,
        open_share: float,
    ) -> None:
        self.j, self.now, self.rng = j, now, rng
        self.today = local_today(j, now)
        self.type_ids = type_ids
        self.slots = slots
        self.inspectors = inspectors
        self.all_inspectors = sorted(i for ids in inspectors.values() for i in ids)
        self.cashier_id = cashier_id
        self.open_share = open_share
        self.open_days = open_days(j, now)
        self._writer: RowWriter | None = None
        self._moments: dict[tuple[date, int, int], datetime] = {}
        self.past_requests = True  # False: past inspections come without their request row
        self.lean = False  # True: fewer review disciplines, fee lines and conditions (bulk)

    @property
    def writer(self) -> RowWriter:
        assert self._writer is not None, "begin() first"
        return self._writer

    def begin(self, session: Session | None, *, writer: RowWriter | None = None) -> None:
        """Start a transaction's rows: a writer on ``session``, or the detached ``writer``
        whose batches :meth:`take` hands over."""
        self._writer = writer if writer is not None else RowWriter(session)

    def end(self) -> None:
        """Write the transaction's rows and the places they took in earlier slots."""
        writer = self.writer
        writer.finish()
        self.slots.settle(writer.session)
        self._writer = None

    def take(self) -> tuple[Batch, list[tuple[int, int]]]:
        """Detached: the rows since :meth:`begin` and the places they took in slots of
        earlier batches, for :func:`~etrakit_tui.democity.citygen.store` and
        :func:`~etrakit_tui.democity.citygen.add_bookings`."""
        batch = self.writer.take()
        self._writer = None
        return batch, self.slots.take_deltas()

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """A wall-clock moment (daytime) in the jurisdiction, as aware UTC."""
        key = (day, hour, minute)
        moment = self._moments.get(key)
        if moment is None:
            if len(self._moments) > 500_000:  # keep memory bounded on huge runs
                self._moments.clear()
            noon = datetime(day.year, day.month, day.day, 12, tzinfo=self.j.zone).utcoffset()
            local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
            moment = self._moments[key] = local - (noon or timedelta(0))
        return moment

    def minute(self) -> int:
        """A minute of the hour, to five minutes (times repeat, so they convert once)."""
        return 5 * int(self.rng.random() * 12)

    def inspector_for(self, district: str) -> int | None:
        ids = self.inspectors.get(district) or self.all_inspectors
        return ids[0] if len(ids) == 1 else (self.rng.choice(ids) if ids else None)

    # ------------------------------------------------------------------ small rows

    def parcel(self, row: Row) -> ParcelRef:
        return ParcelRef(
            self.writer.add("parcel", row), row["address"], row["district"], row["owner_name"]
        )

    def contact(
        self,
        permit_id: int,
        role: str,
        name: str,
        company_id: int | None = None,
        phone: str = "",
        email: str = "",
    ) -> None:
        self.writer.add("permit_contact", {
            "permit_id": permit_id, "company_id": company_id, "role": role, "name": name,
            "phone": phone, "email": email,
        })  # fmt: skip

    def fee(self, permit_id: int, code: str, assessed: date, amount: int | None = None) -> int:
        spec = catalog.FEE_SCHEDULE[code]
        if amount is None:
            amount = (
                spec.low_cents
                + self.rng.randrange((spec.high_cents - spec.low_cents) // 100 + 1) * 100
            )
        self.writer.add("fee", {
            "permit_id": permit_id, "code": code, "description": spec.description,
            "amount_cents": amount, "assessed_on": assessed,
        })  # fmt: skip
        return amount

    def payment(self, permit_id: int, amount: int, day: date) -> None:
        rng = self.rng
        method = rng.choice(("CHECK", "CHECK", "CARD", "CASH", "ACH"))
        reference = {
            "CHECK": f"CHK {rng.randint(1001, 9999)}",
            "CARD": f"VISA x{rng.randint(1000, 9999)}",
            "ACH": f"ACH {rng.randint(100000, 999999)}",
        }.get(method, "")
        paid_at = min(self.now, self.at(day, rng.randint(8, 16), self.minute()))
        self.writer.add("payment", {
            "permit_id": permit_id, "amount_cents": amount, "method": method,
            "reference": reference, "paid_at": paid_at, "recorded_by_id": self.cashier_id,
        })  # fmt: skip

    def review(
        self,
        permit_id: int,
        cycle: int,
        review_type: str,
        status: str,
        submitted: date,
        completed: date | None,
        notes: str = "",
    ) -> None:
        due = submitted + timedelta(days=21 if cycle == 1 else 14)
        self.writer.add("review", {
            "permit_id": permit_id, "cycle": cycle, "review_type": review_type,
            "reviewer": self.rng.choice(catalog.REVIEWERS[review_type]), "status": status,
            "submitted_on": submitted, "due_on": due, "completed_on": completed, "notes": notes,
        })  # fmt: skip

    # ------------------------------------------------------------------ inspections

    def inspection(
        self,
        permit_id: int,
        permit_type: str,
        index: int,
        day: date,
        period: str,
        status: str,
        parcel: ParcelRef,
        contractor: CompanyRef,
        *,
        slot_id: int | None = None,
        inspector_id: int | None = None,
        requested_at: datetime | None = None,
        scheduled_at: datetime | None = None,
        comments: str | None = None,
    ) -> int:
        """One inspection (with the request that asked for it). Past ones take no place in
        their slot; open ones must come with the ``slot_id`` :meth:`open_inspection` booked."""
        rng = self.rng
        code = catalog.INSPECTION_TYPES[permit_type][index].code
        if slot_id is None:
            slot_id = self.slots.get(self.writer, parcel.district, day, period).id
        if requested_at is None:
            requested_at = self.at(
                day - timedelta(days=rng.randint(1, 4)), rng.randint(7, 16), self.minute()
            )
        if inspector_id is None and status not in (I.REQUESTED, I.CANCELLED):
            inspector_id = self.inspector_for(parcel.district)
        if scheduled_at is None and inspector_id is not None:
            scheduled_at = self.at(day, 7, self.minute() // 2)
        resulted = status not in (I.REQUESTED, I.SCHEDULED, I.CANCELLED)
        hour = rng.randint(9, 11) if period == "AM" else rng.randint(13, 16)
        cancelled = None
        if status == I.CANCELLED:
            cancelled = max(requested_at, self.at(day - timedelta(days=1), rng.randint(8, 16)))
        request_id = None
        if self.past_requests or status in (I.REQUESTED, I.SCHEDULED):
            request_id = self._request(permit_id, parcel, contractor, requested_at)
        if comments is None:
            comments = rng.choice(COMMENTS.get(status, ("",)))
        return self.writer.add("inspection", {
            "permit_id": permit_id, "request_id": request_id,
            "inspection_type_id": self.type_ids[(permit_type, code)], "slot_id": slot_id,
            "requested_date": day, "period": period, "status": status,
            "inspector_id": inspector_id, "comments": comments, "requested_at": requested_at,
            "scheduled_at": scheduled_at, "cancelled_at": cancelled,
            "resulted_at": self.at(day, hour, self.minute()) if resulted else None,
        })  # fmt: skip

    def _request(
        self, permit_id: int, parcel: ParcelRef, contractor: CompanyRef, at: datetime
    ) -> int:
        """The inspection request form as the contractor filled it in."""
        return self.writer.add("inspection_request", {
            "permit_id": permit_id, "company_id": contractor.id, "contact_name": contractor.person,
            "contact_phone": contractor.phone, "contact_email": contractor.email,
            "site_address": parcel.address, "notes": self.rng.choice(REQUEST_NOTES),
            "created_at": at,
        })  # fmt: skip

    def open_inspection(
        self,
        permit_id: int,
        permit_type: str,
        index: int,
        parcel: ParcelRef,
        contractor: CompanyRef,
        at: tuple[date, str] | None = None,
        status: str | None = None,
    ) -> int | None:
        """An upcoming inspection in the first slot with room (``at``: that slot only);
        ``None`` when every slot tried is full. ``status`` forces REQUESTED or SCHEDULED."""
        rng = self.rng
        if at is not None:
            choices = [at]
        else:
            weights = {d: (3.0 if i < 2 else 1.5) for i, d in enumerate(self.open_days)}
            pairs = [(d, p) for d in self.open_days for p in ("AM", "PM")]
            choices = sorted(pairs, key=lambda dp: -(rng.random() ** (1.0 / weights[dp[0]])))
        future = [d for d in self.open_days if d > self.today]
        for day, period in choices:
            slot_id = self.slots.book(self.writer, parcel.district, day, period)
            if slot_id is None:
                continue
            chosen: str
            if day <= self.today:
                chosen = I.SCHEDULED
                requested_at = self.at(day - timedelta(days=rng.randint(1, 3)), rng.randint(8, 16))
            else:
                soon = bool(future) and day == future[0]
                chosen = I.SCHEDULED if rng.random() < (0.7 if soon else 0.15) else I.REQUESTED
                requested_at = self.now - timedelta(minutes=rng.randint(20, 2 * 24 * 60))
            chosen = status or chosen
            inspector = self.inspector_for(parcel.district) if chosen == I.SCHEDULED else None
            scheduled = None
            if inspector is not None:
                scheduled = min(self.now, max(requested_at, self.at(day, 7, self.minute() // 2)))
            return self.inspection(
                permit_id,
                permit_type,
                index,
                day,
                period,
                chosen,
                parcel,
                contractor,
                slot_id=slot_id,
                inspector_id=inspector,
                requested_at=requested_at,
                scheduled_at=scheduled,
                comments="",
            )
        return None

    # ------------------------------------------------------------------ a whole permit

    def permit(self, spec: PermitSpec, t: Timeline | None = None) -> PermitOutcome:
        """A permit with its contacts, inspections, reviews, fees and conditions."""
        rng = self.rng
        ptype, status = spec.permit_type, spec.status
        types = catalog.INSPECTION_TYPES[ptype]
        if t is None:
            t = timeline(rng, self.j, ptype, status, spec.applied_on, self.today)
        on_hold = (
            spec.on_hold
            if spec.on_hold is not None
            else (status == P.ACTIVE and rng.random() < 0.02)
        )
        sub = rng.randrange(len(catalog.SUBTYPES[ptype]))
        low, high = catalog.SIZE_RANGES[ptype]
        created = min(self.now, self.at(spec.applied_on, rng.randint(7, 16), self.minute()))
        permit_id = self.writer.add("permit", {
            "number": spec.number, "permit_type": ptype, "subtype": catalog.SUBTYPES[ptype][sub],
            "description": catalog.DESCRIPTIONS[ptype][sub].format(n=rng.randint(low, high)),
            "status": status, "parcel_id": spec.parcel.id, "applied_on": spec.applied_on,
            "approved_on": t.approved, "issued_on": t.issued, "finaled_on": t.finaled,
            "expires_on": t.expires, "on_hold": on_hold, "notes": self._notes(status, on_hold),
            "created_at": created,
        })  # fmt: skip
        self._contacts(permit_id, spec)
        corrections, failures = 0, []
        for visit in t.visits:
            period = "AM" if rng.random() < 0.55 else "PM"
            self.inspection(permit_id, ptype, visit.index, visit.day, period, visit.status,
                            spec.parcel, spec.contractor)  # fmt: skip
            corrections += visit.status == I.CORRECTION
            if visit.status in (I.FAILED, I.CORRECTION):
                failures.append(visit.day)
        open_id = None
        wanted = (
            spec.open_inspection
            if spec.open_inspection is not None
            else rng.random() < self.open_share
        )
        if wanted and status in (P.ISSUED, P.ACTIVE) and not on_hold and t.passed < len(types):
            open_id = self.open_inspection(
                permit_id, ptype, t.passed, spec.parcel, spec.contractor, spec.open_at
            )
        final_open = open_id is not None and types[t.passed].is_final
        if ptype in catalog.REVIEWS_FOR:
            self._reviews(permit_id, ptype, status, spec.applied_on, t)
        self._fees(permit_id, spec, t, failures, clear=final_open or spec.fees_due is False)
        self._conditions(permit_id, ptype, status, t.approved or spec.applied_on)
        return PermitOutcome(permit_id, corrections, open_id)

    def _notes(self, status: str, on_hold: bool) -> str:
        rng = self.rng
        if on_hold:
            return rng.choice(
                ("ON HOLD - CODE ENFORCEMENT CASE OPEN", "ON HOLD - STOP WORK NOTICE POSTED")
            )
        if status == P.VOID:
            return rng.choice(("VOIDED AT APPLICANT'S REQUEST", "VOID - DUPLICATE APPLICATION"))
        if status == P.EXPIRED and rng.random() < 0.5:
            return "EXPIRATION NOTICE MAILED TO OWNER AND CONTRACTOR"
        return "PLANS ON FILE" if rng.random() < 0.1 else ""

    def _contacts(self, permit_id: int, spec: PermitSpec) -> None:
        c = spec.contractor
        self.contact(permit_id, ContactRole.CONTRACTOR, c.name, c.id, c.phone, c.email)
        self.contact(permit_id, ContactRole.OWNER, spec.parcel.owner)
        if spec.design is not None:
            d = spec.design
            role = ContactRole.ENGINEER if spec.permit_type == "GRADING" else ContactRole.ARCHITECT
            self.contact(permit_id, role, d.name, d.id, d.phone, d.email)
        elif self.rng.random() < 0.08:
            self.contact(permit_id, ContactRole.APPLICANT, person(self.rng), phone=phone(self.rng))

    def _reviews(self, permit_id: int, ptype: str, status: str, applied: date, t: Timeline) -> None:
        """Plan review in cycles: corrections carry into the next cycle; the last cycle
        matches the permit's status."""
        rng = self.rng
        disciplines = catalog.REVIEWS_FOR[ptype]
        most = min(len(disciplines), 2) if self.lean else len(disciplines)
        chosen = list(disciplines[: rng.randint(1, most)])
        if status in (P.APPLIED, P.IN_REVIEW):
            end = self.today
        else:
            end = t.approved or min(self.today, applied + timedelta(days=rng.randint(20, 60)))
        cycles = 1 if status == P.APPLIED else rng.randint(1, 2 if self.lean else 3)
        step = max((end - applied).days // cycles, 1)
        for cycle in range(1, cycles + 1):
            submitted = min(applied + timedelta(days=step * (cycle - 1)), self.today)
            done: date | None = None
            if cycle < cycles:
                results = [
                    R.CORRECTIONS_REQUIRED if rng.random() < 0.6 else R.APPROVED for _ in chosen
                ]
                results[0] = R.CORRECTIONS_REQUIRED
                done = min(submitted + timedelta(days=max(step - 2, 1)), self.today)
            elif status == P.APPLIED:
                results = [R.SUBMITTED] * len(chosen)
            elif status == P.IN_REVIEW:
                results = [rng.choice((R.SUBMITTED, R.IN_REVIEW, R.APPROVED)) for _ in chosen]
                results[0] = R.IN_REVIEW
                done = min(submitted + timedelta(days=rng.randint(1, 10)), self.today)
            else:
                final = R.CORRECTIONS_REQUIRED if status == P.VOID else R.APPROVED
                results, done = [final] * len(chosen), end
            for discipline, result in zip(chosen, results, strict=True):
                finished = done if result in (R.APPROVED, R.CORRECTIONS_REQUIRED) else None
                note = self._review_note(discipline, result)
                self.review(permit_id, cycle, discipline, result, submitted, finished, note)
            chosen = [
                d for d, r in zip(chosen, results, strict=True) if r == R.CORRECTIONS_REQUIRED
            ]

    def _review_note(self, discipline: str, result: str) -> str:
        if result == R.CORRECTIONS_REQUIRED:
            notes = catalog.REVIEW_NOTES[discipline]
            return " ".join(self.rng.sample(notes, min(len(notes), self.rng.randint(1, 2))))
        if result == R.APPROVED:
            return self.rng.choice(("Approved.", "Approved as noted.", "Approved; see conditions."))
        return ""

    def _fees(
        self, permit_id: int, spec: PermitSpec, t: Timeline, failures: list[date], *, clear: bool
    ) -> None:
        """Fees as the permit went: plan check at application, permit fees at approval (or
        application, over the counter), re-inspection fees after failures. Paid at issue
        unless the permit is not issued yet; ``clear`` pays everything."""
        rng = self.rng
        status = spec.status
        plan_check = spec.number.startswith(catalog.PLAN_CHECK_LETTER)
        reviewed = spec.permit_type in catalog.REVIEWS_FOR
        due = 0
        paid: dict[date, int] = {}

        def settle(amount: int, assessed: date, pay_on: date | None) -> None:
            nonlocal due
            if pay_on is None and clear:
                pay_on = min(assessed + timedelta(days=1), self.today)
            if pay_on is None:
                due += amount
            else:
                paid[pay_on] = paid.get(pay_on, 0) + amount

        if plan_check or reviewed:
            early = status == P.APPLIED and rng.random() < 0.3
            settle(
                self.fee(permit_id, "PLANCHK", spec.applied_on),
                spec.applied_on,
                None if early else spec.applied_on,
            )
        in_review = status in (P.APPLIED, P.IN_REVIEW) and reviewed
        if not plan_check and status != P.VOID and not in_review:
            assessed = t.approved or t.issued or spec.applied_on
            codes = catalog.PERMIT_FEES[spec.permit_type]
            for code in codes[:2] if self.lean else codes:
                settle(self.fee(permit_id, code, assessed), assessed, t.issued)
        for day in failures:
            if rng.random() < 0.3:
                later = min(day + timedelta(days=rng.randint(1, 10)), self.today)
                pay = later if status == P.FINALED or rng.random() < 0.5 else None
                settle(self.fee(permit_id, "REINSP", day), day, pay)
        if spec.fees_due and not due:
            self.fee(permit_id, "REINSP", self.today - timedelta(days=rng.randint(1, 20)))
        for day, amount in sorted(paid.items()):
            self.payment(permit_id, amount, day)

    def _conditions(self, permit_id: int, ptype: str, status: str, created: date) -> None:
        rng = self.rng
        pool = catalog.CONDITIONS_ANY + catalog.CONDITIONS_FOR.get(ptype, ())
        count = rng.choice((0, 0, 1) if self.lean else (0, 0, 1, 1, 2, 3))
        for template in rng.sample(pool, min(len(pool), count)):
            self.writer.add("condition", {
                "permit_id": permit_id, "name": template.name, "description": template.description,
                "status": "MET" if status == P.FINALED else "OPEN", "created_on": created,
            })  # fmt: skip
