"""One stop of the inspector's route: what to know on site, and the result.

:class:`InspectionScreen` shows the inspection (type, day, window, status), the request's
contact and notes, the permit summary, the permit's earlier inspections with their
comments, and its conditions. ``r`` opens :class:`ResultScreen` — the six results in words
(Passed, Partial, Failed, Correction notice, Not ready, Cancelled) and the comments — and
:class:`ConfirmResultScreen` asks before :func:`inspections.record_result` commits.

A FAILED or CORRECTION result queues the contractor's email in the same transaction (the
domain does that); right after the commit :func:`kick_mailer` tries to send it once, in a
worker. Its errors are ignored on purpose: the email stays pending in the outbox and the
``notify`` job delivers it later.

In field mode (:mod:`etrakit_tui.tui.field_app`) the same forms record the result on the
laptop (:func:`etrakit_tui.domain.field.record_offline`); it is sent to the city, through
the same rules, at the next sync. The screen shows the field status line.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, RadioButton, RadioSet, Static, TextArea

from etrakit_tui.domain.errors import EtrakitError, ValidationFailed
from etrakit_tui.domain.inspections import calendar, results
from etrakit_tui.domain.inspections.calendar import format_date
from etrakit_tui.domain.inspections.results import NOTIFIED_RESULTS
from etrakit_tui.domain.inspections.views import InspectionView, RouteStop
from etrakit_tui.domain.permits import detail as permits_detail
from etrakit_tui.domain.permits.views import PermitDetail
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import InspectionStatus
from etrakit_tui.text import defuse
from etrakit_tui.tui import theme
from etrakit_tui.tui.navigation import NAV_BINDINGS
from etrakit_tui.tui.safe import inert
from etrakit_tui.tui.screens.base import PortalScreen
from etrakit_tui.tui.screens.modal import PortalModal, QuestionModal

if TYPE_CHECKING:
    from etrakit_tui.domain.field.views import FieldResultView

RESULTS: tuple[tuple[str, InspectionStatus], ...] = (
    ("Passed", InspectionStatus.PASSED),
    ("Partial", InspectionStatus.PARTIAL),
    ("Failed", InspectionStatus.FAILED),
    ("Correction notice", InspectionStatus.CORRECTION),
    ("Not ready", InspectionStatus.NOT_READY),
    ("Cancelled", InspectionStatus.CANCELLED),
)
"""The results an inspector records, in the words on the form."""

OPEN_STATUSES = {s.value for s in (InspectionStatus.REQUESTED, InspectionStatus.SCHEDULED)}


@dataclass(frozen=True, slots=True)
class ResultChoice:
    """What the inspector chose on the result form."""

    status: InspectionStatus
    words: str
    comments: str


def kick_mailer(app: App[object], database: Database) -> None:
    """Try once, in a worker, to send what the outbox holds (the failed-inspection email).
    Nothing happens without a configured SMTP host; every error is ignored — the row stays
    pending for the ``notify`` job."""

    def send() -> None:
        from etrakit_tui.domain.notify.smtp import deliver_pending
        from etrakit_tui.settings import load_settings

        try:
            smtp = load_settings().smtp()
            if smtp.host:
                deliver_pending(database, smtp, limit=10)
        except Exception as exc:  # by design: the outbox keeps the email for the notify job
            from etrakit_tui.logs import log_failure

            log_failure(exc, fatal=False)

    app.run_worker(send, thread=True, group="mailer", exit_on_error=False)


# --------------------------------------------------------------------------- texts


def stop_text(stop: RouteStop) -> str:
    """The inspection and what the request said."""
    return "\n".join(
        [
            f"Inspection:  {stop.type_name} ({stop.permit_type})   Status: {stop.status}",
            f"When:        {stop.period} {stop.window}",
            f"Address:     {stop.address}",
            f"Contact:     {stop.contact_name or '-'}   Phone: {stop.contact_phone or '-'}",
            f"Notes:       {' '.join(stop.notes.split()) or '(none)'}",
        ]
    )


def permit_text(detail: PermitDetail) -> str:
    """The permit summary: type, status, dates, description, notes."""
    info = detail.info
    kind = f"{info.permit_type} / {info.subtype}" if info.subtype else info.permit_type
    hold = "  ON HOLD" if info.on_hold else ""
    lines = [
        f"Permit {info.number}:  {kind}   Status: {info.status}{hold}",
        f"Issued {format_date(info.issued_on) or '-'}   "
        f"Expires {format_date(info.expires_on) or '-'}",
    ]
    if detail.site is not None:
        lines.append(f"Parcel {detail.site.apn}   Owner: {detail.site.owner_name or '-'}")
    if info.description.strip():
        lines.append(f"Description: {' '.join(info.description.split())}")
    if info.notes.strip():
        lines.append(f"Notes: {' '.join(info.notes.split())}")
    return "\n".join(lines)


def earlier_text(detail: PermitDetail, current: int) -> str:
    """The permit's other inspections, newest first, with their comments."""
    rows = sorted(
        (r for r in detail.inspections if r.inspection_id != current),
        key=lambda r: (r.date, r.period, r.inspection_id),
        reverse=True,
    )
    if not rows:
        return "Earlier inspections: none"
    lines = [f"Earlier inspections ({len(rows)}):"]
    for r in rows:
        who = f"  {r.inspector_name}" if r.inspector_name else ""
        lines.append(f"  {format_date(r.date)} {r.period}  {r.inspection_type}  {r.status}{who}")
        if r.comments.strip():
            lines.append("     " + " ".join(r.comments.split()))
    return "\n".join(lines)


