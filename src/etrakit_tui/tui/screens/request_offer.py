"""``r`` on a permit (a dashboard row, the permit's page): the inspection request form where
*Request* shows, otherwise why not. The reason is the domain's
(:func:`~etrakit_tui.domain.inspections.requests.request_refusal`); here it only gets its
words around it.

Shared by the dashboard, the permit's page and the schedule screen, and importing none of
them, so they do not import each other.
"""

from __future__ import annotations

from etrakit_tui.tui.screens.base import PortalScreen


def not_offered(screen: PortalScreen, number: str, reason: str | None) -> str:
    """What ``r`` says where *Request* is not shown: whom to call, and the domain's reason
    (``None`` when the permit could get a request after all, e.g. since the list was read)."""
    j = screen.database.jurisdiction
    why = reason or "Open the permit to see which inspections can be requested."
    return f"Request is not offered on {number}; contact the {j.name} at {j.phone}. {why}"


def open_request_screen(screen: PortalScreen, number: str) -> None:
    """Push the inspection request form for ``number`` (imported when first asked for: the
    screens that offer it open without loading it)."""
    from etrakit_tui.tui.screens.request import InspectionRequestScreen

    screen.app.push_screen(InspectionRequestScreen(number))
