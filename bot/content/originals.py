"""An answer again in Dutch or English: which of the assistant's answers to show, and whether it can be shown.

A translation no native speaker has checked yet comes with a notice and "Nederlands" / "English" buttons
(bot/content/nlg.py). Pressing one re-sends the assistant's last answer rendered in that language
(actions/content.py). Only an answer that needs nothing from the conversation can be rendered again: one with
placeholders (a date, a reference, the story of a complaint) gets a short "not available" answer instead.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

from bot.content.catalogue import REFERENCE_LANGUAGE, Catalogue, placeholders
from bot.content.nlg import ORIGINAL_LANGUAGES

NOT_AVAILABLE = "utter_original_not_available"


def last_answer(events: Sequence[Mapping[str, Any]]) -> Optional[str]:
    """The response name of the assistant's last answer (Rasa keeps it as `utter_action` in the bot event's
    metadata), passing over an earlier "not available"."""
    for event in reversed(events):
        if not isinstance(event, Mapping) or event.get("event") != "bot":
            continue
        name = (event.get("metadata") or {}).get("utter_action")
        if isinstance(name, str) and name and name != NOT_AVAILABLE:
            return name
    return None


def original_to_show(events: Sequence[Mapping[str, Any]], catalogue: Catalogue, language: Any) -> Optional[str]:
    """The last answer's name when it can be shown again in `language` ("nl" or "en"), else None."""
    name = last_answer(events)
    if language not in ORIGINAL_LANGUAGES or name is None or not name.startswith("utter_"):
        return None
    entry = catalogue.get(name, language) or catalogue.get(name, REFERENCE_LANGUAGE)
    if entry is None or placeholders(entry):
        return None
    return name
