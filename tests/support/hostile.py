"""Hostile input for the fuzz tests: the characters and strings that break naive text handling."""
from __future__ import annotations

import re
from typing import Any, List

from hypothesis import strategies as st

from bot.config import PROJECT_ROOT

RTL_AND_BIDI = ["\u202e", "\u202d", "\u202a", "\u202b", "\u202c", "\u2066", "\u2067", "\u2068", "\u2069",
                "\u200f", "\u200e", "\u061c"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\ufeff", "\u2060", "\u00ad"]
EMOJI = ["😡", "👍", "👍🏽", "👨\u200d👩\u200d👧\u200d👦", "🏳️\u200d🌈", "🇳🇱", "❤️", "🤷🏾\u200d♀️", "🙏🙏🙏",
         "\U0001fae0"]
COMBINING = ["e\u0301", "a\u0308\u0308\u0308", "Z\u0351\u0352\u0353\u0354\u0355\u0356\u0357\u0358\u0359",
             "\u0300\u0301\u0302", "ب\u064e\u0651", "\u20dd"]
SQL = ["'; DROP TABLE cases; --", '" OR 1=1 --', "' OR '1'='1", "1; SELECT * FROM complaints; --",
       "KL-2026-ABCDEF' OR 1=1 --", "%' UNION SELECT reference, code_hash FROM complaints --",
       "INB-100001' OR 'x'='x", "'); DELETE FROM handoffs; --", "\\'; --", "admin'--"]
HTML_JS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)",
           "<svg/onload=alert(1)>", "</textarea><script>alert(1)</script>", "<a href=\"javascript:alert(1)\">x</a>",
           "&lt;b&gt;", "<!--", "]]>", "<iframe src=//evil.example>"]
TEMPLATES = ["{{7*7}}", "{placeholder}", "{what}", "{reference}", "{code}", "{0}", "{0.__class__}", "%s", "%d",
             "%(name)s", "%n%n%n", "${x}", "${7*7}", "#{7*7}", "{{", "}}", "{", "}", "{% raw %}", "\\{what\\}"]
DIGITS = ["٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "INB-١٠٠٠٠١", "١٧-٠٥-١٩٩٠", "۰۶ ۱۲۳۴ ۵۶۷۸", "१२३४५६", "１２３４５６"]
# Digits people really type that are not decimal digits: superscripts, circled numbers.
OTHER_DIGITS = ["m²", "45 m²", "x³", "①", "stap ② klaar", "⁵", "₂"]
CONTROL = ["\x00", "\x01", "\x07", "\x08", "\x1b[31m", "\r\n", "\r", "\t", "\x7f", "\x85", "\u2028", "\u2029",
           "\x0b", "\x0c"]
PAYLOADS = ["/", "/choose{", '/choose{"complaint_kind":"nonsense"}', "/restart", "/session_start",
            '/check_case_status{"case_number":"INB-100001"}', "/nlu_fallback", "/" + "x" * 300]
TEMPLATES_WITHOUT_WORDS = [t for t in TEMPLATES if not re.search(r"[a-z]{2}", t)]
LOOKALIKES = ["INB-100001", "INB 100001", "KL-2026-ABCDEF", "KL2026ABCDEF", "06 1234 5678", "+31612345678",
              "17-05-1990", "1990-05-17", "31-02-2020", "123456", "a@b.co", "x@y", "send", "chat", "unknown",
              "municipality", "treatment", "decision"]


def _wild() -> List[str]:
    """Short chat messages in the eight languages, as newcomers write them (tests/data/language_id)."""
    lines = []
    for path in sorted((PROJECT_ROOT / "tests" / "data" / "language_id").glob("*.txt")):
        lines += [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()][:8]
    return lines


WILD = _wild()
PIECES = RTL_AND_BIDI + ZERO_WIDTH + EMOJI + COMBINING + SQL + HTML_JS + TEMPLATES + DIGITS + OTHER_DIGITS \
    + CONTROL + PAYLOADS + LOOKALIKES + WILD

# Every valid Unicode scalar value (no lone surrogates: they are not valid UTF-8 or JSON).
ANY_CHARACTER = st.characters(codec="utf-8")


def long_text() -> st.SearchStrategy[str]:
    """10k to 100k characters as pasted (hostile pieces with spaces and line breaks between them), or an
    unbroken run of one piece (10k to 20k characters; see test_long_input_takes_linear_time for longer)."""
    pasted = st.builds(lambda piece, sep, n: ((piece + sep) * (n // (len(piece) + 1) + 1))[:n],
                       st.sampled_from(PIECES + ["a", "word", "x" * 7]), st.sampled_from([" ", "\n", " \n\n"]),
                       st.integers(10_000, 100_000))
    unbroken = st.builds(lambda piece, n: (piece * (n // len(piece) + 1))[:n],
                         st.sampled_from(PIECES + ["a", "x" * 7]), st.integers(10_000, 20_000))
    return st.one_of(pasted, unbroken)


def binary_ish() -> st.SearchStrategy[str]:
    """Bytes as they arrive when a client mislabels its encoding: control characters, NUL, Latin-1 noise."""
    return st.one_of(
        st.binary(max_size=80).map(lambda b: b.decode("latin-1")),
        st.binary(max_size=80).map(lambda b: b.decode("utf-8", errors="replace")),
        st.text(st.characters(max_codepoint=0x1F), max_size=40),
    )


def hostile_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Hostile text of every kind, alone and mixed with each other and with ordinary words."""
    return st.one_of(
        st.sampled_from(PIECES),
        st.lists(st.one_of(st.sampled_from(PIECES), st.text(ANY_CHARACTER, max_size=8)), min_size=1,
                 max_size=max_size // 4 or 1).map("".join),
        st.text(ANY_CHARACTER, max_size=max_size),
        binary_ish(),
        long_text(),
    )


def json_values(text: st.SearchStrategy[str] = hostile_text()) -> st.SearchStrategy[Any]:
    """Any JSON value, with hostile strings."""
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), text)
    return st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.one_of(st.sampled_from(["language", "language_guess", "slots",
                                                                              "what", "text"]), text), inner,
                                                     max_size=3)), max_leaves=8)


# A slot value as Rasa might hand it to a validation method: usually text, sometimes not.
