"""A newcomer's own case: parsing what they type, the deadline rules, CSV import/export, verification.

No Rasa here; `actions/` calls these functions. No case data is ever logged: case numbers only hashed.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any, Dict, List, Optional, Tuple

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.models import EXAM_PARTS, LAWS, PART_STATUSES, ROUTES, Case, VerificationAttempt, utc_now

logger = logging.getLogger(__name__)

CSV_COLUMNS = (
    "case_number", "date_of_birth", "law", "route", "pip_date", "duty_start_date", "extension_until",
    "reading", "listening", "writing", "speaking", "knm", "pvt_done", "map_done",
    "loan_granted_eur", "loan_used_eur", "contact_name", "contact_email", "contact_phone", "municipality",
)
DATE_COLUMNS = ("date_of_birth", "pip_date", "duty_start_date", "extension_until")
BOOLEAN_COLUMNS = ("pvt_done", "map_done")
# CSV column in euros -> model attribute in cents
AMOUNT_COLUMNS = {"loan_granted_eur": "loan_granted_cents", "loan_used_eur": "loan_used_cents"}

TERM_YEARS = 3
MAX_FAILED_VERIFICATIONS = 3
LOCKOUT = dt.timedelta(minutes=15)

_CASE_NUMBER_RE = re.compile(r"(?<![A-Za-z0-9])INB[\s\-–_.]?(\d{6})(?!\d)", re.IGNORECASE)
_DATE_PATTERNS = (
    (re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)"), ("year", "month", "day")),
    (re.compile(r"(?<!\d)(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?!\d)"), ("day", "month", "year")),
)


# --- what people type ------------------------------------------------------------------------------


def parse_case_number(text: str) -> Optional[str]:
    """The case number in a message ("inb 123456", "INB-123456"), written as INB-123456."""
    match = _CASE_NUMBER_RE.search(ascii_digits(text))
    return f"INB-{match.group(1)}" if match else None


def _find_date(text: str, today: dt.date) -> Optional[Tuple[dt.date, int, int]]:
    for pattern, order in _DATE_PATTERNS:
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
    match = _CASE_NUMBER_RE.search(text)
    if match:
        found.append(("case_number", f"INB-{match.group(1)}", match.start(), match.end()))
    date = _find_date(text, today or dt.date.today())
    if date:
        found.append(("date_of_birth", date[0].isoformat(), date[1], date[2]))
    return found


def ascii_digits(text: str) -> str:
    """Arabic-Indic and Persian digits as 0-9, so people can type numbers on their own keyboard."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in text)


# --- deadline rules ---------------------------------------------------------------------------------


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


# --- CSV import and export -------------------------------------------------------------------------


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: List[Tuple[int, str]] = field(default_factory=list)  # (line number, reason)


def _parse_row(row: Dict[str, str]) -> Dict[str, Any]:
    """One CSV row as column values; raises ValueError with a reason a person can act on."""
    values: Dict[str, Any] = {}
    raw = {column: (row.get(column) or "").strip() for column in CSV_COLUMNS}
    case_number = parse_case_number(raw["case_number"])
    if not case_number or case_number != raw["case_number"].upper():
        raise ValueError(f"case_number {raw['case_number']!r} is not like INB-123456")
    values["case_number"] = case_number
    for column in DATE_COLUMNS:
        if raw[column]:
            try:
                values[column] = dt.date.fromisoformat(raw[column])
            except ValueError:
                raise ValueError(f"{column} {raw[column]!r} is not a date YYYY-MM-DD") from None
        else:
            values[column] = None
    if values["date_of_birth"] is None:
        raise ValueError("date_of_birth is required")
    if raw["law"] not in LAWS:
        raise ValueError(f"law {raw['law']!r} is not one of {', '.join(LAWS)}")
    values["law"] = raw["law"]
    if raw["route"] and raw["route"] not in ROUTES:
        raise ValueError(f"route {raw['route']!r} is not one of {', '.join(ROUTES)}")
    values["route"] = raw["route"] or None
    for part in EXAM_PARTS:
        if raw[part] and raw[part] not in PART_STATUSES:
            raise ValueError(f"{part} {raw[part]!r} is not one of {', '.join(PART_STATUSES)}")
        values[part] = raw[part] or None
    for column in BOOLEAN_COLUMNS:
        if raw[column] and raw[column] not in ("true", "false"):
            raise ValueError(f"{column} {raw[column]!r} is not true or false")
        values[column] = {"true": True, "false": False}.get(raw[column])
    for column, attribute in AMOUNT_COLUMNS.items():
        values[attribute] = _cents(column, raw[column]) if raw[column] else None
    for column in ("contact_name", "contact_email", "contact_phone", "municipality"):
        values[column] = raw[column] or None
    if values["law"] == "wi2021" and values["pip_date"] is None and values["extension_until"] is None:
        raise ValueError("a wi2021 case needs pip_date (or extension_until)")
    if values["law"] == "wi2013" and values["duty_start_date"] is None and values["extension_until"] is None:
        raise ValueError("a wi2013 case needs duty_start_date (or extension_until)")
    return values


