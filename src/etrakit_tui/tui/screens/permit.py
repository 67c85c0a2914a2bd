"""*Permit #<no>* (SPEC §2.4, the guide's permit pages).

Title, the actions *Request Inspection* (``r``) and *Inspections* (``i``), the fee breakdown
(``f``), and six tabs switched by ``1``-``6``: **Permit Info** (dates, notes, attachments),
**Site Info** (the parcel), **Contacts (n)**, **Inspections (n)** (each with its result and
the inspector's comments), **Conditions**, **Reviews**. The whole permit comes from one
service call (``permits.permit_detail``) in a worker; the panes are built lazily (the first
one shown through ``Lazy`` right after the first paint, each other one the first time its
tab is opened); coming back to the screen (after a request, say) reads the permit again so
the counts stay live.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.lazy import Lazy
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from etrakit_tui.domain.errors import EtrakitError
from etrakit_tui.domain.inspections import requests
from etrakit_tui.domain.inspections.calendar import format_date
from etrakit_tui.domain.permits import detail as permits_detail
from etrakit_tui.domain.permits.views import ConditionRow, ContactRow, InspectionRow, PermitDetail
from etrakit_tui.tui.navigation import NAV_BINDINGS
from etrakit_tui.tui.safe import inert, inert_text
from etrakit_tui.tui.screens.attachments import AttachmentTable
from etrakit_tui.tui.screens.base import PortalScreen
from etrakit_tui.tui.screens.fees import FeesScreen
from etrakit_tui.tui.screens.request_offer import not_offered, open_request_screen
from etrakit_tui.tui.screens.reviews import ReviewsPane

TABS = ("info", "site", "contacts", "inspections", "conditions", "reviews")
"""Tab ids, in order (keys 1-6). ``PermitScreen(number, tab=...)`` takes one of these."""

LABEL_WIDTH = 17
FOCUS_TRIES = 100
FOCUS_RETRY_SECONDS = 0.05
"""How often, and how many times, to look for a pane's main widget while it mounts."""


def field_line(label: str, value: object) -> str:
    """``Label:           value`` (the value is made inert by the caller's ``inert``)."""
    return f"{label + ':':<{LABEL_WIDTH}}{'' if value is None else value}"


def info_text(detail: PermitDetail) -> str:
    """The *Permit Info* fields, one per line, the guide's labels; notes last (indented)."""
    info = detail.info
    status = info.status + ("  (ON HOLD)" if info.on_hold else "")
    notes = info.notes.strip() or "(none)"
    indent = "\n" + " " * LABEL_WIDTH
    return "\n".join(
        [
            field_line("Type", info.permit_type),
            field_line("Subtype", info.subtype),
            field_line("Description", info.description),
            field_line("Status", status),
            field_line("Applied Date", format_date(info.applied_on)),
            field_line("Approved Date", format_date(info.approved_on)),
            field_line("Issued Date", format_date(info.issued_on)),
            field_line("Finaled Date", format_date(info.finaled_on)),
            field_line("Expiration Date", format_date(info.expires_on)),
            field_line("Notes", notes.replace("\n", indent)),
        ]
    )


def site_text(detail: PermitDetail) -> str:
    """The *Site Info* fields (the parcel)."""
    site = detail.site
    if site is None:
        return "No parcel is on record for this permit."
    return "\n".join(
        [
            field_line("APN", site.apn),
            field_line("Address", site.address),
            field_line("City", f"{site.city} {site.zip}".strip()),
            field_line("Zoning", site.zoning),
            field_line("Lot", site.lot),
            field_line("Tract", site.tract),
            field_line("Owner", site.owner_name),
            field_line("District", site.district),
        ]
    )


def inspection_text(row: InspectionRow) -> str:
    """One inspection: type, date with AM/PM, result, inspector, then the comments."""
    who = f"   Inspector: {row.inspector_name}" if row.inspector_name else ""
    head = (
        f"{row.inspection_type}   {format_date(row.date)} {row.period}   Result: {row.status}{who}"
    )
    comments = row.comments.strip()
    body = "   " + comments.replace("\n", "\n   ") if comments else "   (no comments)"
    return f"{head}\n{body}"


