"""WhatsApp channel for Rasa, on the WhatsApp Business Cloud API.

GET /webhooks/whatsapp/webhook answers Meta's verification handshake; POST receives messages, each checked
against its `X-Hub-Signature-256` (HMAC-SHA256 of the raw body with the app secret; refused when wrong or
missing). Replies go out through the Graph API with the phone-number id and token from the settings.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any, Dict, List, Optional, Text, Tuple

import aiohttp
from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from bot.channels.common import UNSUPPORTED_PAYLOAD, WHATSAPP_SENDER_PREFIX, RecentIds, as_typed, split_message
from bot.channels.redelivery import redelivery_memory
from bot.channels.webhook import Incoming, NotAnUpdate, WebhookInput
from bot.config import Settings
from bot.limits import ChannelLimits
from bot.security import same_secret

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_TEXT = 4096
MAX_INTERACTIVE_BODY = 1024
MAX_REPLY_BUTTONS, MAX_BUTTON_TITLE = 3, 20
MAX_LIST_ROWS, MAX_ROW_TITLE, MAX_ROW_DESCRIPTION = 10, 24, 72
WINDOW_CLOSED_ERROR = 131047  # Graph API: free text outside the 24-hour customer-service window


def signature_is_valid(secret: str, body: bytes, header: Optional[str]) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return same_secret(header, expected)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def interactive_messages(text: str, buttons: List[Dict[str, Any]], menu_label: str) -> List[Dict[str, Any]]:
    """Graph API message bodies: reply buttons (up to 3 short titles) or lists of up to 10 rows.

    More than 10 buttons become several lists; the text goes with the first one.
    """
    if len(buttons) <= MAX_REPLY_BUTTONS and all(len(b["title"]) <= MAX_BUTTON_TITLE for b in buttons):
        return [{
            "type": "button",
            "body": {"text": _cut(text, MAX_INTERACTIVE_BODY)},
            "action": {"buttons": [{"type": "reply", "reply": {"id": b["payload"], "title": b["title"]}}
                                   for b in buttons]},
        }]
    messages = []
    for start in range(0, len(buttons), MAX_LIST_ROWS):
        rows = [
            {"id": b["payload"], "title": _cut(b["title"], MAX_ROW_TITLE),
             **({"description": _cut(b["title"], MAX_ROW_DESCRIPTION)} if len(b["title"]) > MAX_ROW_TITLE else {})}
            for b in buttons[start : start + MAX_LIST_ROWS]
        ]
        messages.append({
            "type": "list",
            "body": {"text": _cut(text if start == 0 else menu_label, MAX_INTERACTIVE_BODY)},
            "action": {"button": _cut(menu_label, MAX_BUTTON_TITLE), "sections": [{"rows": rows}]},
        })
    return messages


def _items(container: Any, key: str) -> List[dict]:
    """The objects in container[key], when container is an object and that is a list; else none."""
    values = container.get(key) if isinstance(container, dict) else None
    return [value for value in values if isinstance(value, dict)] if isinstance(values, list) else []


def _field(container: Any, key: str) -> Any:
    return container.get(key) if isinstance(container, dict) else None


def _message_text(message: dict) -> str:
    """What the user sent as text: typed text, a pressed button's payload, or "this I cannot read"."""
    kind = message.get("type")
    if kind == "text":
        text = _field(message.get("text"), "body")
    elif kind == "interactive":
        interactive = message.get("interactive")
        text = _field(_field(interactive, "button_reply") or _field(interactive, "list_reply"), "id")
    elif kind == "button":  # a quick-reply button of a template message
        text = _field(message.get("button"), "payload")
    else:  # image, audio, sticker, location, ...
        text = UNSUPPORTED_PAYLOAD
    return as_typed(text) if isinstance(text, str) else UNSUPPORTED_PAYLOAD


class WhatsAppRefused(RuntimeError):
    """The Graph API did not accept a message; the reason reaches the console through Rasa's API."""


