"""A typed answer is as good as a pressed button: which of the buttons just offered a message means.

The assistant's questions come with buttons; people type instead ("the municipality", "nieuwe wet", "2",
"bel me terug"). A message presses a button when it names the button's title (loosely: case, accents,
small typos and extra words do not matter), when it is the button's number, or when it reveals the fact the
button stands for (a law, from a year or "old/new law"). Otherwise it is an ordinary message.
"""
from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from bot.dialogue.facts import contains_phrase, content_words, law_from_text

_PAYLOAD_RE = re.compile(r"^/(?P<intent>[A-Za-z_][\w-]*)(?P<entities>\{.*\})?$", re.DOTALL)
_PARENTHESES_RE = re.compile(r"\([^)]*\)")
# Template placeholders and markup tags ("{0.__class__}", "${x}", "%(name)s", "<b>") are code, not words of
# an answer: a word inside them ("class") must not press a button.
_CODE_RE = re.compile(r"[$#]?\{[^{}]*\}|%\([^)]*\)|<[^<>]*>")
MIN_SIMILARITY = 0.82  # title vs. text, for texts of about the title's length
MIN_MARGIN = 0.08  # the best button must beat the next one by this much


@dataclass(frozen=True)
class Press:
    """A button the message presses: its payload's intent and entities."""

    title: str
    payload: str
    intent: str
    entities: Dict[str, Any]


def parse_payload(payload: str) -> Optional[Press]:
    """'/ask_deadline{"law":"wi2021"}' -> intent and entities; None for a payload that is not an intent."""
    match = _PAYLOAD_RE.match((payload or "").strip())
    if not match:
        return None
    entities: Dict[str, Any] = {}
    if match.group("entities"):
        try:
            loaded = json.loads(match.group("entities"))
        except ValueError:
            return None
        if not isinstance(loaded, dict):
            return None
        entities = loaded
    return Press("", payload, match.group("intent"), entities)


def _title_words(title: str) -> List[str]:
    return content_words(_PARENTHESES_RE.sub(" ", title)) or content_words(title)


def _similarity(words: Sequence[str], title: str) -> float:
    """How well the message names the title: whole-string likeness, or the title's words all present."""
    wanted = _title_words(title)
    if not words or not wanted:
        return 0.0
    if contains_phrase(words, wanted):
        # The title said inside a longer message: sure when the message is short.
        return 1.0 if len(words) <= len(wanted) + 3 else 0.85
    full = content_words(title)
    return max(difflib.SequenceMatcher(None, " ".join(words), " ".join(w)).ratio() for w in (wanted, full))


def _by_number(words: Sequence[str], count: int) -> Optional[int]:
    if len(words) == 1 and words[0].isdigit() and 1 <= int(words[0]) <= min(count, 9):
        return int(words[0]) - 1
    return None


def _by_law(text: str, presses: Sequence[Press]) -> Optional[Press]:
    """For buttons that stand for a law (the "which law?" question): the law the text reveals."""
    if not any("law" in p.entities for p in presses):
        return None
    law = law_from_text(text, asked=True)
    return next((p for p in presses if p.entities.get("law") == law), None) if law else None


def press_for(text: str, buttons: Sequence[Mapping[str, Any]]) -> Optional[Press]:
    """The button `text` presses among `buttons` ({"title", "payload"} as the channels got them), or None."""
    presses = []
    for button in buttons:
        parsed = parse_payload(str(button.get("payload") or ""))
        if parsed:
            presses.append(Press(str(button.get("title") or ""), parsed.payload, parsed.intent, parsed.entities))
    words = content_words(_CODE_RE.sub(" ", text or ""))
    if not presses or not words or (text or "").lstrip().startswith("/"):
        return None
    choices = list({p.payload: p for p in reversed(presses)}.values())[::-1]  # one per payload, in order
    number = _by_number(words, len(choices))
    if number is not None:
        return choices[number]
    by_law = _by_law(text, presses)
    if by_law:
        return by_law
    best_by_payload: Dict[str, Tuple[float, int]] = {}  # a choice may be offered under several titles
    for index, press in enumerate(presses):
        score = (_similarity(words, press.title), -index)
        best_by_payload[press.payload] = max(best_by_payload.get(press.payload, score), score)
    scored = sorted(best_by_payload.values(), reverse=True)
    best, index = scored[0][0], -scored[0][1]
    runner_up = scored[1][0] if len(scored) > 1 else 0.0
    if best >= MIN_SIMILARITY and best - runner_up >= MIN_MARGIN:
        return presses[index]
    return None


def synonym_languages(language: str) -> Tuple[str, ...]:
    """Where a button's other names are looked up: the conversation's language, then English and Dutch
    (people type "gemeente" or "DUO letter" whatever language they chat in)."""
    return tuple(dict.fromkeys((language, "en", "nl")))


def with_synonyms(
    offered: Sequence[Tuple[Optional[str], Sequence[Mapping[str, Any]]]], catalogue: Any, languages: Sequence[str]
) -> List[Dict[str, Any]]:
    """The buttons of the messages just sent ((response name, buttons) pairs), plus each button's other names
    from the catalogue: its `also` words and its titles in the other `languages` ("gemeente", "رفتار")."""
    buttons = [dict(b) for _, shown in offered for b in shown]
    for response, shown in offered:
        payloads = {b.get("payload") for b in shown}
        for number, language in enumerate(languages):
            entry = catalogue.get(response, language) if response else None
            for button in (entry.buttons if entry else ()):
                if button.payload in payloads:
                    names = button.also if number == 0 else (button.title, *button.also)
                    buttons.extend({"title": name, "payload": button.payload} for name in names)
    return buttons


def offered_since_previous_message(events: Sequence[Mapping[str, Any]]) -> List[Tuple[Optional[str], List[Dict]]]:
    """(response name, buttons) of the assistant's messages since the user's previous message, oldest first."""
    offered: List[Tuple[Optional[str], List[Dict]]] = []
    seen_current_user_message = False
    for event in reversed(events):
        kind = event.get("event")
        if kind == "user":
            if seen_current_user_message:
                break
            seen_current_user_message = True
        elif kind == "bot" and seen_current_user_message:
            buttons = list((event.get("data") or {}).get("buttons") or [])
            offered.insert(0, ((event.get("metadata") or {}).get("utter_action"), buttons))
    return offered


# Set in the parse data of a message replayed as a button press, so it is not taken for a typed answer again.
TYPED_ANSWER_MARK = "typed_answer"


def replayed_parse_data(parse_data: Mapping[str, Any], press: Press) -> Dict[str, Any]:
    """The parse data of a typed message replayed as the button it presses (language and text kept)."""
    replayed = dict(parse_data)
    replayed["intent"] = {"name": press.intent, "confidence": 1.0}
    replayed["intent_ranking"] = [replayed["intent"]]
    replayed["entities"] = [{"entity": name, "value": value} for name, value in press.entities.items()]
    replayed[TYPED_ANSWER_MARK] = press.payload
    return replayed