def _cents(column: str, text: str) -> int:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{column} {text!r} is not an amount like 1250.00") from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"{column} {text!r} is not an amount like 1250.00")
    return int(amount * 100)


def format_euros(cents: int) -> str:
    """1250.00 style, as in the CSV files."""
    return f"{cents // 100}.{cents % 100:02d}"


def import_cases(session: Session, stream: IO[str]) -> ImportReport:
    """Load or update cases from CSV (header row, see CSV_COLUMNS; extra columns ignored).

    Bad rows are reported with their line number and reason; good rows load regardless; loading the
    same file twice changes nothing the second time.
    """
    report = ImportReport()
    reader = csv.DictReader(stream)
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        report.errors.append((1, f"header lacks {', '.join(missing)}"))
        return report
    existing = {case.case_number: case for case in session.execute(select(Case)).scalars()}
    seen: Dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        try:
            values = _parse_row(row)
        except ValueError as error:
            report.errors.append((line, str(error)))
            continue
        number = values["case_number"]
        if number in seen:
            report.errors.append((line, f"the same case as line {seen[number]}"))
            continue
        seen[number] = line
        case = existing.get(number)
        if case is None:
            session.add(Case(**values))
            report.created += 1
        elif any(getattr(case, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(case, key, value)
            report.updated += 1
        else:
            report.unchanged += 1
    return report


def _csv_value(case: Case, column: str) -> str:
    if column in AMOUNT_COLUMNS:
        cents = getattr(case, AMOUNT_COLUMNS[column])
        return "" if cents is None else format_euros(cents)
    value = getattr(case, column)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def export_cases(session: Session, stream: IO[str]) -> int:
    """Write every case as CSV in the import format; returns how many."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for case in session.execute(select(Case).order_by(Case.case_number)).scalars():
        writer.writerow([_csv_value(case, column) for column in CSV_COLUMNS])
        count += 1
    return count


# --- verification ----------------------------------------------------------------------------------


def keyed_hash(secret: str, value: str) -> str:
    """A keyed hash (HMAC-SHA256) of an identifier, for logs and the attempts table."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Verification:
    """The result of one verification try: `case_number` when verified, `locked_until` when refused."""

    case_number: Optional[str] = None
    locked_until: Optional[dt.datetime] = None

    @property
    def verified(self) -> bool:
        return self.case_number is not None


def verify(
    session: Session,
    secret: str,
    sender_id: str,
    case_number: str,
    date_of_birth: dt.date,
    now: Optional[dt.datetime] = None,
) -> Verification:
    """Check a case number and date of birth, with a lock-out against guessing.

    After MAX_FAILED_VERIFICATIONS failures for one sender or one case number within LOCKOUT, every try
    for that sender and that case is refused until LOCKOUT has passed since the last failure. A wrong case
    number and a wrong date of birth fail the same way: the answer never says which was wrong.
    """
    now = now or utc_now()
    sender_hash = keyed_hash(secret, f"sender:{sender_id}")
    case_hash = keyed_hash(secret, f"case:{case_number}")
    locked, failures = lockout(session, sender_hash, case_hash, now)
    if locked:
        logger.info("Case lookup refused (locked) for case %s", case_hash[:12])
        return Verification(locked_until=locked)
    case = session.execute(select(Case).where(Case.case_number == case_number)).scalar_one_or_none()
    succeeded = case is not None and hmac.compare_digest(
        case.date_of_birth.isoformat(), date_of_birth.isoformat()
    )
    session.add(VerificationAttempt(sender_hash=sender_hash, case_hash=case_hash, succeeded=succeeded, created_at=now))
    logger.info("Case verification %s for case %s", "succeeded" if succeeded else "failed", case_hash[:12])
    if succeeded:
        return Verification(case_number=case_number)
    if failures + 1 >= MAX_FAILED_VERIFICATIONS:
        return Verification(locked_until=now + LOCKOUT)
    return Verification()


def lockout(session: Session, sender_hash: str, subject_hash: str, now: dt.datetime) -> Tuple[Optional[dt.datetime], int]:
    """(until when tries are refused, or None; recent failures) for a sender or a subject (a case, a complaint).

    Locked after MAX_FAILED_VERIFICATIONS failures for either within LOCKOUT, until LOCKOUT has passed
    since the last failure.
    """
    count, last = session.execute(
        select(func.count(), func.max(VerificationAttempt.created_at)).where(
            VerificationAttempt.succeeded.is_(False),
            VerificationAttempt.created_at > now - LOCKOUT,
            or_(VerificationAttempt.sender_hash == sender_hash, VerificationAttempt.case_hash == subject_hash),
        )
    ).one()
    return (last + LOCKOUT if count >= MAX_FAILED_VERIFICATIONS else None), count


def find_case(session: Session, case_number: str) -> Optional[Case]:
    return session.execute(select(Case).where(Case.case_number == case_number)).scalar_one_or_none()

