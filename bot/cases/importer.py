"""Cases from the municipality's CSV file, and back: every row checked, the whole file or nothing."""
from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any, Dict, List, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.cases.parsing import parse_case_number
from bot.models import EXAM_PARTS, LAWS, PART_STATUSES, ROUTES, Case
from bot.text import format_euros

CSV_COLUMNS = (
    "case_number", "date_of_birth", "law", "route", "pip_date", "duty_start_date", "extension_until",
    "reading", "listening", "writing", "speaking", "knm", "pvt_done", "map_done",
    "loan_granted_eur", "loan_used_eur", "contact_name", "contact_email", "contact_phone", "municipality",
)
# Optional: when the file has it, a handoff goes to the console account with this username (bot/handoff);
# files without it keep working (then the contact person's name is matched, as before).
OPTIONAL_COLUMNS = ("contact_username",)
USERNAME_LENGTH = 80
DATE_COLUMNS = ("date_of_birth", "pip_date", "duty_start_date", "extension_until")
BOOLEAN_COLUMNS = ("pvt_done", "map_done")
# The exam-part columns as municipalities were first given them: true = passed, false = still open.
LEGACY_PART_VALUES = {"true": "passed", "false": "open"}
# CSV column in euros -> model attribute in cents
AMOUNT_COLUMNS = {"loan_granted_eur": "loan_granted_cents", "loan_used_eur": "loan_used_cents"}

@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: List[Tuple[int, str]] = field(default_factory=list)  # (line number, reason)


def _parse_row(row: Dict[str, str], optional: Tuple[str, ...] = ()) -> Dict[str, Any]:
    """One CSV row as column values (the optional columns the file has too); raises ValueError with a reason a
    person can act on."""
    values: Dict[str, Any] = {}
    raw = {column: (row.get(column) or "").strip() for column in CSV_COLUMNS + optional}
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
        status = LEGACY_PART_VALUES.get(raw[part].lower(), raw[part]) if raw[part] else raw[part]
        if status and status not in PART_STATUSES:
            raise ValueError(f"{part} {raw[part]!r} is not one of {', '.join(PART_STATUSES)} (or true/false)")
        values[part] = status or None
    for column in BOOLEAN_COLUMNS:
        if raw[column] and raw[column] not in ("true", "false"):
            raise ValueError(f"{column} {raw[column]!r} is not true or false")
        values[column] = {"true": True, "false": False}.get(raw[column])
    for column, attribute in AMOUNT_COLUMNS.items():
        values[attribute] = _cents(column, raw[column]) if raw[column] else None
    for column in ("contact_name", "contact_email", "contact_phone", "municipality"):
        values[column] = raw[column] or None
    if "contact_username" in optional:
        if len(raw["contact_username"]) > USERNAME_LENGTH:
            raise ValueError(f"contact_username is longer than {USERNAME_LENGTH} characters")
        values["contact_username"] = raw["contact_username"].lower() or None
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
    optional = tuple(c for c in OPTIONAL_COLUMNS if c in (reader.fieldnames or []))
    existing = {case.case_number: case for case in session.execute(select(Case)).scalars()}
    seen: Dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        try:
            values = _parse_row(row, optional)
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
    """Write every case as CSV in the import format (with contact_username when any case has one); returns
    how many."""
    writer = csv.writer(stream, lineterminator="\n")
    with_usernames = session.scalar(select(Case.id).where(Case.contact_username.is_not(None)).limit(1)) is not None
    columns = CSV_COLUMNS + (OPTIONAL_COLUMNS if with_usernames else ())
    writer.writerow(columns)
    count = 0
    for case in session.execute(select(Case).order_by(Case.case_number)).scalars():
        writer.writerow([_csv_value(case, column) for column in columns])
        count += 1
    return count
