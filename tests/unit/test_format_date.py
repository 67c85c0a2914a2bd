"""One way to write a date (domain/calendar.py), used by every screen that shows one."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from etrakit_tui.domain.inspections.calendar import format_date, format_day, short_date

SRC = Path(__file__).resolve().parents[2] / "src" / "etrakit_tui"


def test_dates_the_portal_way() -> None:
    assert format_date(date(2018, 6, 27)) == "6/27/2018"
    assert format_date(date(2026, 11, 19)) == "11/19/2026"
    assert format_date(None) == ""
    assert short_date(date(2018, 6, 27)) == "6/27/18"
    assert short_date(date(2009, 1, 2)) == "1/2/09"
    assert short_date(None) == ""
    assert format_day(date(2018, 6, 27)) == "Wed " + format_date(date(2018, 6, 27))


def test_no_screen_has_its_own_date_format() -> None:
    own = re.compile(r"def (format_date|short_date|_local_date)\b")
    found = [p.name for p in (SRC / "tui").rglob("*.py") if own.search(p.read_text())]
    assert found == []
