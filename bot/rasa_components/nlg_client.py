"""Rasa's callback NLG client, sending the NLG endpoint only what the catalogue needs.

Stock Rasa posts the whole tracker, every event of the conversation, for every response (and formats it
as JSON once more for a debug line even when debug logging is off). The catalogue needs the slots and the
arguments; sending just those keeps each response cheap however long the conversation gets.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.core.nlg.callback import CallbackNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig


class CatalogueNLGClient(CallbackNaturalLanguageGenerator):
    """Posts `{"response", "arguments", "tracker": {"sender_id", "slots"}, "channel"}` to the endpoint."""

    def __init__(self, endpoint_config: EndpointConfig, domain: Optional[Domain] = None) -> None:
        super().__init__(endpoint_config)

    async def generate(
        self, utter_action: Text, tracker: DialogueStateTracker, output_channel: Text, **kwargs: Any
    ) -> Dict[Text, Any]:
        kwargs.pop("domain_responses", None)
        body = {
            "response": utter_action,
            "arguments": kwargs,
            "tracker": {"sender_id": tracker.sender_id, "slots": tracker.current_slot_values()},
            "channel": {"name": output_channel},
        }
        response = await self.nlg_endpoint.request(method="post", json=body, timeout=DEFAULT_REQUEST_TIMEOUT)
        if isinstance(response, dict) and self.validate_response(response):
            return response
        raise RasaException(f"The NLG endpoint returned an invalid response for {utter_action}.")
