"""A newcomer's own case: what they type, the deadline rules, the CSV import, verification."""
from bot.cases.deadlines import TERM_YEARS, CaseSummary, add_years, deadline, summarise, term_start
from bot.cases.importer import CSV_COLUMNS, ImportReport, export_cases, import_cases
from bot.cases.parsing import find_case_details, parse_case_number, parse_date_of_birth, parse_past_date
from bot.cases.verification import Verification, find_case, verify

__all__ = [
    "CSV_COLUMNS", "TERM_YEARS", "CaseSummary", "ImportReport", "Verification", "add_years", "deadline",
    "export_cases", "find_case", "find_case_details", "import_cases", "parse_case_number", "parse_date_of_birth",
    "parse_past_date", "summarise", "term_start", "verify",
]
