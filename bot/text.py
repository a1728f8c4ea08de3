"""Small text helpers shared by every capability: digits in any script, amounts."""
from __future__ import annotations

import unicodedata


def ascii_digits(text: str) -> str:
    """Arabic-Indic and Persian digits as 0-9, so people can type numbers on their own keyboard."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in text)


def format_euros(cents: int) -> str:
    """1250.00 style, as in the CSV files."""
    return f"{cents // 100}.{cents % 100:02d}"
