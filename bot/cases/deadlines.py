"""The deadline rules: when a newcomer's term started and ends, and a plain summary of their case."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import List, Optional

from bot.models import EXAM_PARTS, Case

TERM_YEARS = 3

def add_years(date: dt.date, years: int) -> dt.date:
    """The same day `years` later; 29 February becomes 28 February in a year without it."""
    try:
        return date.replace(year=date.year + years)
    except ValueError:
        return date.replace(year=date.year + years, day=28)


def term_start(case: Case) -> Optional[dt.date]:
    """Wi2021: the day after the (first) PIP date. Wi2013: the date the duty started."""
    if case.law == "wi2021":
        return case.pip_date + dt.timedelta(days=1) if case.pip_date else None
    return case.duty_start_date


def deadline(case: Case) -> Optional[dt.date]:
    """The end of the 3-year term, or the end of an extension when DUO granted one."""
    if case.extension_until:
        return case.extension_until
    start = term_start(case)
    return add_years(start, TERM_YEARS) if start else None


@dataclass(frozen=True)
class CaseSummary:
    """What a verified newcomer is told about their case (all plain values, no ORM objects)."""

    deadline: Optional[dt.date]
    extended: bool
    days_left: Optional[int]
    open_items: List[str]  # exam parts, "pvt", "map"
    loan_left_cents: Optional[int]
    contact_name: str
    contact_email: str
    contact_phone: str
    municipality: str
    law: str


def summarise(case: Case, today: Optional[dt.date] = None) -> CaseSummary:
    today = today or dt.date.today()
    end = deadline(case)
    open_items = [part for part in EXAM_PARTS if getattr(case, part) == "open"]
    if case.pvt_done is False:
        open_items.append("pvt")
    if case.map_done is False:
        open_items.append("map")
    loan_left = None
    if case.loan_granted_cents:
        loan_left = max(case.loan_granted_cents - (case.loan_used_cents or 0), 0)
    return CaseSummary(
        deadline=end,
        extended=bool(case.extension_until),
        days_left=(end - today).days if end else None,
        open_items=open_items,
        loan_left_cents=loan_left,
        contact_name=case.contact_name or "",
        contact_email=case.contact_email or "",
        contact_phone=case.contact_phone or "",
        municipality=case.municipality or "",
        law=case.law,
    )
