"""Whatever a parser accepts, the log redactor hides (bot/patterns.py defines both sides once).

Each test generates values in every shape a parser accepts — case numbers, dates, complaint references,
phone numbers — written in any digit script `ascii_digits` converts, inside surrounding text, and checks
that the parser accepts the value there and that `redact` leaves none of its digits. The surrounding text
holds no digits, so any digit left after redaction is the value's.
"""
import datetime as dt
import re
import time
import unicodedata

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from bot.cases.parsing import find_case_details, parse_case_number, parse_past_date
from bot.complaints.register import REFERENCE_ALPHABET, find_complaint_reference, parse_reference
from bot.patterns import parse_phone_number
from bot.privacy.log_redaction import redact
from bot.text import ascii_digits

TODAY = dt.date(2026, 11, 28)
CHECKS = settings(derandomize=True, database=None, max_examples=400, deadline=None)

# The zero of every decimal digit script (ASCII, Arabic-Indic, Persian, Devanagari, ...): each is followed
# by its 1 to 9, and ascii_digits turns all of them into 0-9.
ZEROS = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Nd" and unicodedata.decimal(chr(c)) == 0]
scripts = st.one_of(st.just("0"), st.sampled_from(["\u0660", "\u06f0"]), st.sampled_from(ZEROS))

# Text around a value: anything but digits (and lone surrogates, which no log line can hold).
prose = st.text(st.characters(blacklist_categories=("Nd", "Cs")), max_size=20)
# Characters that end or start a word (not \w): a phone number in a log line stands apart from its words.
word_boundaries = st.characters(blacklist_categories=("L", "N", "Cs"), blacklist_characters="_")
before_a_word = st.one_of(st.just(""), st.tuples(prose, word_boundaries).map("".join))
after_a_word = st.one_of(st.just(""), st.tuples(word_boundaries, prose).map("".join))

CASE_SEPARATORS = ["", " ", "\u00a0", "\t", "-", "\u2013", "\u2014", "_", "."]  # none, space, hyphen, dashes...
PHONE_SEPARATORS = [" ", "\u00a0", "\u202f", "-", "\u2013", "(", ")", ".", "/"]


def written(value: str, zero: str) -> str:
    """`value` with its ASCII digits written in the script whose zero is `zero`."""
    return "".join(chr(ord(zero) + int(ch)) if "0" <= ch <= "9" else ch for ch in value)


def digits_left(text: str) -> str:
    return "".join(ch for ch in text if ch.isdecimal())


# --- case numbers ------------------------------------------------------------------------------------


@st.composite
def case_numbers(draw):
    """(the text, the case number it holds: INB-123456)."""
    number = draw(st.text("0123456789", min_size=6, max_size=6))
    prefix = draw(st.sampled_from(["INB", "inb", "Inb", "iNb"]))
    value = prefix + draw(st.sampled_from(CASE_SEPARATORS)) + written(number, draw(scripts))
    return draw(prose) + value + draw(prose), f"INB-{number}"


@CHECKS
@given(case_numbers())
@example(("my case is INB\u2013123456, thanks", "INB-123456"))  # an en dash: once missed by the redactor
@example(("رقمي INB-١٢٣٤٥٦", "INB-123456"))
@example(("nummer inb_۱۲۳۴۵۶.", "INB-123456"))
def test_every_case_number_the_parser_accepts_is_redacted(case):
    text, expected = case
    assume(parse_case_number(text) is not None)  # e.g. not when glued to a letter before it ("xINB...")
    assert parse_case_number(text) == expected
    assert [f[1] for f in find_case_details(text, today=TODAY) if f[0] == "case_number"] == [expected]
    redacted = redact(text)
    assert digits_left(redacted) == "", redacted


# --- dates (of birth, of a decision) ---------------------------------------------------------------------


@st.composite
def dates(draw):
    """(the text, the date it holds), as YYYY-MM-DD or D-M-YYYY / DD/MM/YYYY / DD.MM.YYYY (mixed too)."""
    date = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY))
    day, month = (f"{part:02d}" if draw(st.booleans()) else str(part) for part in (date.day, date.month))
    if draw(st.booleans()):
        value = f"{date.year}-{month}-{day}"
    else:
        first, second = draw(st.sampled_from("-/.")), draw(st.sampled_from("-/."))
        value = f"{day}{first}{month}{second}{date.year}"
    return draw(prose) + written(value, draw(scripts)) + draw(prose), date


@CHECKS
@given(dates())
@example(("geboren 7-5-1990", dt.date(1990, 5, 7)))
@example(("born ۱۷.۰۵.۱۹۹۰!", dt.date(1990, 5, 17)))
@example(("1990-05-17", dt.date(1990, 5, 17)))
def test_every_date_the_parser_accepts_is_redacted(case):
    text, expected = case
    assert parse_past_date(text, today=TODAY) == expected
    assert [f[1] for f in find_case_details(text, today=TODAY) if f[0] == "date_of_birth"] == [expected.isoformat()]
    redacted = redact(text)
    assert digits_left(redacted) == "", redacted


# --- complaint references ------------------------------------------------------------------------------


