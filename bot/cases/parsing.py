"""What people type when they look up their case: case numbers and dates, in any digit script."""
from __future__ import annotations

import datetime as dt
from typing import List, Optional, Tuple

from bot.patterns import CASE_NUMBER_RE, DATE_PATTERNS
from bot.text import ascii_digits


def parse_case_number(text: str) -> Optional[str]:
    """The case number in a message ("inb 123456", "INB-123456"), written as INB-123456."""
    match = CASE_NUMBER_RE.search(ascii_digits(text))
    return f"INB-{match.group(1)}" if match else None


def _find_date(text: str, today: dt.date) -> Optional[Tuple[dt.date, int, int]]:
    for pattern, order in DATE_PATTERNS:
        match = pattern.search(text)
        if match:
            parts = dict(zip(order, map(int, match.groups())))
            try:
                date = dt.date(parts["year"], parts["month"], parts["day"])
            except ValueError:
                return None
            return (date, match.start(), match.end()) if dt.date(1900, 1, 1) <= date <= today else None
    return None


def parse_past_date(text: str, today: Optional[dt.date] = None) -> Optional[dt.date]:
    """A date since 1900 and not in the future, written DD-MM-YYYY, D-M-YYYY, DD/MM/YYYY or YYYY-MM-DD."""
    found = _find_date(ascii_digits(text), today or dt.date.today())
    return found[0] if found else None


parse_date_of_birth = parse_past_date


def find_case_details(text: str, today: Optional[dt.date] = None) -> List[Tuple[str, str, int, int]]:
    """("case_number" | "date_of_birth", normalised value, start, end) for what the text contains."""
    text = ascii_digits(text)  # same length: positions stay valid
    found = []
    match = CASE_NUMBER_RE.search(text)
    if match:
        found.append(("case_number", f"INB-{match.group(1)}", match.start(), match.end()))
    date = _find_date(text, today or dt.date.today())
    if date:
        found.append(("date_of_birth", date[0].isoformat(), date[1], date[2]))
    return found
