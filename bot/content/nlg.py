"""The NLG endpoint's logic: which language to answer in, and the response from the catalogue.

Rasa POSTs `{"response": name, "arguments": {...}, "tracker": {...}, "channel": {...}}` (see Rasa's
`nlg_request_format`; bot/rasa_components/nlg_client.py sends the slots and only the bot events that carry a
translation notice); the answer is the rendered catalogue entry. Kept free of Sanic so it is easy to test.

A translation no native speaker has checked yet is served, but said so once per conversation and language: the
first such answer gets `notice_unreviewed_translation` (with "Nederlands" and "English" buttons) appended, and
`translation_notice` (the language) in the reply, which Rasa keeps in the bot event's metadata; a later answer
sees that mark and gets no notice again. The argument `show_language` ("nl" or "en") renders a response in that
language instead: actions/content.py re-sends the last answer so.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

from bot.content.catalogue import Catalogue, ContentError, Rendered
from bot.language.reply_language import reply_language

logger = logging.getLogger(__name__)

TRANSLATION_NOTICE = "notice_unreviewed_translation"
NOTICE_MARK = "translation_notice"  # in the reply, so in the bot event's metadata: the language noticed
SHOW_LANGUAGE = "show_language"  # an argument: render the response in this original language
ORIGINAL_LANGUAGES = ("nl", "en")


def nlg_response(body: Mapping[str, Any], catalogue: Catalogue, default_language: str) -> Dict[str, Any]:
    """Answer one NLG request from Rasa."""
    name = str(body.get("response") or body.get("template") or "")
    tracker = body.get("tracker") if isinstance(body.get("tracker"), dict) else {}
    slots = tracker.get("slots") if isinstance(tracker.get("slots"), dict) else {}
    arguments = dict(body["arguments"]) if isinstance(body.get("arguments"), dict) else {}
    language = reply_language(slots, default_language)
    shown = arguments.pop(SHOW_LANGUAGE, None)
    if shown in ORIGINAL_LANGUAGES and shown in catalogue.languages:
        language = shown
    rendered = catalogue.render(name, language, arguments)
    reply = rendered.to_rasa()
    if _notice_due(catalogue, name, rendered, slots, tracker.get("events")):
        notice = catalogue.render(TRANSLATION_NOTICE, rendered.language)
        reply["text"] = f"{reply['text']}\n\n{notice.text}"
        reply["buttons"] = list(reply["buttons"]) + notice.buttons
        reply[NOTICE_MARK] = rendered.language
    return reply


def _notice_due(catalogue: Catalogue, name: str, rendered: Rendered, slots: Mapping[str, Any], events: Any) -> bool:
    """The first unreviewed answer of this conversation in its language, outside a form's questions (their
    buttons answer the form), in a language that has the notice."""
    if not (rendered.needs_review and name.startswith("utter_")) or slots.get("requested_slot"):
        return False
    if catalogue.get(TRANSLATION_NOTICE, rendered.language) is None:
        return False
    return rendered.language not in noticed_languages(events if isinstance(events, list) else [])


def noticed_languages(events: Sequence[Any]) -> set:
    """The languages whose translation notice a bot event of the current session (since the last
    `session_started`) carried."""
    noticed = set()
    for event in reversed(events):
        if not isinstance(event, dict):
            continue
        if event.get("event") == "session_started":
            break
        metadata = event.get("metadata")
        if event.get("event") == "bot" and isinstance(metadata, dict) and metadata.get(NOTICE_MARK):
            noticed.add(str(metadata[NOTICE_MARK]))
    return noticed


class LiveCatalogue:
    """The catalogue, reloaded when a content file changes, so editors' changes go live at once.

    A file that no longer loads is reported and the last good catalogue stays in use.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._lock = threading.Lock()
        self._stamp: Optional[Tuple[Tuple[str, float], ...]] = None
        self._catalogue = Catalogue.load(self.directory)
        self._stamp = self._current_stamp()

    def _current_stamp(self) -> Tuple[Tuple[str, float], ...]:
        return tuple(sorted((p.name, p.stat().st_mtime) for p in self.directory.glob("*.yml")))

    def get(self) -> Catalogue:
        stamp = self._current_stamp()
        if stamp != self._stamp:
            with self._lock:
                try:
                    self._catalogue = Catalogue.load(self.directory)
                    logger.info("Content catalogue reloaded")
                except (ContentError, OSError, ValueError) as error:
                    logger.error("Content catalogue not reloaded, keeping the last good one: %s", error)
                self._stamp = stamp
        return self._catalogue
