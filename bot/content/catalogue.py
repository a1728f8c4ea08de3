"""The content catalogue: every answer, once per language, with its source and the date it was checked.

`data/content/<lang>.yml` holds `messages`, keyed by response name. Rasa asks for a response through the
NLG endpoint (`bot.web`), which calls `Catalogue.render`. A language without content, or an entry not yet
translated, falls back to English with a visible notice in English and Dutch — never silently.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

import yaml

from bot.language.detection import SUPPORTED_LANGUAGES, text_direction

logger = logging.getLogger(__name__)

REFERENCE_LANGUAGE = "en"  # the language every other one is compared with, and falls back to
# Written by the team's own native speakers; every other language needs a native speaker's check (`reviewed`).
TEAM_LANGUAGES = ("en", "nl")
FALLBACK_NOTICE_LANGUAGES = ("en", "nl")
NOTICE_LANGUAGE_FALLBACK = "notice_language_fallback"
LABEL_SOURCE = "label_source"
LABEL_MENU = "label_menu"
ERROR_RESPONSE = "utter_error"

RIGHT_TO_LEFT_MARK = "\u200f"
_PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")
_NUMBER_RE = re.compile(r"\d+(?:[.,\s]\d+)*")
_URL_RE = re.compile(r"https?://[^\s)\"'<>]+")


class ContentError(ValueError):
    """A catalogue file is malformed."""


@dataclass(frozen=True)
class Button:
    title: str
    payload: str
    also: Tuple[str, ...] = ()  # other ways people type this choice ("how I was treated" for "Treatment")

    @property
    def entities(self) -> Dict[str, Any]:
        """The entities a payload carries: '/choose{"complaint_kind":"decision"}' -> {"complaint_kind": ...}."""
        return json.loads(self.payload[self.payload.index("{"):]) if "{" in self.payload else {}


@dataclass(frozen=True)
class Entry:
    name: str
    text: str
    buttons: Tuple[Button, ...] = ()
    source: Optional[str] = None
    checked: Optional[dt.date] = None
    reviewed: bool = False


@dataclass(frozen=True)
class Rendered:
    """A response as Rasa's NLG endpoint returns it, plus what was actually used."""

    text: str
    buttons: List[Dict[str, str]]
    language: str
    fell_back: bool = False
    menu_label: str = ""
    needs_review: bool = False  # a translation no native speaker has checked yet (bot/content/nlg.py says so)

    def to_rasa(self) -> Dict[str, Any]:
        # `language` and `direction` end up in the bot event's metadata, for channels and the console.
        return {
            "text": self.text,
            "buttons": self.buttons,
            "image": None,
            "elements": [],
            "attachments": [],
            "language": self.language,
            "direction": text_direction(self.language),
            "menu_label": self.menu_label,  # for channels that show buttons behind a menu (WhatsApp lists)
        }