def condition_text(row: ConditionRow) -> str:
    """One condition of approval."""
    head = f"{row.name}   {row.status}   added {format_date(row.created_on)}"
    description = row.description.strip()
    return f"{head}\n   {description.replace(chr(10), chr(10) + '   ')}" if description else head


def contact_cells(row: ContactRow) -> list[Text]:
    """A contact row; phone/email the viewer may not see show as ``(private)``."""
    name = row.name + ("  (you)" if row.is_viewer else "")
    cells = [
        inert_text(row.role),
        inert_text(name),
        inert_text("(private)" if row.phone is None else row.phone),
        inert_text("(private)" if row.email is None else row.email),
    ]
    for cell in cells:
        cell.truncate(40, overflow="ellipsis")
    return cells


class PanelScroll(VerticalScroll):
    """A focusable scrolling pane (arrows / PageUp / PageDown scroll it)."""

    def __init__(self, *children: Widget, id: str | None = None) -> None:
        super().__init__(*children, id=id, can_focus=True)


class ContactsTable(DataTable[Text]):
    """The permit's contacts."""

    def __init__(self, rows: tuple[ContactRow, ...]) -> None:
        super().__init__(cursor_type="row", id="contacts-table")
        self.contacts = rows

    def on_mount(self) -> None:
        for label in ("ROLE", "NAME", "PHONE", "EMAIL"):
            self.add_column(label)
        for row in self.contacts:
            self.add_row(*contact_cells(row))


def info_pane(detail: PermitDetail, zone: ZoneInfo) -> Widget:
    """*Permit Info*: the fields (scrolling on their own) and the attachments below them."""
    if detail.attachments:
        attachments: Widget = AttachmentTable(detail.attachments, zone, id="attachments")
        label = f"Attachments ({len(detail.attachments)}):"
    else:
        attachments = Static("", id="attachments")
        label = "Attachments: (none)"
    return Vertical(
        PanelScroll(Static(inert(info_text(detail), multiline=True), id="info-fields")),
        Static(label, id="attachments-label"),
        attachments,
        id="info-pane",
    )


def site_pane(detail: PermitDetail, zone: ZoneInfo) -> Widget:
    """*Site Info*: the parcel."""
    return PanelScroll(Static(inert(site_text(detail), multiline=True)), id="site-pane")


def contacts_pane(detail: PermitDetail, zone: ZoneInfo) -> Widget:
    """*Contacts (n)*."""
    return Vertical(ContactsTable(detail.contacts), id="contacts-pane")


def inspections_pane(detail: PermitDetail, zone: ZoneInfo) -> Widget:
    """*Inspections (n)*: each with its result and the inspector's comments."""
    entries = [
        Static(inert(inspection_text(row), multiline=True), classes="entry")
        for row in detail.inspections
    ]
    return PanelScroll(
        *(entries or [Static("No inspections on this permit yet.")]), id="inspections-pane"
    )


def conditions_pane(detail: PermitDetail, zone: ZoneInfo) -> Widget:
    """*Conditions* of approval."""
    entries = [
        Static(inert(condition_text(row), multiline=True), classes="entry")
        for row in detail.conditions
    ]
    return PanelScroll(
        *(entries or [Static("No conditions on this permit.")]), id="conditions-pane"
    )


def reviews_pane(detail: PermitDetail, zone: ZoneInfo) -> Widget:
    """*Reviews*: the sortable plan-review table."""
    return ReviewsPane(detail.reviews, id="reviews-pane")


PaneBuilder = Callable[[PermitDetail, ZoneInfo], Widget]
PANES: dict[str, PaneBuilder] = {
    "info": info_pane,
    "site": site_pane,
    "contacts": contacts_pane,
    "inspections": inspections_pane,
    "conditions": conditions_pane,
    "reviews": reviews_pane,
}


