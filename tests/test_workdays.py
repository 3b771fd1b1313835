"""Chinese working days: the published 2026 schedule, estimates for later years, overrides."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.workdays import WorkingDayResult, add_working_days, is_working_day


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (dt.date(2026, 1, 1), False),  # New Year's Day
        (dt.date(2026, 2, 17), False),  # Spring Festival
        (dt.date(2026, 10, 1), False),  # National Day
        (dt.date(2026, 10, 7), False),  # Golden Week, a Wednesday
        (dt.date(2026, 2, 23), False),  # Spring Festival, a Monday
        (dt.date(2026, 1, 4), True),  # a Sunday made a working day
        (dt.date(2026, 3, 2), True),  # an ordinary Monday
        (dt.date(2026, 3, 7), False),  # an ordinary Saturday
    ],
)
def test_2026_schedule(day, working):
    assert is_working_day(day) == (working, False)


def test_ten_working_days_after_the_third_quarter_skip_golden_week():
    result = add_working_days(dt.date(2026, 9, 30), 10)
    assert result.date > dt.date(2026, 10, 14) and not result.estimated


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (dt.date(2027, 1, 1), False),  # New Year's Day, a Friday
        (dt.date(2027, 1, 4), True),  # the Monday after
        (dt.date(2027, 1, 2), False),  # a Saturday
        (dt.date(2027, 5, 3), False),  # Labour Day's observed days
        (dt.date(2027, 10, 1), False),  # National Day
        (dt.date(2027, 10, 8), True),  # the Friday after Golden Week
        (dt.date(2031, 10, 1), False),  # far past the calendar: still the statutory holiday
        (dt.date(2031, 10, 9), True),  # an ordinary Thursday
    ],
)
def test_past_the_published_calendar_statutory_holidays_are_estimated_days_off(day, working):
    assert is_working_day(day) == (working, True)


def test_a_span_into_an_unknown_year_is_marked_estimated():
    assert add_working_days(dt.date(2026, 12, 28), 3) == WorkingDayResult(dt.date(2026, 12, 31), False)
    assert add_working_days(dt.date(2026, 12, 30), 3) == WorkingDayResult(dt.date(2027, 1, 5), True)


def test_overrides_win_and_are_not_estimates():
    holiday, makeup = dt.date(2027, 1, 1), dt.date(2027, 1, 2)
    overrides = {holiday: False, makeup: True}
    assert is_working_day(holiday, overrides) == (False, False)
    assert is_working_day(makeup, overrides) == (True, False)
    assert add_working_days(dt.date(2026, 12, 31), 1, overrides) == WorkingDayResult(makeup, False)


def test_zero_days_is_the_start_and_negative_is_refused():
    assert add_working_days(dt.date(2026, 3, 2), 0).date == dt.date(2026, 3, 2)
    with pytest.raises(ValueError):
        add_working_days(dt.date(2026, 3, 2), -1)
