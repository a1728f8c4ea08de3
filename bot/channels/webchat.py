"""Web chat channel for Rasa: the website widget's (and any HTTP client's) way in.

Like Rasa's REST channel, a POST returns the bot's answers at once. Unlike it, a conversation can be read
back (`GET /history`): the widget shows the history after a page reload and picks up staff replies that
the console relays while nobody is typing. A conversation is identified by a session token the channel
issues and signs (`POST /session`), so nobody can read another person's conversation by guessing an id.
The token carries its expiry (WEGWIJS_WEBCHAT_SESSION_HOURS, signed with it): on a shared computer an old
conversation cannot be picked up again once it has expired. New sessions are limited per address
(WEGWIJS_WEBCHAT_SESSIONS_PER_IP_HOUR), so one address cannot open conversations, or fill the handoff queue
with them, without end.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from bot.channels.common import TOO_MANY, WEBCHAT_SENDER_PREFIX, as_typed, reserved_sender
from bot.config import Settings
from bot.language.detection import SUPPORTED_LANGUAGES, text_direction
from bot.limits import ChannelLimits, RateLimiter
from bot.security import same_secret, unusable_secret

logger = logging.getLogger(__name__)

MAX_MESSAGE_LENGTH = 5000  # characters; longer texts are cut, never dropped (and no one types more)
HISTORY_LIMIT = 200


class WebChatOutput(CollectingOutputChannel):
    """Collects the answers to one message whole (Rasa's collector splits at blank lines), with their
    language and direction, for the widget to lay out."""

    @classmethod
    def name(cls) -> Text:
        return "webchat"

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        kwargs.pop("buttons", None)  # Rasa passes an empty list along with the text
        await self.send_text_with_buttons(recipient_id, text, [], **kwargs)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        language = kwargs.get("language")
        self.messages.append({
            "from": "staff" if kwargs.get("staff_author") else "bot",
            "author": kwargs.get("staff_author"),
            "text": text,
            "buttons": buttons or [],
            "language": language,
            "direction": kwargs.get("direction") or (text_direction(language) if language else None),
            "timestamp": kwargs.get("timestamp"),
        })


class WebChatInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WebChatInput":
        settings = Settings.from_env()
        return cls(settings.secret_key, settings.channel_limits(), settings.webchat_session_hours * 3600,
                   settings.webchat_sessions_per_ip_hour)

    def __init__(self, secret_key: str, limits: ChannelLimits, session_seconds: int = 12 * 3600,
                 sessions_per_ip_hour: int = 60, clock: Callable[[], float] = time.time) -> None:
        problem = unusable_secret(secret_key, "WEGWIJS_SECRET_KEY")
        if problem:  # a known or short key would let anyone sign a session (bot/config.py refuses it too)
            raise ValueError(problem)
        self.secret_key = secret_key.encode("utf-8")
        self.limits = limits
        self.session_seconds = session_seconds
        self.new_sessions = RateLimiter(sessions_per_ip_hour, window=3600.0)
        self.clock = clock

    # --- sessions ----------------------------------------------------------------------------------

    def _signature(self, session_id: str, expires: str) -> str:
        signed = f"webchat:{session_id}:{expires}".encode()
        return hmac.new(self.secret_key, signed, hashlib.sha256).hexdigest()[:32]

    def new_session(self) -> str:
        """A token "<session id>.<expiry, Unix seconds>.<signature>"."""
        session_id = secrets.token_urlsafe(18)
        expires = str(int(self.clock()) + self.session_seconds)
        return f"{session_id}.{expires}.{self._signature(session_id, expires)}"

    def sender_for(self, token: Any) -> Optional[str]:
        """The conversation id for an unexpired session token the channel issued, else None."""
        if not isinstance(token, str) or token.count(".") != 2:
            return None
        session_id, expires, signature = token.split(".")
        if not session_id or not expires.isascii() or not expires.isdigit() or len(expires) > 12:
            return None
        if not same_secret(signature, self._signature(session_id, expires)) or int(expires) <= self.clock():
            return None
        sender = WEBCHAT_SENDER_PREFIX + session_id
        return None if reserved_sender(sender, WEBCHAT_SENDER_PREFIX) else sender

    # --- HTTP --------------------------------------------------------------------------------------

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webchat = Blueprint("webchat_webhook", __name__)

        @webchat.get("/")
        async def health(request: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @webchat.post("/session")
        async def session(request: Request) -> response.HTTPResponse:
            address = request.remote_addr or request.ip
            if not self.limits.addresses.allow(address) or not self.new_sessions.allow(address):
                return response.json(TOO_MANY, status=429)
            return response.json({"session": self.new_session(), "expires_in": self.session_seconds})

        @webchat.post("/webhook")
        async def receive(request: Request) -> response.HTTPResponse:
            body = request.json if isinstance(request.json, dict) else {}
            sender = self.sender_for(body.get("session"))
            if sender is None:
                return response.json({"error": "unknown or expired session: ask for a new one at /session"},
                                     status=403)
            text = body.get("message")
            if not isinstance(text, str):
                return response.json({"error": "message must be text"}, status=400)
            if not self.limits.allow(sender, request.remote_addr or request.ip):
                return response.json(TOO_MANY, status=429)  # the widget keeps the text and says so
            metadata: Dict[str, Any] = {}
            if body.get("language") in SUPPORTED_LANGUAGES:  # the user's choice in the widget's menu
                metadata["language"] = body["language"]
            collector = WebChatOutput()
            await on_new_message(
                UserMessage(as_typed(text[:MAX_MESSAGE_LENGTH]), collector, sender, input_channel=self.name(),
                            metadata=metadata)
            )
            return response.json({"messages": collector.messages})

        @webchat.get("/history")
        async def history(request: Request) -> response.HTTPResponse:
            sender = self.sender_for(request.args.get("session"))
            if sender is None:
                return response.json({"error": "unknown or expired session"}, status=403)
            try:
                after = float(request.args.get("after") or 0)
            except ValueError:
                after = 0.0
            tracker = await request.app.ctx.agent.tracker_store.retrieve(sender)
            messages = [m for m in history_messages(tracker.events if tracker else []) if m["timestamp"] > after]
            return response.json({
                "messages": messages[-HISTORY_LIMIT:],
                "with_person": bool(tracker is not None and tracker.is_paused()),
            })

        return webchat


def history_messages(events: Iterable[Any]) -> List[Dict[str, Any]]:
    """The conversation as the widget shows it. A pressed button shows as its title, not as "/intent"."""
    messages: List[Dict[str, Any]] = []
    button_titles: Dict[str, str] = {}
    for event in events:
        kind = getattr(event, "type_name", "")
        if kind == "user":
            text = event.text or ""
            if text.startswith("/"):
                if text not in button_titles:
                    continue  # a payload no button offered (e.g. the widget's own greeting)
                text = button_titles[text]
            language = ((event.parse_data or {}).get("language") or {}).get("code")
            messages.append({"from": "user", "text": text, "language": language, "buttons": [],
                             "direction": text_direction(language) if language else None,
                             "timestamp": event.timestamp})
        elif kind == "bot":
            metadata = event.metadata or {}
            buttons = (event.data or {}).get("buttons") or []
            button_titles.update({b.get("payload", ""): b.get("title", "") for b in buttons})
            messages.append({"from": "staff" if metadata.get("staff_author") else "bot",
                             "author": metadata.get("staff_author"), "text": event.text or "", "buttons": buttons,
                             "language": metadata.get("language"), "direction": metadata.get("direction"),
                             "timestamp": event.timestamp})
    return messages