class WhatsAppOutput(OutputChannel):
    @classmethod
    def name(cls) -> Text:
        return "whatsapp"

    def __init__(self, api_url: str, phone_number_id: str, token: str) -> None:
        self.url = f"{api_url.rstrip('/')}/{phone_number_id}/messages"
        self.token = token

    async def _post(self, recipient_id: Text, message: Dict[str, Any]) -> None:
        body = {"messaging_product": "whatsapp", "recipient_type": "individual",
                "to": recipient_id.removeprefix(WHATSAPP_SENDER_PREFIX), **message}
        headers = {"Authorization": f"Bearer {self.token}"}
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
            async with http.post(self.url, json=body, headers=headers) as answer:
                if answer.status >= 400:
                    detail = await answer.text()
                    logger.error("WhatsApp refused a message (%s): %s", answer.status, detail[:300])
                    if f'"code":{WINDOW_CLOSED_ERROR}' in detail.replace(" ", ""):
                        raise WhatsAppRefused("outside WhatsApp's 24-hour window: the newcomer must write first")
                    raise WhatsAppRefused(f"WhatsApp Graph API answered {answer.status}")

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for part in split_message(text, MAX_TEXT):
            await self._post(recipient_id, {"type": "text", "text": {"body": part}})

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        parts = split_message(text, MAX_INTERACTIVE_BODY) or [""]
        for part in parts[:-1]:
            await self._post(recipient_id, {"type": "text", "text": {"body": part}})
        # The NLG sends the "menu" label in the user's language with every response (bot/content/catalogue.py).
        menu_label = kwargs.get("menu_label") or "☰"
        for message in interactive_messages(parts[-1], buttons, menu_label):
            await self._post(recipient_id, {"type": "interactive", "interactive": message})


class WhatsAppInput(WebhookInput):
    """Receives WhatsApp messages. Disabled, with a clear log line, when its secrets are not set."""

    TITLE = "WhatsApp"
    ENABLE_HINT = "set WEGWIJS_WHATSAPP_TOKEN, _APP_SECRET, _VERIFY_TOKEN and _PHONE_NUMBER_ID to enable it"
    REFUSED = "bad signature"
    SENDER_PREFIX = WHATSAPP_SENDER_PREFIX  # conversation ids are "wa-<phone number>"

    @classmethod
    def name(cls) -> Text:
        return "whatsapp"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WhatsAppInput":
        s = Settings.from_env()
        return cls(s.whatsapp_token, s.whatsapp_app_secret, s.whatsapp_verify_token, s.whatsapp_phone_number_id,
                   s.whatsapp_api_url, s.channel_limits(), recent=redelivery_memory(s, "whatsapp"))

    def __init__(self, token: str, app_secret: str, verify_token: str, phone_number_id: str, api_url: str,
                 limits: ChannelLimits, recent: Optional[RecentIds] = None) -> None:
        super().__init__(all((token, app_secret, verify_token, phone_number_id)), limits, recent)
        self.token, self.app_secret, self.verify_token = token, app_secret, verify_token
        self.phone_number_id, self.api_url = phone_number_id, api_url

    def output_channel(self, report_errors: bool) -> OutputChannel:
        """WhatsApp's output raises whenever the Graph API refuses a message (after logging why)."""
        return WhatsAppOutput(self.api_url, self.phone_number_id, self.token)

    def add_routes(self, blueprint: Blueprint) -> None:
        @blueprint.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> response.HTTPResponse:
            """Meta's verification handshake: the challenge back when the verify token is right."""
            if (
                self.enabled
                and request.args.get("hub.mode") == "subscribe"
                and same_secret(request.args.get("hub.verify_token"), self.verify_token)
            ):
                return response.text(request.args.get("hub.challenge", ""))
            return response.text("verification failed", status=403)

    def authentic(self, request: Request) -> bool:
        return signature_is_valid(self.app_secret, request.body, request.headers.get(SIGNATURE_HEADER))

    async def updates(self, request: Request) -> List[Incoming]:
        """(message id, (sender id, text)) for each message; delivery and read statuses are ignored."""
        try:
            payload = json.loads(request.body)
        except (ValueError, RecursionError) as error:
            raise NotAnUpdate("not JSON") from error
        return [(message_id, (self.sender_id(sender), text)) for sender, message_id, text in messages_in(payload)]

    async def user_message(self, update: Tuple[str, str]) -> Optional[UserMessage]:
        sender, text = update
        return UserMessage(text, self.output_channel(report_errors=False), sender, input_channel=self.name())


def messages_in(payload: Any) -> List[Tuple[str, str, str]]:
    """(sender's phone number, message id, text) for each message; parts that are not shaped like the Cloud
    API's are skipped (the rest of the payload is still handled)."""
    found = []
    for entry in _items(payload, "entry"):
        for change in _items(entry, "changes"):
            for message in _items(change.get("value"), "messages"):
                sender, message_id = message.get("from"), message.get("id")
                if not sender or not message_id or not isinstance(sender, (str, int)) \
                        or not isinstance(message_id, (str, int)):
                    continue
                text = _message_text(message)
                found.append((str(sender), str(message_id), text or UNSUPPORTED_PAYLOAD))
    return found
