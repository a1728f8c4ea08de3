"""Office hours: weekly hours in Europe/Amsterdam, Dutch public holidays, the next opening."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings, SettingsError
from bot.handoff.office_hours import (
    OfficeHours,
    OfficeHoursError,
    dutch_public_holidays,
    easter_sunday,
    parse_weekly_hours,
)

AMS = ZoneInfo("Europe/Amsterdam")
HOURS = OfficeHours.from_settings("mon-thu 09:00-17:00; fri 09:00-12:30", "Europe/Amsterdam", ["2026-12-31"])


@pytest.mark.parametrize("year, expected", [(2024, "2024-03-31"), (2025, "2025-04-20"), (2026, "2026-04-05"),
                                            (2027, "2027-03-28"), (2038, "2038-04-25")])
def test_easter(year, expected):
    assert easter_sunday(year).isoformat() == expected


def test_holidays_include_the_moving_and_the_fixed_days():
    days = {d.isoformat() for d in dutch_public_holidays(2026)}
    assert {"2026-01-01", "2026-04-05", "2026-04-06", "2026-04-27", "2026-05-14", "2026-05-24", "2026-05-25",
            "2026-12-25", "2026-12-26"} == days  # no Liberation Day off in 2026 (not a lustrum year)
    assert dt.date(2025, 4, 26) in dutch_public_holidays(2025)  # King's Day on a Sunday moves to Saturday
    assert dt.date(2025, 5, 5) in dutch_public_holidays(2025)  # a lustrum year


@pytest.mark.parametrize("local, is_open", [
    (dt.datetime(2026, 11, 26, 8, 59), False),  # Thursday before opening
    (dt.datetime(2026, 11, 26, 9, 0), True),
    (dt.datetime(2026, 11, 26, 16, 59), True),
    (dt.datetime(2026, 11, 26, 17, 0), False),
    (dt.datetime(2026, 11, 27, 12, 29), True),  # Friday: mornings only
    (dt.datetime(2026, 11, 27, 12, 30), False),
    (dt.datetime(2026, 11, 28, 11, 0), False),  # Saturday
    (dt.datetime(2026, 12, 25, 11, 0), False),  # Christmas
    (dt.datetime(2026, 12, 31, 11, 0), False),  # the municipality's own closing day
    (dt.datetime(2026, 4, 27, 11, 0), False),  # King's Day
])
def test_is_open(local, is_open):
    assert HOURS.is_open(local.replace(tzinfo=AMS)) is is_open


def test_times_in_utc_are_read_in_amsterdam_time_across_daylight_saving():
    # 08:30 UTC is 09:30 in winter (open) and 10:30 in summer (open); 07:30 UTC is 08:30 in winter (closed).
    utc = dt.timezone.utc
    assert HOURS.is_open(dt.datetime(2026, 1, 14, 8, 30, tzinfo=utc))
    assert not HOURS.is_open(dt.datetime(2026, 1, 14, 7, 30, tzinfo=utc))
    assert HOURS.is_open(dt.datetime(2026, 7, 15, 7, 30, tzinfo=utc))


def test_next_opening_skips_weekends_holidays_and_closing_days():
    friday_evening = dt.datetime(2026, 11, 27, 18, 0, tzinfo=AMS)
    assert HOURS.next_opening(friday_evening) == dt.datetime(2026, 11, 30, 9, 0, tzinfo=AMS)
    christmas_eve = dt.datetime(2026, 12, 24, 18, 0, tzinfo=AMS)
    assert HOURS.next_opening(christmas_eve) == dt.datetime(2026, 12, 28, 9, 0, tzinfo=AMS)
    before_new_year = dt.datetime(2026, 12, 30, 20, 0, tzinfo=AMS)
    assert HOURS.next_opening(before_new_year) == dt.datetime(2027, 1, 4, 9, 0, tzinfo=AMS)  # 1 Jan, weekend
    early = dt.datetime(2026, 11, 26, 7, 0, tzinfo=AMS)
    assert HOURS.next_opening(early) == dt.datetime(2026, 11, 26, 9, 0, tzinfo=AMS)


@pytest.mark.parametrize("text", ["", "mon-fri", "mon-fri 17:00-09:00", "funday 09:00-10:00",
                                  "fri-mon 09:00-10:00", "mon-fri 9-17"])
def test_bad_hours_are_refused(text):
    with pytest.raises(OfficeHoursError):
        parse_weekly_hours(text)


def test_bad_settings_stop_the_start_with_a_clear_error():
    with pytest.raises(SettingsError, match="WEGWIJS_OFFICE_HOURS"):
        Settings.from_env({"WEGWIJS_OFFICE_HOURS": "always"})
    with pytest.raises(SettingsError):
        Settings.from_env({"WEGWIJS_TIME_ZONE": "Mars/Olympus"})
    with pytest.raises(SettingsError):
        Settings.from_env({"WEGWIJS_CLOSED_DAYS": "31-12-2026"})
