"""The replies a conversation should get, computed with the NLG's own logic (bot/content/nlg.py): the catalogue's
entry, plus `notice_unreviewed_translation` on the first unreviewed translation of a conversation (per language),
so tests follow the catalogue instead of spelling texts out."""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

from bot.config import Settings
from bot.content.catalogue import Catalogue
from bot.content.nlg import NOTICE_MARK, nlg_response


class Expected:
    """One conversation's expected replies, in the order the assistant gives them: it remembers, as Rasa does in
    the bot events' metadata, which languages' notice was given already. One per conversation (Rasa session)."""

    def __init__(self, catalogue: Catalogue, default_language: Optional[str] = None) -> None:
        self.catalogue = catalogue
        self.default_language = default_language or Settings().default_language
        self.events: List[Dict[str, Any]] = []

    def reply(self, name: str, language: str, arguments: Optional[Mapping[str, Any]] = None,
              slots: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        """The NLG's reply to `name` in `language` at this point of the conversation (`slots`: e.g. a form's
        `requested_slot`, whose questions never get the notice)."""
        body = {"response": name, "arguments": dict(arguments or {}),
                "tracker": {"slots": {"language": language, **(slots or {})}, "events": list(self.events)}}
        reply = nlg_response(body, self.catalogue, self.default_language)
        if reply.get(NOTICE_MARK):
            self.events.append({"event": "bot", "metadata": {NOTICE_MARK: reply[NOTICE_MARK]}})
        return reply

    def text(self, name: str, language: str, arguments: Optional[Mapping[str, Any]] = None,
             slots: Optional[Mapping[str, Any]] = None) -> str:
        return self.reply(name, language, arguments, slots)["text"]
