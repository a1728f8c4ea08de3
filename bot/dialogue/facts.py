"""Facts people mention along the way, in any language: which law applies, their situation.

"ik ben in 2023 gekomen" means the 2021 law; "ik ben statushouder" that costs and loans work as for status
holders. What counts is in data/dialogue/facts.yml; matching ignores case, accents and one-letter typos.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import yaml

from bot.text import ascii_digits

FACTS_FILE = Path(__file__).resolve().parents[2] / "data" / "dialogue" / "facts.yml"
NEW_LAW_FROM_YEAR = 2022  # the Wet inburgering 2021 applies to duties that started on or after 1-1-2022
LAW_YEARS = {2013: "wi2013", 2021: "wi2021"}  # the years in the laws' names
SITUATIONS = ("status_holder", "family_migrant", "eu_citizen", "turkish_national", "ukrainian_tp")
_YEAR_RE = re.compile(r"(?<!\d)(20[0-3]\d)(?!\d)")
_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)


def normalise_words(text: str) -> List[str]:
    """Lower-case words without accents or punctuation ("Vóór 2022!" -> ["voor", "2022"]), digits as 0-9."""
    decomposed = unicodedata.normalize("NFKD", ascii_digits(text or "").casefold())
    # Drop combining marks of Latin letters only: Arabic and Ge'ez marks carry meaning.
    kept = "".join(ch for ch in decomposed if not (unicodedata.combining(ch) and ord(ch) < 0x0370))
    return _WORD_RE.findall(unicodedata.normalize("NFC", kept).replace("ı", "i"))


def _close(word: str, wanted: str) -> bool:
    """Equal, or one edit apart for words of five letters or more."""
    if word == wanted:
        return True
    if min(len(word), len(wanted)) < 5 or abs(len(word) - len(wanted)) > 1:
        return False
    return _one_edit(word, wanted)


def _one_edit(a: str, b: str) -> bool:
    if len(a) > len(b):
        a, b = b, a
    i = j = edits = 0
    while i < len(a) and j < len(b):
        if a[i] != b[j]:
            edits += 1
            if edits > 1:
                return False
            if len(a) == len(b):
                i += 1
            j += 1
            continue
        i, j = i + 1, j + 1
    return edits + (len(b) - j) + (len(a) - i) <= 1


def contains_phrase(words: Sequence[str], phrase: Sequence[str]) -> bool:
    """True when the phrase's words stand in `words` one after the other (each may have a small typo)."""
    n = len(phrase)
    return n > 0 and any(
        all(_close(words[i + k], phrase[k]) for k in range(n)) for i in range(len(words) - n + 1)
    )


@dataclass(frozen=True)
class FactWords:
    """The phrases of data/dialogue/facts.yml, already split into normalised words."""

    law: Dict[str, Tuple[Tuple[str, ...], ...]]
    law_when_asked: Dict[str, Tuple[Tuple[str, ...], ...]]
    arrival: Tuple[Tuple[str, ...], ...]
    law_word: frozenset
    situation: Dict[str, Tuple[Tuple[str, ...], ...]]
    filler: frozenset


def _phrases(items: Iterable[str]) -> Tuple[Tuple[str, ...], ...]:
    return tuple(tuple(normalise_words(item)) for item in items if normalise_words(item))


@lru_cache(maxsize=4)
def fact_words(path: Path = FACTS_FILE) -> FactWords:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return FactWords(
        law={law: _phrases(items) for law, items in raw["law"].items()},
        law_when_asked={law: _phrases(items) for law, items in raw["law_when_asked"].items()},
        arrival=_phrases(raw["arrival"]),
        law_word=frozenset(word for item in raw["law_word"] for word in normalise_words(item)),
        situation={name: _phrases(items) for name, items in raw["situation"].items()},
        filler=frozenset(word for item in raw["filler"] for word in normalise_words(item)),
    )


def content_words(text: str) -> List[str]:
    """The words of a text without little words ("the", "mijn"); all its words when that leaves none."""
    words = normalise_words(text)
    kept = [w for w in words if w not in fact_words().filler]
    return kept or words


def _law_named(words: Sequence[str], table: Dict[str, Tuple[Tuple[str, ...], ...]]) -> Optional[str]:
    """The law the words name; when both are named ("not the old, the new law"), the one named last."""
    best: Optional[Tuple[int, str]] = None
    for law, phrases in table.items():
        for phrase in phrases:
            for i in range(len(words) - len(phrase) + 1):
                if all(_close(words[i + k], phrase[k]) for k in range(len(phrase))):
                    if best is None or i > best[0]:
                        best = (i, law)
    return best[1] if best else None


def law_for_year(year: int) -> str:
    return "wi2021" if year >= NEW_LAW_FROM_YEAR else "wi2013"


def law_from_text(text: str, asked: bool = False) -> Optional[str]:
    """The law a message reveals, or None.

    Always: the law named ("new law", "wi2013", "before 2022", a Wi2021 route), or a year said with an arrival
    word ("ik ben in 2023 gekomen"). When the assistant has just asked which law applies (`asked`): also a
    bare year ("2019"; "2013" and "2021" name the laws), and short answers ("the old one", "nieuwe").
    """
    words = normalise_words(text)
    table = fact_words()
    named = _law_named(words, table.law)
    if named:
        return named
    years = [int(y) for y in _YEAR_RE.findall(" ".join(words))]
    # "2021 ayaan sharciga helay" (I got the permit in 2021): a phrase of getting or arriving says the year is a
    # date even where "law" and "permit" are one word.
    if years and any(len(phrase) > 1 and contains_phrase(words, phrase) for phrase in table.arrival):
        return law_for_year(years[-1])
    law_year = next((y for y in reversed(years) if y in LAW_YEARS), None)
    if law_year and any(w in table.law_word for w in words):  # "de wet van 2021", "закон 2013"
        return LAW_YEARS[law_year]
    if years and any(contains_phrase(words, phrase) for phrase in table.arrival):
        return law_for_year(years[-1])  # "the permit came in 2021": a year, so the 2013 law
    if asked:
        short = _law_named(words, table.law_when_asked)
        if short:
            return short
        if len(years) == 1:
            return LAW_YEARS.get(years[0]) or law_for_year(years[0])
    return None


def situation_from_text(text: str) -> Optional[str]:
    """The person's situation a message reveals (one of SITUATIONS), or None."""
    words = normalise_words(text)
    for name, phrases in fact_words().situation.items():
        if any(contains_phrase(words, phrase) for phrase in phrases):
            return name
    return None


def find_facts(text: str) -> List[Tuple[str, str]]:
    """[(entity, value)] for the facts in a message: "law" and "situation"."""
    found = []
    law = law_from_text(text)
    if law:
        found.append(("law", law))
    situation = situation_from_text(text)
    if situation:
        found.append(("situation", situation))
    return found
