"""The scheduling calendar: business days, holidays, AM/PM windows and cutoffs (SPEC §4),
the one way dates are shown, and reading a date typed by staff.

Every date rule is computed in the jurisdiction's zone (``America/Los_Angeles`` for Hemet),
from an aware UTC "now" that the caller takes from the injected clock (``db.now()``).
Holidays come from the ``holidays`` package (US federal plus the jurisdiction's state),
computed once per (country, subdivision, year).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache

import holidays

from etrakit_tui.domain.errors import ValidationFailed
from etrakit_tui.domain.store.models import (
    Period,
)
from etrakit_tui.settings import Jurisdiction, Window

_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MAX_SCAN_DAYS = 366  # a year without a business day is a configuration error


# --------------------------------------------------------------------------- formatting


def format_day(d: date) -> str:
    """A date the way the portal writes it, with its weekday: ``Thu 11/19/2026``."""
    return f"{d:%a} {d.month}/{d.day}/{d.year}"


def format_date(d: date | None) -> str:
    """A date the portal's way, without its weekday: ``6/27/2018`` (blank for no date)."""
    return "" if d is None else f"{d.month}/{d.day}/{d.year}"


def short_date(d: date | None) -> str:
    """``6/27/18``, for narrow table columns at 80 columns (blank for no date)."""
    return "" if d is None else f"{d.month}/{d.day}/{d.year % 100:02d}"


def format_time(t: time) -> str:
    """A time of day the portal's way: ``7:00am``, ``1:30pm``."""
    hour = t.hour % 12 or 12
    return f"{hour}:{t.minute:02d}{'am' if t.hour < 12 else 'pm'}"


def format_moment(j: Jurisdiction, moment: datetime, *, weekday: bool = False) -> str:
    """A moment on the jurisdiction's wall clock: ``11/25/2026 10:00am`` (with ``weekday``:
    ``Wed 11/25/2026 10:00am``)."""
    local = local_now(j, moment)
    day = format_day(local.date()) if weekday else format_date(local.date())
    return f"{day} {format_time(local.time())}"


# --------------------------------------------------------------------------- days


def local_now(j: Jurisdiction, now_utc: datetime) -> datetime:
    """``now_utc`` seen on the jurisdiction's wall clock."""
    if now_utc.tzinfo is None:
        raise ValueError("now_utc must be an aware datetime")
    return now_utc.astimezone(j.zone)


def local_today(j: Jurisdiction, now_utc: datetime) -> date:
    """Today's date in the jurisdiction (not in UTC: 23:30 in Hemet is still today)."""
    return local_now(j, now_utc).date()


