"""When colleagues are at work: weekly opening hours in the municipality's time zone, minus public holidays.

The hours come from one setting, e.g. "mon-thu 09:00-17:00; fri 09:00-12:30" (WEGWIJS_OFFICE_HOURS), plus
closing days of the municipality's own (WEGWIJS_CLOSED_DAYS, ISO dates).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterable, List, Optional, Tuple
from zoneinfo import ZoneInfo

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_TIME_ZONE = "Europe/Amsterdam"


class OfficeHoursError(ValueError):
    """The office-hours setting cannot be read."""


def easter_sunday(year: int) -> dt.date:
    """Western Easter (the anonymous Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 - the computus' own name
    m = (a + 11 * h + 22 * l) // 451
    month = (h + l - 7 * m + 114) // 31
    day = (h + l - 7 * m + 114) % 31 + 1
    return dt.date(year, month, day)


def dutch_public_holidays(year: int) -> FrozenSet[dt.date]:
    """The days government offices close (Algemene termijnenwet; Liberation Day in lustrum years)."""
    easter = easter_sunday(year)
    kings_day = dt.date(year, 4, 27)
    if kings_day.weekday() == 6:  # on a Sunday it moves to the Saturday before
        kings_day = dt.date(year, 4, 26)
    days = {
        dt.date(year, 1, 1),
        easter,
        easter + dt.timedelta(days=1),
        kings_day,
        easter + dt.timedelta(days=39),  # Ascension Day
        easter + dt.timedelta(days=49),  # Whit Sunday
        easter + dt.timedelta(days=50),  # Whit Monday
        dt.date(year, 12, 25),
        dt.date(year, 12, 26),
    }
    if year % 5 == 0:
        days.add(dt.date(year, 5, 5))
    return frozenset(days)


def _parse_time(text: str) -> dt.time:
    try:
        hours, minutes = text.split(":")
        return dt.time(int(hours), int(minutes))
    except ValueError as error:
        raise OfficeHoursError(f"{text!r} is not a time like 09:00") from error


def _parse_days(text: str) -> List[int]:
    days: List[int] = []
    for part in text.split(","):
        first, _, last = part.strip().lower().partition("-")
        if first not in DAY_NAMES or (last and last not in DAY_NAMES):
            raise OfficeHoursError(f"{part!r} is not a day or range of days like mon-fri")
        start, end = DAY_NAMES.index(first), DAY_NAMES.index(last or first)
        if end < start:
            raise OfficeHoursError(f"{part!r} runs backwards")
        days.extend(range(start, end + 1))
    return days


def parse_weekly_hours(text: str) -> Dict[int, Tuple[dt.time, dt.time]]:
    """{weekday: (opens, closes)} from "mon-thu 09:00-17:00; fri 09:00-12:30"."""
    hours: Dict[int, Tuple[dt.time, dt.time]] = {}
    for segment in filter(None, (s.strip() for s in text.split(";"))):
        try:
            days, span = segment.split()
            opens, closes = span.split("-")
        except ValueError as error:
            raise OfficeHoursError(f"{segment!r} is not like 'mon-fri 09:00-17:00'") from error
        opening, closing = _parse_time(opens), _parse_time(closes)
        if closing <= opening:
            raise OfficeHoursError(f"{segment!r} closes before it opens")
        for day in _parse_days(days):
            hours[day] = (opening, closing)
    if not hours:
        raise OfficeHoursError("no opening hours given")
    return hours


@dataclass(frozen=True)
class OfficeHours:
    """Opening hours in one time zone; `now` arguments are aware datetimes (any zone)."""

    weekly: Dict[int, Tuple[dt.time, dt.time]]
    time_zone: str = DEFAULT_TIME_ZONE
    closed_days: FrozenSet[dt.date] = field(default_factory=frozenset)

    @classmethod
    def from_settings(cls, hours: str, time_zone: str, closed_days: Iterable[str] = ()) -> "OfficeHours":
        try:
            ZoneInfo(time_zone)
            closed = frozenset(dt.date.fromisoformat(day.strip()) for day in closed_days if day.strip())
        except (ValueError, KeyError) as error:
            raise OfficeHoursError(str(error)) from error
        return cls(parse_weekly_hours(hours), time_zone, closed)

    def _hours_on(self, day: dt.date) -> Optional[Tuple[dt.time, dt.time]]:
        if day in self.closed_days or day in dutch_public_holidays(day.year):
            return None
        return self.weekly.get(day.weekday())

    def is_open(self, now: dt.datetime) -> bool:
        local = now.astimezone(ZoneInfo(self.time_zone))
        hours = self._hours_on(local.date())
        return hours is not None and hours[0] <= local.time() < hours[1]

    def next_opening(self, now: dt.datetime) -> dt.datetime:
        """The next moment the office opens after `now` (local time); `now` itself when open."""
        zone = ZoneInfo(self.time_zone)
        local = now.astimezone(zone)
        if self.is_open(now):
            return local
        for offset in range(0, 400):
            day = local.date() + dt.timedelta(days=offset)
            hours = self._hours_on(day)
            if hours is None:
                continue
            opening = dt.datetime.combine(day, hours[0], tzinfo=zone)
            if opening > local:
                return opening
        raise OfficeHoursError("the office never opens in the coming year")
