"""Chinese working days (工作日), from ``chinesecalendar``.

The calendar only knows the years the State Council has announced. For a later year jiqun estimates:
Monday–Friday less the statutory holidays (New Year, Spring Festival, Qingming, Labour Day, Dragon Boat,
Mid-Autumn, National Day) as the ``holidays`` library's China calendar computes them, and marks the
result *estimated*, since the State Council's make-up working days (调休) are not known in advance. An
override table (dates that are working days or holidays) corrects it once the schedule is published. It
never raises for an unknown year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import chinese_calendar
import holidays


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
        return _estimated_working_day(day), True


@lru_cache(maxsize=32)
def _china(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("CN", years=year)


def _estimated_working_day(day: dt.date) -> bool:
    """A weekday that is not a statutory holiday (or its observed days), or a known make-up working day."""
    calendar = _china(day.year)
    if day in calendar:
        return False
    if day in getattr(calendar, "weekend_workdays", ()):
        return True
    return day.weekday() < 5


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