def conditions_text(detail: PermitDetail) -> str:
    """The permit's conditions of approval."""
    if not detail.conditions:
        return "Conditions: none"
    lines = [f"Conditions ({len(detail.conditions)}):"]
    for c in detail.conditions:
        lines.append(f"  {c.name}  {c.status}")
        if c.description.strip():
            lines.append("     " + " ".join(c.description.split()))
    return "\n".join(lines)


# --------------------------------------------------------------------------- result forms


class ResultScreen(PortalModal[ResultChoice | None]):
    """Choose the result (arrows, Enter) and write the comments; Ctrl+S goes on."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "save",
            "Record",
            id="result.save",
            tooltip="Record the chosen result (asks first)",
        ),
        Binding("escape", "cancel", "Cancel", id="result.cancel", tooltip="Nothing is recorded"),
    ]

    def __init__(self, stop: RouteStop, initial: ResultChoice | None = None) -> None:
        super().__init__()
        self.stop = stop
        self.initial = initial

    def compose(self) -> ComposeResult:
        stop, initial = self.stop, self.initial
        comments = initial.comments if initial else stop.comments
        with Vertical(id="result-dialog", classes="dialog"):
            yield Static(
                inert(f"Result: {stop.type_name}, {stop.permit_number}, {stop.address}"),
                classes="title",
            )
            with RadioSet(id="result-choice"):
                for words, status in RESULTS:
                    yield RadioButton(words, value=initial is not None and initial.status is status)
            yield Static(self._chosen_words(), id="result-chosen")
            yield Static("Inspector comments (Tab to reach them):")
            yield TextArea(
                defuse(comments, keep_newlines=True),
                id="comments",
                soft_wrap=True,
                show_line_numbers=False,
                tab_behavior="focus",
            )
            yield Static("", id="result-error")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(RadioSet).focus()

    @property
    def chosen(self) -> tuple[str, InspectionStatus] | None:
        index = self.query_one(RadioSet).pressed_index
        return RESULTS[index] if 0 <= index < len(RESULTS) else None

    def _chosen_words(self) -> str:
        if self.is_mounted:
            chosen = self.chosen
            words = chosen[0] if chosen else None
        else:
            words = self.initial.words if self.initial else None
        return f"Chosen: {words.upper()}" if words else "Chosen: none yet"

    @on(RadioSet.Changed)
    def _changed(self) -> None:
        self.query_one("#result-chosen", Static).update(self._chosen_words())
        self.query_one("#result-error", Static).update("")

    def action_save(self) -> None:
        chosen = self.chosen
        if chosen is None:
            self.query_one("#result-error", Static).update("Error: Choose a result first.")
            self.query_one(RadioSet).focus()
            return
        comments = self.query_one("#comments", TextArea).text
        self.dismiss(ResultChoice(chosen[1], chosen[0], comments))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmResultScreen(QuestionModal):
    """ "Record FAILED?" — Y records it, N or Esc goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "y",
            "answer(True)",
            "Yes, record it",
            id="confirm-result.yes",
            tooltip="Record the result",
        ),
        Binding(
            "n,escape",
            "answer(False)",
            "No, go back",
            id="confirm-result.no",
            tooltip="Back to the result form",
        ),
    ]

    def __init__(self, stop: RouteStop, choice: ResultChoice, *, field: bool = False) -> None:
        """``field``: recorded on the laptop, sent at the next sync (field mode)."""
        super().__init__()
        self.stop = stop
        self.choice = choice
        self.field = field

    def compose(self) -> ComposeResult:
        stop, choice = self.stop, self.choice
        comments = " ".join(choice.comments.split()) or "(no comments)"
        with Vertical(id="confirm-result", classes="dialog"):
            yield Static(inert(f"Record {choice.status.value}?"), classes="title")
            yield Static(inert(f"{stop.type_name} on permit {stop.permit_number}"))
            yield Static(inert(f"at {stop.address}"))
            yield Static(inert(f"Comments: {comments[:300]}"))
            if self.field:
                yield Static("Kept on this laptop at once; sent to the city at the next sync.")
            if choice.status in NOTIFIED_RESULTS:
                yield Static("The contractor is emailed if their profile asks for it.")
            with Horizontal(id="confirm-buttons"):
                yield Button("Yes, record it (Y)", id="yes", variant="primary")
                yield Button("No, go back (N)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


# --------------------------------------------------------------------------- the stop


class InspectionScreen(PortalScreen, inherit_bindings=False):
    """One inspection of the route, and recording its result."""

    COMMANDS = {theme.ThemeCommands}  # the palette offers the sunlight theme

    AUTO_FOCUS = "#visit"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "r",
            "record",
            "Record result",
            id="visit.record",
            tooltip="Record the result of this inspection",
        ),
        *NAV_BINDINGS,
        *Screen.BINDINGS,  # Tab / Shift+Tab, copy (this screen does not inherit bindings)
    ]

    def __init__(self, stop: RouteStop) -> None:
        super().__init__()
        self.stop = stop
        self.detail: PermitDetail | None = None
        self.saving = False

    def compose(self) -> ComposeResult:
        stop = self.stop
        yield from self.compose_header()
        field = self.portal.field
        if field is not None:
            from etrakit_tui.tui.screens.field_status import FieldStatusLine

            yield FieldStatusLine(field)
        yield Static(
            inert(f"{stop.type_name} — {stop.permit_number} — {stop.address}"), id="visit-title"
        )
        yield Static("", id="visit-message")
        with VerticalScroll(id="visit", can_focus=True):
            yield Static(inert(stop_text(stop), multiline=True), id="visit-stop")
            yield Static("Loading the permit...", id="visit-permit")
            yield Static("", id="visit-earlier")
            yield Static("", id="visit-conditions")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self._load()

    def _load(self) -> None:
        self.call_service(
            permits_detail.permit_detail,
            self.database,
            self.actor,
            self.stop.permit_number,
            on_done=self._loaded,
            group="visit-load",
        )

    def _loaded(self, detail: PermitDetail) -> None:
        self.detail = detail
        current = self.stop.inspection_id
        self.query_one("#visit-permit", Static).update(inert(permit_text(detail), multiline=True))
        self.query_one("#visit-earlier", Static).update(
            inert(earlier_text(detail, current), multiline=True)
        )
        self.query_one("#visit-conditions", Static).update(
            inert(conditions_text(detail), multiline=True)
        )

    def say(self, words: str) -> None:
        self.query_one("#visit-message", Static).update(inert(words))

    # ------------------------------------------------------------------ result

    def action_record(self) -> None:
        stop = self.stop
        if stop.status not in OPEN_STATUSES:
            self.say(f"A result is already recorded: {stop.status}.")
            return
        if self.saving:
            return

        def chosen(choice: ResultChoice | None) -> None:
            if choice is None:
                self.say("Nothing was recorded.")
                return

            def answered(yes: bool | None) -> None:
                if yes:
                    self._save(choice)
                else:
                    self.app.push_screen(ResultScreen(stop, choice), chosen)

            confirm = ConfirmResultScreen(stop, choice, field=self.portal.field is not None)
            self.app.push_screen(confirm, answered)

        self.app.push_screen(ResultScreen(stop), chosen)

    def _save(self, choice: ResultChoice) -> None:
        self.saving = True
        self.say("Recording...")
        field = self.portal.field
        if field is not None:
            from etrakit_tui.domain.field import record_offline

            self.call_service(
                record_offline,
                field.session,
                self.stop.inspection_id,
                choice.status,
                choice.comments,
                on_done=self._kept,
                on_error=self._refused,
                group="visit-save",
            )
            return
        self.call_service(
            results.record_result,
            self.database,
            self.actor,
            self.stop.inspection_id,
            choice.status,
            choice.comments,
            on_done=self._saved,
            on_error=self._refused,
            group="visit-save",
        )

    def _saved(self, view: InspectionView) -> None:
        self.saving = False
        self.stop = replace(self.stop, status=view.status, comments=view.comments)
        self.query_one("#visit-stop", Static).update(inert(stop_text(self.stop), multiline=True))
        words = f"Result recorded: {view.status} ({calendar.format_day(view.requested_date)})."
        if view.status in {s.value for s in NOTIFIED_RESULTS}:
            words += " The contractor is emailed if their profile asks for it."
            kick_mailer(self.app, self.database)
        self.say(words)
        self.app.notify(inert(words).plain, title="Inspection result", markup=False)

    def _kept(self, view: FieldResultView) -> None:
        """Field mode: the result is on the laptop; the status line counts it."""
        self.saving = False
        self.stop = replace(self.stop, status=view.status, comments=view.comments)
        self.query_one("#visit-stop", Static).update(inert(stop_text(self.stop), multiline=True))
        words = f"Result recorded on this laptop: {view.status}. It is sent at the next sync."
        self.say(words)
        self.app.notify(inert(words).plain, title="Inspection result", markup=False)
        field = self.portal.field
        if field is not None:
            field.result_kept()

    def _refused(self, exc: Exception) -> None:
        self.saving = False
        if isinstance(exc, ValidationFailed):
            self.say("Not recorded: " + " ".join(exc.errors.values()))
        elif isinstance(exc, EtrakitError):
            self.say(f"Not recorded: {exc}")
        else:
            self.portal.show_error(exc)