@dataclass
class Catalogue:
    entries: Dict[str, Dict[str, Entry]] = field(default_factory=dict)  # language -> name -> entry

    @classmethod
    def load(cls, directory: Path) -> "Catalogue":
        """Load every `<lang>.yml` in the directory whose name is a supported language."""
        entries = {}
        for language in SUPPORTED_LANGUAGES:
            path = Path(directory) / f"{language}.yml"
            if path.exists():
                entries[language] = _parse_file(path, language)
        if REFERENCE_LANGUAGE not in entries:
            raise ContentError(f"{directory}: the reference language file {REFERENCE_LANGUAGE}.yml is missing")
        for required in (ERROR_RESPONSE, LABEL_SOURCE, NOTICE_LANGUAGE_FALLBACK):
            if required not in entries[REFERENCE_LANGUAGE]:
                raise ContentError(f"{REFERENCE_LANGUAGE}.yml lacks {required}, which the NLG needs")
        return cls(entries)

    @property
    def languages(self) -> List[str]:
        return [lang for lang in SUPPORTED_LANGUAGES if lang in self.entries]

    def names(self, language: str = REFERENCE_LANGUAGE) -> List[str]:
        return list(self.entries.get(language, {}))

    def get(self, name: str, language: str) -> Optional[Entry]:
        return self.entries.get(language, {}).get(name)

    def label(self, name: str, language: str, default: Optional[str] = None) -> str:
        """A label's text in `language`, else in English; `default` (else the name) when neither has it."""
        entry = self.get(name, language) or self.get(name, REFERENCE_LANGUAGE)
        if entry:
            return entry.text
        return name if default is None else default

    def render(self, name: str, language: str, arguments: Optional[Mapping[str, Any]] = None) -> Rendered:
        """The response `name` in `language`, with the source line and placeholders filled in."""
        arguments = dict(arguments or {})
        if self.get(name, REFERENCE_LANGUAGE) is None and self.get(name, language) is None:
            logger.error("Unknown response %r: sending the error message instead", name)
            name = ERROR_RESPONSE
        entry = self.get(name, language)
        used_language = language
        if entry is None:
            logger.warning("No %s text for %s: answering in English", language, name)
            entry, used_language = self.entries[REFERENCE_LANGUAGE][name], REFERENCE_LANGUAGE
        fell_back = used_language != language
        # A list argument names catalogue labels ("label_item_knm"): each becomes its text, joined.
        for key, value in arguments.items():
            if isinstance(value, list):
                arguments[key] = ", ".join(self.label(str(item), used_language) for item in value)
        parts = []
        if fell_back:
            parts.append(
                "\n".join(
                    self.entries[lang][NOTICE_LANGUAGE_FALLBACK].text
                    for lang in FALLBACK_NOTICE_LANGUAGES
                    if NOTICE_LANGUAGE_FALLBACK in self.entries.get(lang, {})
                )
            )
        parts.append(_fill(entry.text, arguments))
        if entry.source:
            parts.append(f"{self.label(LABEL_SOURCE, used_language)}: {entry.source}")
        rtl = text_direction(used_language) == "rtl"
        buttons = [
            {"title": _mark_rtl(_fill(b.title, arguments), rtl), "payload": _fill(b.payload, arguments)}
            for b in entry.buttons
        ]
        text = _mark_rtl("\n\n".join(p for p in parts if p), rtl)
        return Rendered(text, buttons, used_language, fell_back, self.label(LABEL_MENU, used_language, default=""),
                        needs_review=needs_review(entry, used_language))


def needs_review(entry: Entry, language: str) -> bool:
    """True when no native speaker has checked the entry yet: marked `reviewed: false`, or, outside the team's
    own languages, not marked reviewed at all (labels and notices carry no `checked` date, but are read too)."""
    if entry.reviewed:
        return False
    return language not in TEAM_LANGUAGES or entry.checked is not None


def placeholders(entry: Entry) -> List[str]:
    """The `{name}` placeholders of an entry's text and buttons: what it needs from the conversation."""
    texts = [entry.text] + [part for b in entry.buttons for part in (b.title, b.payload)]
    return sorted({name for text in texts for name in _PLACEHOLDER_RE.findall(text)})


def _mark_rtl(text: str, rtl: bool) -> str:
    """Start every line of right-to-left text with a right-to-left mark.

    Chat apps pick a line's direction from its first strong character, so an Arabic or Persian line that
    starts with "DUO" or a number would otherwise be laid out left-to-right.
    """
    if not rtl:
        return text
    return "\n".join(RIGHT_TO_LEFT_MARK + line if line and not line.startswith(RIGHT_TO_LEFT_MARK) else line
                     for line in text.split("\n"))


def _fill(template: str, arguments: Mapping[str, Any]) -> str:
    """Replace `{name}` with the argument of that name; anything else (JSON braces) stays as it is."""
    return _PLACEHOLDER_RE.sub(
        lambda m: str(arguments[m.group(1)]) if m.group(1) in arguments else m.group(0), template
    )


def _parse_file(path: Path, language: str) -> Dict[str, Entry]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise ContentError(f"{path}: not valid YAML: {error}") from None
    if document.get("language") != language:
        raise ContentError(f"{path}: 'language' must be {language!r}")
    messages = document.get("messages")
    if not isinstance(messages, dict):
        raise ContentError(f"{path}: 'messages' must be a mapping of response names")
    entries = {}
    for name, raw in messages.items():
        if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
            raise ContentError(f"{path}: {name} needs a 'text'")
        buttons = tuple(Button(str(b["title"]), str(b["payload"]), tuple(str(a) for a in b.get("also") or ()))
                        for b in raw.get("buttons") or [])
        checked = raw.get("checked")
        if isinstance(checked, str):
            checked = dt.date.fromisoformat(checked)
        entries[name] = Entry(
            name=name,
            text=raw["text"].strip(),
            buttons=buttons,
            source=raw.get("source"),
            checked=checked,
            reviewed=bool(raw.get("reviewed", False)),
        )
    return entries


