"""The scheduling calendar in Hemet's zone: business days, holidays, the 7-day window,
the 07:00 cancellation cutoff on both sides of the DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from etrakit_tui.domain.inspections.calendar import (
    can_cancel_online,
    cancel_deadline,
    date_refusal,
    describe_rules,
    format_day,
    is_business_day,
    local_today,
    next_business_day,
    requestable_dates,
    requestable_slots,
    window_for,
)
from etrakit_tui.domain.store.models import Period
from etrakit_tui.settings import DEFAULT_JURISDICTION, Jurisdiction

J = DEFAULT_JURISDICTION


def pacific(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    """An aware UTC instant for a wall-clock time in Hemet."""
    return datetime(y, m, d, hh, mm, tzinfo=J.zone).astimezone(UTC)


def test_local_today_is_hemets_date_not_utcs() -> None:
    late_evening = datetime(2026, 11, 19, 7, 30, tzinfo=UTC)  # 11/18 23:30 in Hemet
    assert local_today(J, late_evening) == date(2026, 11, 18)


def test_weekends_and_holidays_are_not_business_days() -> None:
    assert is_business_day(J, date(2026, 11, 18))  # a Wednesday
    assert not is_business_day(J, date(2026, 11, 21))  # Saturday
    assert not is_business_day(J, date(2026, 11, 22))  # Sunday
    assert not is_business_day(J, date(2026, 11, 26))  # Thanksgiving (federal)
    assert not is_business_day(J, date(2026, 11, 27))  # Day after Thanksgiving (California)
    assert not is_business_day(J, date(2026, 3, 31))  # Cesar Chavez Day (California)


def test_next_business_day_skips_the_thanksgiving_weekend() -> None:
    assert next_business_day(J, date(2026, 11, 25)) == date(2026, 11, 30)


def test_on_a_wednesday_the_window_is_thursday_to_next_wednesday() -> None:
    dates = requestable_dates(J, pacific(2026, 11, 18, 10))
    assert dates == [
        date(2026, 11, 19),
        date(2026, 11, 20),
        date(2026, 11, 23),
        date(2026, 11, 24),
        date(2026, 11, 25),
    ]


def test_on_a_friday_the_earliest_date_is_monday() -> None:
    dates = requestable_dates(J, pacific(2026, 11, 13, 9))
    assert dates[0] == date(2026, 11, 16)
    assert date(2026, 11, 14) not in dates and date(2026, 11, 15) not in dates
    assert "earliest date you can request is Mon 11/16/2026" in (
        date_refusal(J, pacific(2026, 11, 13, 9), date(2026, 11, 14)) or ""
    )


def test_thanksgiving_and_the_day_after_are_skipped() -> None:
    now = pacific(2026, 11, 25, 9)  # Wednesday before Thanksgiving
    assert requestable_dates(J, now) == [date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2)]
    refusal = date_refusal(J, pacific(2026, 11, 23, 9), date(2026, 11, 27))
    assert (
        refusal
        == "Fri 11/27/2026 is not a business day (Day After Thanksgiving); choose another date."
    )


def test_day_seven_is_accepted_and_day_eight_refused() -> None:
    now = pacific(2026, 11, 30, 16)  # Monday
    assert requestable_dates(J, now)[-1] == date(2026, 12, 7)
    assert date_refusal(J, now, date(2026, 12, 7)) is None
    refusal = date_refusal(J, now, date(2026, 12, 8))
    assert refusal is not None
    assert "up to 7 days in advance" in refusal and "Mon 12/7/2026" in refusal


def test_today_is_never_requestable_by_default() -> None:
    now = pacific(2026, 11, 18, 6)
    assert date(2026, 11, 18) not in requestable_dates(J, now)
    assert date_refusal(J, now, date(2026, 11, 18)) is not None


def test_requestable_slots_list_am_before_pm() -> None:
    slots = requestable_slots(J, pacific(2026, 11, 18, 10))
    assert slots[:3] == [
        (date(2026, 11, 19), Period.AM),
        (date(2026, 11, 19), Period.PM),
        (date(2026, 11, 20), Period.AM),
    ]


def test_windows() -> None:
    assert window_for(J, Period.AM).describe() == "8:30am-12:00pm"
    assert window_for(J, "PM").describe() == "1:00pm-5:00pm"


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [
        (date(2026, 3, 6), 15),  # Friday before spring-forward: PST, UTC-8
        (date(2026, 3, 9), 14),  # Monday after: PDT, UTC-7
        (date(2026, 10, 30), 14),  # Friday before fall-back: PDT
        (date(2026, 11, 2), 15),  # Monday after: PST
    ],
)
def test_cancel_deadline_is_seven_local_on_both_sides_of_dst(day: date, utc_hour: int) -> None:
    deadline = cancel_deadline(J, day)
    assert deadline == datetime(day.year, day.month, day.day, utc_hour, tzinfo=UTC)
    assert deadline.astimezone(J.zone).time() == time(7, 0)


@pytest.mark.parametrize("day", [date(2026, 3, 9), date(2026, 11, 2)])
def test_cancel_cutoff_at_0659_and_0700_around_dst(day: date) -> None:
    assert can_cancel_online(J, day, pacific(day.year, day.month, day.day, 6, 59))
    assert not can_cancel_online(J, day, pacific(day.year, day.month, day.day, 7, 0))
    assert can_cancel_online(J, day, pacific(day.year, day.month, day.day - 1, 23, 59))


def test_format_day() -> None:
    assert format_day(date(2026, 11, 19)) == "Thu 11/19/2026"
    assert format_day(date(2018, 6, 27)) == "Wed 6/27/2018"


def test_rules_in_words_follow_the_settings() -> None:
    words = " ".join(describe_rules(J))
    assert "Inspections can be scheduled up to 7 days in advance" in words
    assert "AM inspections are performed 8:30am-12:00pm" in words
    assert "PM inspections are performed 1:00pm-5:00pm" in words
    assert "cancel inspections up to 7:00am the day of the inspection" in words
    assert "call (951) 765-2475 after 7:30am" in words
    assert "Monday-Friday" in words

    other = Jurisdiction(latest_calendar_days_ahead=10, phone="(555) 123-4567")
    other_words = " ".join(describe_rules(other))
    assert "up to 10 days in advance" in other_words
    assert "call (555) 123-4567 after 7:30am" in other_words


def test_earliest_can_be_configured_further_out() -> None:
    two_days = Jurisdiction(earliest_business_days_ahead=2)
    assert requestable_dates(two_days, pacific(2026, 11, 18, 10))[0] == date(2026, 11, 20)
