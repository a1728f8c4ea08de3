"""The NLG endpoint's logic: which language to answer in, and the response from the catalogue.

Rasa POSTs `{"response": name, "arguments": {...}, "tracker": {...}, "channel": {...}}` (see Rasa's
`nlg_request_format`); the answer is the rendered catalogue entry. Kept free of Sanic so it is easy to test.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

from bot.content.catalogue import Catalogue, ContentError
from bot.language.reply_language import reply_language

logger = logging.getLogger(__name__)


def nlg_response(body: Mapping[str, Any], catalogue: Catalogue, default_language: str) -> Dict[str, Any]:
    """Answer one NLG request from Rasa."""
    name = body.get("response") or body.get("template") or ""
    tracker = body.get("tracker")
    slots = tracker.get("slots") if isinstance(tracker, dict) else None
    arguments = body.get("arguments")
    language = reply_language(slots if isinstance(slots, dict) else {}, default_language)
    return catalogue.render(str(name), language, arguments if isinstance(arguments, dict) else {}).to_rasa()


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