@cache
def _holidays(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    found = holidays.country_holidays(country, subdiv=subdivision, years=year)
    return {day: str(name) for day, name in found.items()}


def holiday_name(j: Jurisdiction, d: date) -> str | None:
    """The name of the holiday on ``d`` (federal or state), or ``None``."""
    return _holidays(j.holiday_country, j.holiday_subdivision, d.year).get(d)


def is_business_day(j: Jurisdiction, d: date) -> bool:
    """A weekday the division works (``business_weekdays``) that is not a holiday."""
    return d.weekday() in j.business_weekdays and holiday_name(j, d) is None


def next_business_day(j: Jurisdiction, d: date) -> date:
    """The first business day strictly after ``d``."""
    candidate = d
    for _ in range(_MAX_SCAN_DAYS):
        candidate += timedelta(days=1)
        if is_business_day(j, candidate):
            return candidate
    raise ValueError("no business day within a year: check business_weekdays")


def earliest_requestable(j: Jurisdiction, today: date) -> date:
    """The earliest date an inspection may be requested for, seen from ``today``:
    ``earliest_business_days_ahead`` business days later (0: today if it is one)."""
    if j.earliest_business_days_ahead == 0:
        return today if is_business_day(j, today) else next_business_day(j, today)
    day = today
    for _ in range(j.earliest_business_days_ahead):
        day = next_business_day(j, day)
    return day


def latest_requestable(j: Jurisdiction, today: date) -> date:
    """The latest date an inspection may be requested for: ``latest_calendar_days_ahead``
    calendar days after today."""
    return today + timedelta(days=j.latest_calendar_days_ahead)


def requestable_dates(j: Jurisdiction, now_utc: datetime) -> list[date]:
    """Every date an inspection may be requested for right now, earliest first."""
    today = local_today(j, now_utc)
    first, last = earliest_requestable(j, today), latest_requestable(j, today)
    days = (last - first).days + 1
    return [
        d for d in (first + timedelta(days=i) for i in range(max(days, 0))) if is_business_day(j, d)
    ]


def requestable_slots(j: Jurisdiction, now_utc: datetime) -> list[tuple[date, Period]]:
    """Every (date, AM/PM) that may be requested right now, in calendar order."""
    return [(d, p) for d in requestable_dates(j, now_utc) for p in (Period.AM, Period.PM)]


def date_refusal(j: Jurisdiction, now_utc: datetime, d: date) -> str | None:
    """Why ``d`` cannot be requested now (a sentence for the form), or ``None`` if it can."""
    today = local_today(j, now_utc)
    first, last = earliest_requestable(j, today), latest_requestable(j, today)
    if d < first:
        return f"The earliest date you can request is {format_day(first)}."
    if d > last:
        return (
            f"Inspections can be scheduled up to {j.latest_calendar_days_ahead} days in "
            f"advance: the latest date you can request is {format_day(last)}."
        )
    if not is_business_day(j, d):
        name = holiday_name(j, d)
        why = f" ({name})" if name else ""
        return f"{format_day(d)} is not a business day{why}; choose another date."
    return None


# --------------------------------------------------------------------------- times


def window_for(j: Jurisdiction, period: Period | str) -> Window:
    """The hours an AM or PM inspection is performed in."""
    return j.am_window if Period(period) is Period.AM else j.pm_window


def cancel_deadline(j: Jurisdiction, inspection_date: date) -> datetime:
    """The last moment (exclusive) to cancel online: ``cancel_cutoff`` local time on the
    inspection's day, as an aware UTC datetime (right on both sides of a DST change)."""
    local = datetime.combine(inspection_date, j.cancel_cutoff, tzinfo=j.zone)
    return local.astimezone(UTC)


def can_cancel_online(j: Jurisdiction, inspection_date: date, now_utc: datetime) -> bool:
    """Whether a company may still cancel an inspection on ``inspection_date`` itself."""
    return now_utc < cancel_deadline(j, inspection_date)


# --------------------------------------------------------------------------- words


def _weekdays_in_words(days: tuple[int, ...]) -> str:
    if len(days) > 2 and list(days) == list(range(days[0], days[-1] + 1)):
        return f"{_WEEKDAY_NAMES[days[0]]}-{_WEEKDAY_NAMES[days[-1]]}"
    return ", ".join(_WEEKDAY_NAMES[d] for d in days)


def _earliest_in_words(j: Jurisdiction) -> str:
    n = j.earliest_business_days_ahead
    if n == 0:
        return "today"
    if n == 1:
        return "the next business day"
    return f"{n} business days from today"


def describe_rules(j: Jurisdiction) -> list[str]:
    """The scheduling rules in the portal's words, for the inspection request form."""
    return [
        f"Inspections can be scheduled up to {j.latest_calendar_days_ahead} days in advance "
        f"from the current date; the earliest date is {_earliest_in_words(j)}.",
        f"Inspections are performed on business days "
        f"({_weekdays_in_words(j.business_weekdays)}, except holidays).",
        f"AM inspections are performed {j.am_window.describe()}; "
        f"PM inspections are performed {j.pm_window.describe()}.",
        "Inspections are active once an inspector's name has been assigned. Inspection "
        f"status is updated daily by {format_time(j.assignment_by)}.",
        f"You can cancel inspections up to {format_time(j.cancel_cutoff)} the day of the "
        "inspection using this portal. If you need to cancel your inspection after this "
        f"time, please {j.cancel_refusal()}.",
        "You will not receive a call from the inspector to set-up a time or receive a "
        "confirmation.",
    ]


# --------------------------------------------------------------------------- parsers

_DAY_FORMATS = ("%m/%d/%Y", "%Y-%m-%d", "%m-%d-%Y")


def parse_day(text: str, field: str = "date", *, required: bool = True) -> date | None:
    """``11/19/2026`` (or ``2026-11-19``, or a weekday-prefixed ``Thu 11/19/2026``)."""
    raw = " ".join(text.split())
    if not raw:
        if required:
            raise ValidationFailed({field: "Enter a date like 11/19/2026."})
        return None
    words = raw.split(" ")
    candidate = words[-1] if len(words) == 2 and words[0][:3].isalpha() else raw
    for fmt in _DAY_FORMATS:
        try:
            return datetime.strptime(candidate, fmt).date()
        except ValueError:
            continue
    raise ValidationFailed({field: "Enter a date like 11/19/2026."})
