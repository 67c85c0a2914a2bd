"""Request / cancel / assign / result in random orders against a simple model.

Invariants after every step: for every slot, ``booked`` equals the number of open
(REQUESTED/SCHEDULED) inspections in it and stays within ``0..capacity``; and every
inspection has the status the model predicts. Each outcome (saved, or which refusal) is
predicted by the model, so a rule that lets through what it should refuse fails here too.
"""

from __future__ import annotations

import shutil
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlmodel import select

from etrakit_tui.domain.accounts.actors import SYSTEM
from etrakit_tui.domain.errors import RuleViolation, SlotFull
from etrakit_tui.domain.inspections.assignment import assign_inspections
from etrakit_tui.domain.inspections.calendar import requestable_dates
from etrakit_tui.domain.inspections.cancel import cancel_inspection
from etrakit_tui.domain.inspections.requests import RequestedItem, request_inspections
from etrakit_tui.domain.inspections.results import record_result
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.domain.store.models import Inspection, InspectionSlot
from etrakit_tui.settings import Jurisdiction
from tests.conftest import DEFAULT_NOW
from tests.support.factories import (
    company_actor,
    make_company,
    make_inspection_types,
    make_permit,
    make_staff,
    staff_actor,
)
from tests.support.inspection_scene import CONTACT, on_the_day

CAPACITY = 2
PERMITS = {"B2610-001": "NORTH", "B2610-002": "NORTH", "B2610-003": "NORTH", "B2610-004": "SOUTH"}
CODES = ("ROUGH", "FINAL")
OPEN = ("REQUESTED", "SCHEDULED")
RESULTS = ("PASSED", "PARTIAL", "FAILED", "CORRECTION", "NOT READY", "CANCELLED")
DAYS = requestable_dates(Jurisdiction(), DEFAULT_NOW)[:3]


@dataclass
class Modelled:
    permit: str
    code: str
    day: date
    period: str
    status: str = "REQUESTED"

    @property
    def slot(self) -> tuple[str, date, str]:
        return PERMITS[self.permit], self.day, self.period


