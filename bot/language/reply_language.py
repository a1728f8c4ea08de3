"""Which language a conversation is in: the rule that keeps the reply language sticky.

- The user's explicit choice (naming a language, a language button, the widget's menu) sets it at once.
- A clear message in a language sets it; a short or unclear one ("ok", "DUO?", "👍") never does.
- A channel's hint (Telegram's language_code) seeds it when nothing is known yet.
- Until it is set, `language_guess` holds the best guess: a weak detection that rests on at least one
  real word or a script of its own.
"""
from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

from bot.language.detection import SUPPORTED_LANGUAGES

LANGUAGE_SLOT = "language"
GUESS_SLOT = "language_guess"
REQUESTED_LANGUAGE_ENTITY = "requested_language"
# The requested language when the user names one the assistant does not speak ("French please").
UNOFFERED_LANGUAGE = "other"
DETECTION_ATTRIBUTE = "language"  # parse-data key set by the NLU component
METADATA_CHOSEN_LANGUAGE = "language"  # channel metadata: the user picked it (widget menu)
METADATA_LANGUAGE_HINT = "language_hint"  # channel metadata: a hint that seeds it (Telegram's language_code)


def _supported(value: Any) -> Optional[str]:
    return value if value in SUPPORTED_LANGUAGES else None


def language_slot_updates(slots: Mapping[str, Any], latest_message: Mapping[str, Any]) -> Dict[str, str]:
    """The slot values the latest user message changes (empty when nothing changes)."""
    metadata = latest_message.get("metadata") or {}
    detection = latest_message.get(DETECTION_ATTRIBUTE) or {}
    requested = next(
        (
            _supported(e.get("value"))
            for e in latest_message.get("entities") or []
            if e.get("entity") == REQUESTED_LANGUAGE_ENTITY and _supported(e.get("value"))
        ),
        None,
    )
    language = (
        requested
        or _supported(metadata.get(METADATA_CHOSEN_LANGUAGE))
        or (_supported(detection.get("code")) if detection.get("clear") else None)
        # The channel's hint (Telegram's language_code) seeds the language; it never overrides one.
        or (None if slots.get(LANGUAGE_SLOT) else _supported(metadata.get(METADATA_LANGUAGE_HINT)))
    )
    updates = {}
    if language:
        updates[LANGUAGE_SLOT] = language
    elif not slots.get(LANGUAGE_SLOT):
        detected = _supported(detection.get("code")) if detection.get("grounded", True) else None
        if detected:
            updates[GUESS_SLOT] = detected
    return {slot: value for slot, value in updates.items() if slots.get(slot) != value}


def reply_language(slots: Mapping[str, Any], default: str) -> str:
    """The sticky `language` slot, else the running guess, else the configured default."""
    return _supported(slots.get(LANGUAGE_SLOT)) or _supported(slots.get(GUESS_SLOT)) or default