def tab_label(tab: str, detail: PermitDetail) -> str:
    """The tab's label, with the live counts the guide shows."""
    return {
        "info": "Permit Info",
        "site": "Site Info",
        "contacts": f"Contacts ({len(detail.contacts)})",
        "inspections": f"Inspections ({len(detail.inspections)})",
        "conditions": "Conditions",
        "reviews": "Reviews",
    }[tab]


class DeferredPane(TabPane):
    """A tab pane whose content is built the first time its tab is shown."""

    def __init__(self, title: str, tab: str, build: Callable[[], Widget]) -> None:
        super().__init__(title, id=tab)
        self._build: Callable[[], Widget] | None = build

    def build(self) -> None:
        """Mount the content (once)."""
        if self._build is not None:
            build, self._build = self._build, None
            self.mount(build())


class PermitTabs(TabbedContent):
    """TabbedContent whose tab follows only the tab keys (and clicks on a tab).

    Textual's TabbedContent also activates the pane that a focus event comes from; such an
    event can arrive after a tab key (the focus was given just before it), and would pull
    the old tab back. Nothing here focuses a hidden pane, so those events are ignored:
    ``prevent_default`` keeps the base class's handler from running (public API)."""

    def on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        event.prevent_default()
        event.stop()


class PermitBody(Vertical):
    """The tabs of a permit, or what is happening while it loads (or why it did not)."""

    def __init__(self, zone: ZoneInfo, tab: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.zone = zone
        self.tab = tab
        self.detail: PermitDetail | None = None
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        if self.detail is None:
            yield Static(inert(self.error or "Loading the permit..."), id="permit-loading")
            return
        detail, zone = self.detail, self.zone
        with PermitTabs(initial=self.tab, id="permit-tabs"):
            for tab, builder in PANES.items():
                if tab == self.tab:  # the first tab shown: right after the first paint
                    yield TabPane(tab_label(tab, detail), Lazy(builder(detail, zone)), id=tab)
                else:  # the others: when they are first shown
                    yield DeferredPane(tab_label(tab, detail), tab, partial(builder, detail, zone))

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if isinstance(event.pane, DeferredPane):
            event.pane.build()

    def show(self, detail: PermitDetail | None, tab: str, error: str | None = None) -> None:
        """Rebuild the tabs for ``detail`` (or show ``error``), ``tab`` active."""
        self.detail, self.tab, self.error = detail, tab, error
        self.refresh(recompose=True)


class PermitScreen(PortalScreen, inherit_bindings=False):
    """*Permit #<no>* with its six tabs."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "r",
            "request",
            "Request Inspection",
            id="permit.request",
            tooltip="Request an inspection on this permit",
        ),
        Binding(
            "i",
            "tab('inspections')",
            "Inspections",
            id="permit.inspections",
            tooltip="The Inspections tab",
        ),
        Binding("f", "fees", "Fees", id="permit.fees", tooltip="Fee breakdown and amount due"),
        Binding(
            "1",
            "tab('info')",
            "Tabs",
            key_display="1-6",
            id="permit.tab1",
            tooltip="Keys 1-6: Permit Info, Site Info, Contacts, Inspections, Conditions, Reviews",
        ),
        *[
            Binding(str(n), f"tab('{name}')", show=False, id=f"permit.tab{n}")
            for n, name in enumerate(TABS, 1)
            if n > 1
        ],
        Binding(
            "ctrl+r",
            "refresh",
            "Refresh",
            show=False,
            id="permit.refresh",
            tooltip="Read the permit again",
        ),
        *NAV_BINDINGS,
        *Screen.BINDINGS,  # Tab / Shift+Tab (this screen does not inherit bindings)
    ]

    def __init__(self, number: str, tab: str = "info") -> None:
        super().__init__()
        self.number = number
        self.tab = tab if tab in TABS else "info"
        self.detail: PermitDetail | None = None
        self.error: str | None = None
        self._resumed_before = False

    # ------------------------------------------------------------------ compose

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Static(inert(f"Permit #{self.number}"), id="permit-title")
        yield Static(
            inert("r Request Inspection    i Inspections    f Fees    1-6 tabs    Esc back"),
            id="permit-actions",
        )
        yield Static("", id="permit-message", classes="empty")
        yield PermitBody(self.database.jurisdiction.zone, self.tab, id="permit-body")
        yield from self.compose_footer()

    # ------------------------------------------------------------------ loading

    def on_mount(self) -> None:
        self._load()

    def on_screen_resume(self) -> None:
        """Back from a request or a modal: read the permit again (counts stay live)."""
        if self._resumed_before and self.detail is not None:
            self._load()
        self._resumed_before = True

    def _load(self) -> None:
        self.call_service(
            permits_detail.permit_detail,
            self.database,
            self.actor,
            self.number,
            on_done=self._loaded,
            on_error=self._failed,
            group="permit-detail",
        )

    def _loaded(self, detail: PermitDetail) -> None:
        if self.detail is not None:
            tabs = self.query(TabbedContent)
            if tabs:
                self.tab = tabs.first().active or self.tab
            if detail == self.detail:
                return  # nothing changed: keep the panes (and the cursor) as they are
        self.detail = detail
        self.query_one(PermitBody).show(detail, self.tab)
        self.call_after_refresh(self._focus_pane, FOCUS_TRIES)

    def _failed(self, exc: Exception) -> None:
        if isinstance(exc, EtrakitError):
            self.error = str(exc)
        else:
            self.error = f"The permit could not be loaded ({type(exc).__name__})."
        self.query_one(PermitBody).show(None, self.tab, self.error)

    # ------------------------------------------------------------------ tabs and focus

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id:
            self.tab = event.pane.id
        self.call_after_refresh(self._focus_pane, FOCUS_TRIES)

    def _focus_pane(self, tries: int) -> None:
        """Focus the active pane's main widget (it may still be mounting: try again)."""
        tabs = self.query(TabbedContent)
        pane = tabs.first().active_pane if tabs else None
        if pane is None:
            return
        focusable = [w for w in pane.query("*") if w.focusable]
        tables = [w for w in focusable if isinstance(w, DataTable)]
        if not tables and self._has_table(pane.id or "") and tries > 0:
            self.set_timer(FOCUS_RETRY_SECONDS, partial(self._focus_pane, tries - 1))
            return  # its table is still mounting
        preferred = tables or focusable
        if preferred:
            if self.focused is None or pane not in self.focused.ancestors:
                self.set_focus(preferred[0])  # now: a deferred focus could pull a tab back
        elif tries > 0:
            self.set_timer(FOCUS_RETRY_SECONDS, partial(self._focus_pane, tries - 1))

    def _has_table(self, tab: str) -> bool:
        """Whether the tab's main widget is a table (focused rather than the scroll)."""
        attachments = self.detail is not None and bool(self.detail.attachments)
        return tab in ("contacts", "reviews") or (tab == "info" and attachments)

    def action_tab(self, name: str) -> None:
        tabs = self.query(TabbedContent)
        if tabs and name in TABS:
            tabs.first().active = name
        self.tab = name

    # ------------------------------------------------------------------ actions

    def say(self, message: str) -> None:
        """Show ``message`` (may hold data: made inert) under the title."""
        line = self.query_one("#permit-message", Static)
        line.update(inert(message))
        line.set_class(not message, "empty")

    def action_request(self) -> None:
        """``r``: the inspection request form, or why it is not offered."""
        detail = self.detail
        if detail is None:
            return
        if detail.flags.may_request_inspection:
            self.say("")
            open_request_screen(self, self.number)
            return
        number = self.number
        self.call_service(
            requests.request_refusal,
            self.database,
            self.actor,
            number,
            on_done=lambda reason: self.say(not_offered(self, number, reason)),
            group="why",
        )

    def action_fees(self) -> None:
        if self.detail is not None:
            self.app.push_screen(FeesScreen(self.number))

    def action_refresh(self) -> None:
        self._load()
