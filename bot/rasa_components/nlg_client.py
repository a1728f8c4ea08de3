"""Rasa's callback NLG client, sending the NLG endpoint only what the catalogue needs.

Stock Rasa posts the whole tracker, every event of the conversation, for every response (and formats it
as JSON once more for a debug line even when debug logging is off). The catalogue needs the slots and the
arguments; sending just those keeps each response cheap however long the conversation gets. Of the events it
sends only this session's bot events that carry a translation notice (bot/content/nlg.py says it once).
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.core.nlg.callback import CallbackNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

NOTICE_MARK = "translation_notice"  # bot/content/nlg.py NOTICE_MARK: a reply's metadata naming the language noticed
_REMEMBERED = 1000


def _noticed_events(tracker: DialogueStateTracker) -> List[Dict[Text, Any]]:
    """This session's bot events that carried a translation notice, reduced to that mark."""
    marked = []
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted):
            break
        if isinstance(event, BotUttered) and (event.metadata or {}).get(NOTICE_MARK):
            marked.append({"event": "bot", "metadata": {NOTICE_MARK: event.metadata[NOTICE_MARK]}})
    return marked


class CatalogueNLGClient(CallbackNaturalLanguageGenerator):
    """Posts `{"response", "arguments", "tracker": {"sender_id", "slots", "events"}, "channel"}` to the endpoint
    (`events`: only the translation notices of this session)."""

    def __init__(self, endpoint_config: EndpointConfig, domain: Optional[Domain] = None) -> None:
        super().__init__(endpoint_config)
        # Rasa asks for all messages of one action with the same tracker, before any of them is an event: the
        # notices given so, per (conversation, number of events), so the second message gets none.
        self._given: "OrderedDict[Tuple[Text, int], List[Dict[Text, Any]]]" = OrderedDict()

    async def generate(
        self, utter_action: Text, tracker: DialogueStateTracker, output_channel: Text, **kwargs: Any
    ) -> Dict[Text, Any]:
        kwargs.pop("domain_responses", None)
        key = (tracker.sender_id, len(tracker.events))
        body = {
            "response": utter_action,
            "arguments": kwargs,
            "tracker": {"sender_id": tracker.sender_id, "slots": tracker.current_slot_values(),
                        "events": _noticed_events(tracker) + self._given.get(key, [])},
            "channel": {"name": output_channel},
        }
        response = await self.nlg_endpoint.request(method="post", json=body, timeout=DEFAULT_REQUEST_TIMEOUT)
        if isinstance(response, dict) and self.validate_response(response):
            if response.get(NOTICE_MARK):
                mark = {"event": "bot", "metadata": {NOTICE_MARK: response[NOTICE_MARK]}}
                self._given.setdefault(key, []).append(mark)
                while len(self._given) > _REMEMBERED:
                    self._given.popitem(last=False)
            return response
        raise RasaException(f"The NLG endpoint returned an invalid response for {utter_action}.")