def make_machine(template: Path, workdir: Path) -> type[RuleBasedStateMachine]:
    path = workdir / "stateful.db"
    # One engine for every example (its compiled-SQL cache survives); each example gets a
    # fresh copy of the migrated template at the same path, with the pool emptied first.
    db = Database.open(
        f"sqlite:///{path}",
        jurisdiction=Jurisdiction(slot_capacity=CAPACITY),
        clock=FixedClock(DEFAULT_NOW),
    )

    class InspectionMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            db.dispose()
            for suffix in ("-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(template, path)
            self.db = db
            with db.write() as s:
                acme = make_company(s, "ACME ELECTRIC INC")
                make_inspection_types(
                    s,
                    "ELECTRICAL",
                    [("ROUGH", "Rough"), ("FINAL", "Final")],
                    prerequisites={"FINAL": ["ROUGH"]},
                )
                for number, district in PERMITS.items():
                    make_permit(s, number, company=acme, district=district)
                make_staff(s, "ana", role="inspector", district="NORTH")
                make_staff(s, "cy", role="inspector", district="SOUTH")
                self.company = company_actor(acme)
                self.clerk = staff_actor(make_staff(s, "clerk"))
            self.model: dict[int, Modelled] = {}

        def teardown(self) -> None:
            db.dispose()

        # ------------------------------------------------------------- the model

        def _has(self, permit: str, code: str, statuses: tuple[str, ...]) -> bool:
            return any(
                m.permit == permit and m.code == code and m.status in statuses
                for m in self.model.values()
            )

        def _open_in(self, slot: tuple[str, date, str]) -> int:
            return sum(1 for m in self.model.values() if m.status in OPEN and m.slot == slot)

        def _predict(
            self, permit: str, items: list[tuple[str, date, str]]
        ) -> type[Exception] | None:
            seen: set[str] = set()
            for code, _, _ in items:
                if (
                    code in seen
                    or self._has(permit, code, OPEN)
                    or self._has(permit, code, ("PASSED",))
                ):
                    return RuleViolation
                if code == "FINAL" and not self._has(permit, "ROUGH", ("PASSED",)):
                    return RuleViolation
                seen.add(code)
            wanted: dict[tuple[str, date, str], int] = {}
            for _, day, period in items:
                slot = (PERMITS[permit], day, period)
                wanted[slot] = wanted.get(slot, 0) + 1
                if self._open_in(slot) + wanted[slot] > CAPACITY:
                    return SlotFull
            return None

        # ------------------------------------------------------------- rules

        item = st.tuples(
            st.sampled_from(CODES), st.sampled_from(DAYS), st.sampled_from(("AM", "PM"))
        )

        @rule(permit=st.sampled_from(sorted(PERMITS)), items=st.lists(item, min_size=1, max_size=2))
        def request(self, permit: str, items: list[tuple[str, date, str]]) -> None:
            expected = self._predict(permit, items)
            try:
                made = request_inspections(
                    self.db, self.company, permit, CONTACT, [RequestedItem(*i) for i in items]
                )
            except RuleViolation as exc:
                assert type(exc) is expected, f"{permit} {items}: {exc!r}, expected {expected}"
                return
            assert expected is None, f"{permit} {items} saved, expected {expected}"
            ordered = sorted(items, key=lambda i: (i[1], i[2]))
            assert len(made) == len(items)
            for view, (code, day, period) in zip(made, ordered, strict=True):
                assert (view.type_code, view.requested_date, view.period) == (code, day, period)
                self.model[view.id] = Modelled(permit, code, day, period)

        @precondition(lambda self: self.model)
        @rule(data=st.data())
        def cancel(self, data: st.DataObject) -> None:
            iid = data.draw(st.sampled_from(sorted(self.model)))
            was_open = self.model[iid].status in OPEN
            try:
                cancel_inspection(self.db, self.company, iid)
            except RuleViolation:
                assert not was_open
                return
            assert was_open
            self.model[iid].status = "CANCELLED"

        @precondition(lambda self: any(m.status == "REQUESTED" for m in self.model.values()))
        @rule(day=st.sampled_from(DAYS))
        def assign(self, day: date) -> None:
            report = assign_inspections(self.db, SYSTEM, day)
            waiting = {i for i, m in self.model.items() if m.day == day and m.status == "REQUESTED"}
            assert {a.inspection_id for a in report.assigned} == waiting
            for iid in waiting:
                self.model[iid].status = "SCHEDULED"

        @precondition(lambda self: self.model)
        @rule(data=st.data(), result=st.sampled_from(RESULTS))
        def result(self, data: st.DataObject, result: str) -> None:
            iid = data.draw(st.sampled_from(sorted(self.model)))
            was_open = self.model[iid].status in OPEN
            # before the inspection's day only CANCELLED may be recorded
            on_its_day = data.draw(st.booleans())
            allowed = on_its_day or result == "CANCELLED"
            when = on_the_day(self.db, self.model[iid].day) if on_its_day else nullcontext()
            try:
                with when:
                    record_result(self.db, self.clerk, iid, result, "noted")
            except RuleViolation:
                assert not (was_open and allowed)
                return
            assert was_open and allowed
            self.model[iid].status = result

        # ------------------------------------------------------------- invariants

        @invariant()
        def slots_count_open_inspections_and_statuses_match(self) -> None:
            with self.db.read() as s:
                slots = s.exec(select(InspectionSlot)).all()
                rows = s.exec(select(Inspection.id, Inspection.slot_id, Inspection.status)).all()
            assert {i: status for i, _, status in rows} == {
                i: m.status for i, m in self.model.items()
            }
            for slot in slots:
                holding = sum(1 for _, sid, status in rows if sid == slot.id and status in OPEN)
                assert 0 <= slot.booked <= slot.capacity, slot
                assert slot.booked == holding, slot
                assert slot.booked == self._open_in((slot.district, slot.day, slot.period))

    return InspectionMachine


def test_slots_never_drift_from_their_open_inspections(
    migrated_sqlite_template: Path, tmp_path: Path
) -> None:
    machine = make_machine(migrated_sqlite_template, tmp_path)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
