"""Chinese working days (工作日), from ``chinesecalendar``.

The calendar only knows the years the State Council has announced. For a later year jiqun falls back to
Monday–Friday and marks the result *estimated*; an override table (dates that are working days or
holidays) corrects it once the schedule is known. It never raises for an unknown year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import chinese_calendar


@dataclass(frozen=True)
class WorkingDayResult:
    date: dt.date
    estimated: bool


def is_working_day(day: dt.date, overrides: Mapping[dt.date, bool] | None = None) -> tuple[bool, bool]:
    """``(is a working day, estimated)`` for one date."""
    if overrides and day in overrides:
        return overrides[day], False
    try:
        return bool(chinese_calendar.is_workday(day)), False
    except NotImplementedError:
        return day.weekday() < 5, True


def add_working_days(start: dt.date, days: int, overrides: Mapping[dt.date, bool] | None = None) -> WorkingDayResult:
    """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current, estimated, remaining = start, False, days
    while remaining:
        current += dt.timedelta(days=1)
        working, guessed = is_working_day(current, overrides)
        estimated = estimated or guessed
        if working:
            remaining -= 1
    return WorkingDayResult(current, estimated)
