"""The steps every chat app's webhook takes, written once (Telegram and WhatsApp fill in the rest).

A chat app (Telegram, WhatsApp) POSTs its updates to /webhooks/<channel>/webhook and delivers again what
was not accepted. So every call goes, in this order:

1. refused (503) while the channel is not configured;
2. authenticated: refused (403) when it does not come from the app;
3. parsed into updates (400 when it is not shaped like the app's updates);
4. for each update: dropped when its id was seen lately (a redelivery of an answered update, whichever Rasa
   server answered it: bot/channels/redelivery.py);
5. rate-limited per sender: the id is forgotten, so that the app's redelivery is handled, and the call is
   answered 429 ("slow down") once the others are delivered;
6. delivered to Rasa; when that fails (e.g. the conversation database is down) the id is forgotten too
   and the error reaches the app, which delivers the update again.

A channel fills in how to authenticate a call, how to parse it into updates and an update into a Rasa
message, and how to send (its output channel). GET /webhooks/<channel>/ says whether it is enabled.
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, ClassVar, Dict, Hashable, List, Optional, Tuple

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from bot.channels.common import TOO_MANY, RecentIds, reserved_sender
from bot.limits import ChannelLimits

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
# One update of a webhook call: (the id the app delivers it again under, the update as the channel parsed it).
Incoming = Tuple[Hashable, Any]


class NotAnUpdate(ValueError):
    """An authentic call that is not shaped like the app's updates; the reason is the 400's answer."""


class WebhookInput(InputChannel):
    """A chat app's webhook. Subclasses set the class attributes and fill in the methods that raise
    NotImplementedError; `add_routes` adds routes of their own (e.g. WhatsApp's verification)."""

    TITLE: ClassVar[str]  # the app's name in log lines and answers: "Telegram"
    ENABLE_HINT: ClassVar[str]  # the settings that turn the channel on, for the "disabled" log line
    REFUSED: ClassVar[str]  # the answer to a call that is not authentic
    SENDER_PREFIX: ClassVar[str]  # conversation ids are SENDER_PREFIX + the app's id (bot/channels/common.py)
    NOTHING_NEW: ClassVar[Dict[str, str]] = {"status": "ok"}  # the answer when no update was new

    def __init__(self, enabled: bool, limits: ChannelLimits, recent: Optional[RecentIds] = None) -> None:
        self.enabled = enabled
        if not enabled:
            self.logger.warning("%s channel disabled: %s", self.TITLE, self.ENABLE_HINT)
        # The ids handled lately: shared by every Rasa server when built from the settings (redelivery.py).
        self.recent = recent or RecentIds()
        self.limits = limits

    @property
    def logger(self) -> logging.Logger:
        """The channel's own module's logger, so log lines name the channel."""
        return logging.getLogger(type(self).__module__)

    # --- what each channel fills in -------------------------------------------------------------------

    def authentic(self, request: Request) -> bool:
        """Whether the call comes from the app (a secret header, a signature)."""
        raise NotImplementedError

    async def updates(self, request: Request) -> List[Incoming]:
        """The call's updates, none when it carries nothing to answer; raises NotAnUpdate."""
        raise NotImplementedError

    async def user_message(self, update: Any) -> Optional[UserMessage]:
        """One new update as a Rasa message (None: nothing to answer); raises NotAnUpdate."""
        raise NotImplementedError

    def output_channel(self, report_errors: bool) -> OutputChannel:
        """How to send. `report_errors`: for staff replies, where a refused message must raise."""
        raise NotImplementedError

    def add_routes(self, blueprint: Blueprint) -> None:
        """Routes besides the health check and the webhook; none unless a channel adds them."""

    # --- the same for every channel ---------------------------------------------------------------------

    def sender_id(self, app_id: Any) -> str:
        return f"{self.SENDER_PREFIX}{app_id}"

    def get_output_channel(self) -> Optional[OutputChannel]:
        """For messages Rasa sends outside a webhook call (staff replies relayed by the console)."""
        return self.output_channel(report_errors=True) if self.enabled else None

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint(f"{self.name()}_webhook", type(self).__module__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> response.HTTPResponse:
            return response.json({"status": "ok" if self.enabled else "disabled"})

        self.add_routes(webhook)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            return await self.receive(request, on_new_message)

        return webhook

    async def receive(self, request: Request, on_new_message: OnNewMessage) -> response.HTTPResponse:
        """Steps 1 to 3 of the module's docstring; then `handle` takes the updates."""
        if not self.enabled:
            return response.json({"error": f"the {self.TITLE} channel is not configured"}, status=503)
        if not self.authentic(request):
            return response.json({"error": self.REFUSED}, status=403)
        try:
            updates = await self.updates(request)
            return await self.handle(updates, on_new_message)
        except NotAnUpdate as error:
            return response.json({"error": str(error)}, status=400)

    async def handle(self, updates: List[Incoming], on_new_message: OnNewMessage) -> response.HTTPResponse:
        """Steps 4 to 6: each new update delivered, unless its sender must slow down."""
        new, slow_down = 0, False
        for key, update in updates:
            if self.recent.seen_before(key):
                continue
            new += 1
            message = await self.user_message(update)  # NotAnUpdate: the id stays seen (a redelivery is no better)
            if message is None:
                continue
            if reserved_sender(message.sender_id, self.SENDER_PREFIX):  # never: the channel builds the ids
                self.logger.warning("%s update with a reserved conversation id dropped", self.TITLE)
                continue
            if not self.limits.senders.allow(message.sender_id):
                self.recent.forget(key)  # "slow down": the app delivers it again later, and then it is answered
                slow_down = True
                continue
            try:
                await on_new_message(message)
            except Exception:
                # Not answered: the error makes the app deliver the update again, which must then be handled.
                self.recent.forget(key)
                raise
        if slow_down:
            return response.json(TOO_MANY, status=429)
        return response.json({"status": "ok"} if new else self.NOTHING_NEW)
