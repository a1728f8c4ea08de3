"""Rasa's REST channel, failing loudly: when a message cannot be handled (for example the conversation
database is down) the caller gets a 500 and can send it again, instead of Rasa's 200 with no answer; and
the message's text is not written to the log (stock Rasa logs it with the error)."""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

from bot.channels.common import CHANNEL_PREFIXES, TOO_MANY, as_typed
from bot.config import Settings
from bot.limits import ChannelLimits

logger = logging.getLogger(__name__)


class LoudRestInput(RestInput):
    """Same address and JSON as Rasa's REST channel (`/webhooks/rest/webhook`), with rate limits."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "LoudRestInput":
        return cls(Settings.from_env().channel_limits())

    def __init__(self, limits: ChannelLimits) -> None:
        self.limits = limits

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        rest = Blueprint("custom_rest_webhook", __name__)

        @rest.get("/")
        async def health(request: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @rest.post("/webhook")
        async def receive(request: Request) -> response.HTTPResponse:
            body = request.json
            sender_id, text = (body.get("sender"), body.get("message")) if isinstance(body, dict) else (None, None)
            if not isinstance(sender_id, str) or not isinstance(text, str):
                return response.json({"error": "send JSON with a text 'sender' and a text 'message'"}, status=400)
            if sender_id.startswith(CHANNEL_PREFIXES):
                return response.json({"error": "this sender id belongs to another channel"}, status=400)
            metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else None
            if not self.limits.allow(sender_id, request.remote_addr or request.ip):
                return response.json(TOO_MANY, status=429)
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(as_typed(text), collector, sender_id, input_channel=self.name(),
                                                 metadata=metadata))
            except Exception as error:  # noqa: BLE001 - reported to the caller, never swallowed
                logger.error("A REST message could not be handled (%s); the caller is told to retry",
                             type(error).__name__)
                return response.json({"error": "the message could not be handled; send it again later"},
                                     status=500)
            return response.json(collector.messages)

        return rest
