"""Rasa's REST channel, failing loudly and only for trusted callers.

- When a message cannot be handled (for example the conversation database is down) the caller gets a 500
  and can send it again, instead of Rasa's 200 with no answer; the message's text is not written to the log
  (stock Rasa logs it with the error).
- The caller picks the conversation id, so the channel is for trusted callers only. From this machine
  (loopback: `make run`, the CLI, the tests) it works without a key. From anywhere else it needs an
  integration key (header X-Wegwijs-Integration-Key; WEGWIJS_REST_INTEGRATION_KEYS=name:key,...), and the
  conversation id becomes "rest-<name>-<id>", so one integration cannot continue another's conversations
  (nor one started on this machine).
  The production set-up does not route the channel to the public port at all (deploy/).
- No conversation id of another channel, nor a pseudo-sender of retention or erasure, is accepted.
"""
from __future__ import annotations

import ipaddress
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Sequence, Text, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.common import REST_SENDER_PREFIX, TOO_MANY, as_typed, reserved_sender
from bot.config import Settings
from bot.limits import ChannelLimits
from bot.security import matching_name

logger = logging.getLogger(__name__)

INTEGRATION_KEY_HEADER = "X-Wegwijs-Integration-Key"
NEEDS_KEY = {"error": f"this channel needs an integration key ({INTEGRATION_KEY_HEADER}) from outside this machine"}
WRONG_KEY = {"error": "unknown integration key"}


def is_loopback(address: Optional[str]) -> bool:
    try:
        return bool(address) and ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False


def from_this_machine(request: Request) -> bool:
    """Both the connection and the client it speaks for (behind nginx: X-Real-IP, SANIC_REAL_IP_HEADER) are
    loopback addresses. A client elsewhere, even through a proxy on this machine, is not."""
    return is_loopback(request.ip) and is_loopback(request.remote_addr or request.ip)


class LoudRestInput(RestInput):
    """Same address and JSON as Rasa's REST channel (`/webhooks/rest/webhook`), with rate limits."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "LoudRestInput":
        settings = Settings.from_env()
        return cls(settings.channel_limits(), settings.rest_integration_keys)

    def __init__(self, limits: ChannelLimits, integration_keys: Sequence[Tuple[str, str]] = ()) -> None:
        self.limits = limits
        self.integration_keys = tuple(integration_keys)

    def conversation_id(self, request: Request, sender_id: str) -> Tuple[Optional[str], Optional[HTTPResponse]]:
        """(the conversation id for this caller's `sender_id`, None) or (None, the refusal)."""
        key = request.headers.get(INTEGRATION_KEY_HEADER)
        if key is not None:
            integration = matching_name(key, self.integration_keys)
            if integration is None:
                return None, response.json(WRONG_KEY, status=401)
            conversation = f"{REST_SENDER_PREFIX}{integration}-{sender_id}"
            return (None, _reserved()) if reserved_sender(sender_id) else (conversation, None)
        if not from_this_machine(request):
            return None, response.json(NEEDS_KEY, status=401)
        if reserved_sender(sender_id, REST_SENDER_PREFIX):  # a trusted caller on this machine: any REST id
            return None, _reserved()
        return sender_id, None

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
            conversation, refusal = self.conversation_id(request, sender_id)
            if refusal is not None:
                return refusal
            metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else None
            if not self.limits.allow(conversation, request.remote_addr or request.ip):
                return response.json(TOO_MANY, status=429)
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(as_typed(text), collector, conversation, input_channel=self.name(),
                                                 metadata=metadata))
            except Exception as error:  # noqa: BLE001 - reported to the caller, never swallowed
                logger.error("A REST message could not be handled (%s); the caller is told to retry",
                             type(error).__name__)
                return response.json({"error": "the message could not be handled; send it again later"},
                                     status=500)
            for message in collector.messages:  # the caller's own id, not the prefixed one
                message["recipient_id"] = sender_id
            return response.json(collector.messages)

        return rest


def _reserved() -> HTTPResponse:
    return response.json({"error": "this sender id belongs to another channel or is reserved"}, status=400)
