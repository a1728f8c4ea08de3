"""The shapes of personal data, defined once: the parsers read them, the log redactor hides them.

Whatever a parser accepts must also be redacted (tests/test_patterns.py holds that), so both use these.
Digits are matched after `bot.text.ascii_digits` by the parsers; the redactor also matches other scripts.
"""
from __future__ import annotations

import re
from typing import Optional

from bot.text import ascii_digits

# Separators people type between parts: space, hyphen, en/em dash, underscore, dot.
_SEPARATOR = r"[\s\-\u2013\u2014_.]"

# A case number: INB-123456, "inb 123456", "INB–123456".
CASE_NUMBER_RE = re.compile(rf"(?<![A-Za-z0-9])INB{_SEPARATOR}?(\d{{6}})(?!\d)", re.IGNORECASE)

# A complaint reference: KL-2026-7F3K9Q (letters without 0/O or 1/I).
COMPLAINT_REFERENCE_RE = re.compile(
    rf"(?<![A-Za-z0-9])KL{_SEPARATOR}?(\d{{4}}){_SEPARATOR}?([2-9A-HJ-NP-Z]{{6}})(?![A-Za-z0-9])", re.IGNORECASE
)

# Dates (of birth, of a decision): YYYY-MM-DD, or DD-MM-YYYY with -, / or . between.
DATE_PATTERNS = (
    (re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)"), ("year", "month", "day")),
    (re.compile(r"(?<!\d)(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?!\d)"), ("day", "month", "year")),
)

# What may stand between the digits of a phone number, as many as people like: the parser drops them all.
_PHONE_SEPARATOR = r"[\s\-\u2013().\u00a0/]"
PHONE_SEPARATORS_RE = re.compile(_PHONE_SEPARATOR)
# A number is 8 to 15 digits after "+" or "00" (so up to 17 digits are typed), or 0 and nine digits.
INTERNATIONAL_PHONE_RE = re.compile(r"\+[1-9]\d{7,14}")
DUTCH_PHONE_RE = re.compile(r"0\d{9}")
# In free text (the redactor): a word of 8 to 17 digits with any run of those separators between them, so
# whatever the parser accepts (tests/test_patterns.py); "tel.0612345678" too (a dot before it is no word).
PHONE_IN_TEXT_RE = re.compile(rf"(?<!\w)(?:\+|00)?\(?\d(?:{_PHONE_SEPARATOR}*\d){{7,16}}(?!\w)")

# An e-mail address in free text. It starts where a run of its characters starts (no earlier start could
# match less), so a long run without "@" is read once, not once per character.
# An e-mail address (an apostrophe may stand in the name: o'brien@example.nl); parsers use it whole.
E_MAIL_RE = re.compile(r"(?<![\w.+'-])[\w.+'-]+@[\w-]+\.[\w.-]+")


# --- for the log redactor only: where log lines carry text people wrote -------------------------------

# Fields that hold what people wrote: Rasa's events and structured log keys (user messages, bot answers, slot
# values, entities), the channels' payloads, and the complaint story.
TEXT_FIELDS = (
    "text", "message", "user message", "user_message", "user_text", "parse_data_text", "response_text",
    "token_text", "json_message", "value", "body", "caption", "what", "wish", "happened_when", "contact",
    "complaint_what", "complaint_when", "complaint_wish", "complaint_contact", "callback_phone", "note",
    "public_answer", "answer",
)
_FIELD_NAME = "(?:" + "|".join(re.escape(name) for name in TEXT_FIELDS) + ")"
# A quoted value: JSON and Python's repr escape their quotes with a backslash ("He said \"no\""); within
# single quotes an apostrophe followed by a letter is part of the text (O'Brien, can't, l'école), as in
# lines that quote a text by hand; JSON inside a JSON string has \" for quotes.
_QUOTED_VALUE = r"""(?:\\"(?:(?!\\").)*\\"|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.|'(?=\w))*')"""
# `"text": "…"`, `'text': '…'`, `text='…'`, `user message '…'`, `\"text\": \"…\"`.
_FIELD_KEY = rf"""(?:\\?"{_FIELD_NAME}\\?"|'{_FIELD_NAME}'|{_FIELD_NAME})"""
TEXT_FIELD_RE = re.compile(rf"""(?i)((?<![\w-]){_FIELD_KEY}(?:\s*[:=]\s*|\s+)){_QUOTED_VALUE}""")
# Rasa's structured log lines print text unquoted: `parse_data_text=I can't pay parse_data_intent={...}`.
BARE_TEXT_FIELD_RE = re.compile(
    rf"""(?im)((?<![\w-]){_FIELD_NAME}=)(?!["'\\\[{{(])[^\n]*?(?=\s[\w.]+=|$)""")
# SQLAlchemy's error texts end with the statement's parameters (when an engine does not hide them), and
# PostgreSQL's with a DETAIL line that quotes the row or the key: both hold the data.
SQL_PARAMETERS_RE = re.compile(r"(?m)^\[parameters: .*$")
DATABASE_DETAIL_RE = re.compile(r"(?m)^(DETAIL:\s*).*$")


def parse_phone_number(text: str) -> Optional[str]:
    """A phone number to call back: "+31 6 12345678", "06-12345678", "0031..." (any digit script)."""
    compact = PHONE_SEPARATORS_RE.sub("", ascii_digits(text or ""))
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if INTERNATIONAL_PHONE_RE.fullmatch(compact) or DUTCH_PHONE_RE.fullmatch(compact):
        return compact
    return None