@st.composite
def references(draw):
    """(the text, the reference it holds: KL-2026-7F3K9Q), the code in either case."""
    year = draw(st.integers(min_value=2020, max_value=2099))
    code = draw(st.text(REFERENCE_ALPHABET, min_size=6, max_size=6))
    typed = code if draw(st.booleans()) else code.lower()
    value = "".join([
        draw(st.sampled_from(["KL", "kl", "Kl"])), draw(st.sampled_from(CASE_SEPARATORS)),
        written(str(year), draw(scripts)), draw(st.sampled_from(CASE_SEPARATORS)), typed,
    ])
    return draw(prose) + value + draw(prose), f"KL-{year}-{code}"


@CHECKS
@given(references())
@example(("klacht KL-2026-7F3K9Q ingediend", "KL-2026-7F3K9Q"))
@example(("my complaint kl\u20132026\u20137f3k9q", "KL-2026-7F3K9Q"))
def test_every_complaint_reference_the_parser_accepts_is_redacted(case):
    text, expected = case
    found = parse_reference(text)
    assume(found is not None)  # e.g. not when glued to a letter or digit ("xKL...", "...7F3K9QA")
    # The year comes back in the script it was typed in (only the code's case is normalised).
    assert ascii_digits(found) == expected
    assert [ascii_digits(f[1]) for f in find_complaint_reference(text)] == [expected]
    redacted = redact(text)
    assert digits_left(redacted) == "", redacted
    assert expected[-6:] not in redacted.upper()


# --- phone numbers ---------------------------------------------------------------------------------------


@st.composite
def phone_numbers(draw):
    """(a phone number as people type it, its digits): "+31 6 12345678", "06-12345678", "0031 (0)6 ...",
    "(020) 123 45 67", with any separators the parser removes, in any digit script."""
    if draw(st.booleans()):  # Dutch: 0, then an area code (not 0) and eight more digits
        digits = "0" + draw(st.sampled_from("123456789")) + draw(st.text("0123456789", min_size=8, max_size=8))
        start = ""
    else:  # international: + or 00, then 8 to 15 digits, the first not 0 (with "(0)" after the country)
        digits = draw(st.sampled_from("123456789")) + draw(st.text("0123456789", min_size=7, max_size=14))
        start = draw(st.sampled_from(["+", "00", "+ ", "00 ", "(+", "(00"]))
        if len(digits) <= 13 and draw(st.booleans()):
            country = draw(st.integers(min_value=1, max_value=3))
            digits = digits[:country] + "(0)" + digits[country:]
    typed = start
    for ch in digits:
        gap = draw(st.lists(st.sampled_from(PHONE_SEPARATORS), max_size=3)) if typed and ch not in "()" else []
        typed += "".join(gap) + ch
    return written(typed, draw(scripts)), digits.replace("(", "").replace(")", "")


@CHECKS
@given(before_a_word, phone_numbers(), after_a_word)
@example("bel ", ("06 - 12345678", "0612345678"), "")  # three separators between two digits
@example("tel.", ("0612345678", "0612345678"), ", dank u")  # right after an abbreviation's dot
@example("", ("00 49 151 2345 6789 01", "491512345678901"), "")  # 00 and 15 digits: 17 in all
@example("WhatsApp ", ("+31\u00a06\u00a01234\u00a05678", "31612345678"), " refused")
@example("nummer: ", ("(06) 12 34 56 78", "0612345678"), "")
def test_every_phone_number_the_parser_accepts_is_redacted(before, phone, after):
    typed, _digits = phone
    assert parse_phone_number(typed) is not None, typed
    text = before + typed + after
    redacted = redact(text)
    assert digits_left(redacted) == "", redacted


def test_ordinary_numbers_stay_readable():
    """The redactor hides long digit runs, not every number: ports, versions, counts and durations stay."""
    for line in ("Starting Rasa server on http://127.0.0.1:5005", "Rasa 3.6.21 loaded", "3 of 12 tries",
                 "took 0.25 s", "v1.2.3"):
        assert redact(line) == line
    assert re.fullmatch(r"\[number\]", redact("0612345678"))


# Every log line passes the redactor, inside the servers' event loops: a long line (a pasted text in a
# debug line, a traceback) must take time in proportion to its length, like the parsers (test_hostile_input).
LONG = 40_000
LONG_LINES = {
    "digits": "1" * LONG,
    "arabic-indic digits": "\u0661" * LONG,
    "letters": "a" * LONG,
    "hyphens": "-" * LONG,
    "date-ish": "1-1-" * (LONG // 4),
    "dotted digits": "1." * (LONG // 2) + "x",
    "spaced digits then a letter": "1 " * (LONG // 2) + "x",
    "seven digits, long gaps": ("1" + " " * (LONG // 8)) * 7 + "x",
    "many at-signs": "a@b" * (LONG // 3) + " x",
    "case-number prefixes": "INB" * (LONG // 3),
    "reference prefixes": "KL-2026-" * (LONG // 8),
}


@pytest.mark.parametrize("shape", LONG_LINES)
def test_redacting_a_long_line_takes_linear_time(shape):
    started = time.perf_counter()
    redact(LONG_LINES[shape])
    assert time.perf_counter() - started < 2.0  # linear needs well under 0.1 s; quadratic, many seconds
