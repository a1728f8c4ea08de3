"""A safety net for real crisis signals: a message naming self-harm, violence, hunger or homelessness always
gets the crisis answer (112/113 first) and a person, whatever the intent model makes of it.

The phrases are in data/dialogue/crisis/<lang>.yml; a phrase matches when its words stand in the message in
order (small typos tolerated). Only words a real crisis uses belong there: plain frustration ("this is taking
forever") is answered with empathy instead (utter_frustration), and measured separately.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Tuple

import yaml

from bot.dialogue.facts import contains_phrase, normalise_words

CRISIS_DIR = Path(__file__).resolve().parents[2] / "data" / "dialogue" / "crisis"


@lru_cache(maxsize=4)
def crisis_phrases(directory: Path = CRISIS_DIR) -> Tuple[Tuple[str, ...], ...]:
    """Every language's phrases as normalised words (one list: a message may mix languages)."""
    phrases = set()
    for path in sorted(Path(directory).glob("*.yml")):
        for phrase in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("phrases") or []:
            words = tuple(normalise_words(str(phrase)))
            if words:
                phrases.add(words)
    return tuple(sorted(phrases))


def signals_crisis(text: str) -> bool:
    """True when the message names a real crisis."""
    words = normalise_words(text)
    return bool(words) and any(contains_phrase(words, phrase) for phrase in crisis_phrases())