# --- consistency checks (used by the tests and by `python -m bot content status`) -----------------


def numbers_in(text: str) -> List[str]:
    """Every number in a text as its digits alone ("€1,250" -> "1250", "050 599 96 00" -> "0505999600").

    Arabic-Indic and Persian digits count as the same digits, so translations may use them.
    """
    text = "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)
    return sorted(re.sub(r"\D", "", match) for match in _NUMBER_RE.findall(text))


def urls_in(text: str) -> List[str]:
    return sorted(_URL_RE.findall(text))


def inconsistencies(catalogue: Catalogue, language: str) -> List[str]:
    """How `language` differs from the reference in facts that must never differ: numbers, URLs, buttons."""
    problems = []
    for name, reference in catalogue.entries[REFERENCE_LANGUAGE].items():
        entry = catalogue.get(name, language)
        if entry is None:
            continue  # reported by missing_entries
        if numbers_in(entry.text) != numbers_in(reference.text):
            problems.append(f"{language}/{name}: numbers {numbers_in(entry.text)} != {numbers_in(reference.text)}")
        if urls_in(entry.text) != urls_in(reference.text) or entry.source != reference.source:
            problems.append(f"{language}/{name}: URLs differ from {REFERENCE_LANGUAGE}")
        if [b.payload for b in entry.buttons] != [b.payload for b in reference.buttons]:
            problems.append(f"{language}/{name}: button payloads differ from {REFERENCE_LANGUAGE}")
        if entry.checked is None and reference.source:
            problems.append(f"{language}/{name}: no 'checked' date")
    return problems


def missing_entries(catalogue: Catalogue, language: str, required: Iterable[str] = ()) -> List[str]:
    """Names the reference language (or `required`) has and `language` lacks."""
    wanted = set(catalogue.names(REFERENCE_LANGUAGE)) | set(required)
    return sorted(wanted - set(catalogue.names(language)))


@dataclass(frozen=True)
class LanguageStatus:
    language: str
    entries: int
    missing: List[str]
    unreviewed: List[str]
    out_of_date: List[str]


def content_status(catalogue: Catalogue, max_age_days: int, today: Optional[dt.date] = None) -> List[LanguageStatus]:
    """Per language: what is missing, not reviewed by a native speaker (`needs_review`: answers marked
    `reviewed: false`, and labels and notices nobody marked reviewed), or out of date.

    An entry is out of date when it was last checked more than `max_age_days` ago, or before the English
    entry it translates was last changed (the translation may no longer say the same).
    """
    today = today or dt.date.today()
    oldest = today - dt.timedelta(days=max_age_days)
    statuses = []
    for language in SUPPORTED_LANGUAGES:
        entries = catalogue.entries.get(language, {})
        out_of_date = []
        for name, entry in entries.items():
            reference = catalogue.get(name, REFERENCE_LANGUAGE)
            if entry.checked is None:
                continue
            if entry.checked < oldest or (reference and reference.checked and entry.checked < reference.checked):
                out_of_date.append(name)
        statuses.append(
            LanguageStatus(
                language=language,
                entries=len(entries),
                missing=missing_entries(catalogue, language),
                unreviewed=sorted(n for n, e in entries.items() if needs_review(e, language)),
                out_of_date=sorted(out_of_date),
            )
        )
    return statuses


WIDGET_LABEL_PREFIX = "label_widget_"
LANGUAGE_MENU_RESPONSE = "utter_ask_which_language"  # its buttons name each language in its own script


def widget_texts(catalogue: Catalogue, language: str) -> Dict[str, Any]:
    """What the website widget shows around the messages, in `language`: its labels (without the prefix),
    the text direction, and the language menu (each language in its own script)."""
    names = [n for n in catalogue.entries.get(REFERENCE_LANGUAGE, {}) if n.startswith(WIDGET_LABEL_PREFIX)]
    menu = {}
    for button in catalogue.get(LANGUAGE_MENU_RESPONSE, REFERENCE_LANGUAGE).buttons:
        menu[button.entities["requested_language"]] = button.title
    return {
        "language": language,
        "direction": text_direction(language),
        "labels": {n[len(WIDGET_LABEL_PREFIX):]: catalogue.label(n, language) for n in names},
        "languages": menu,
    }
