"""Telegram channel for Rasa, built on python-telegram-bot (PTB).

Webhook mode: Telegram POSTs updates to /webhooks/telegram/webhook with the secret token header set when
the webhook was registered; updates with a wrong or missing secret are refused. Long-polling mode
(`python -m bot telegram poll`) fetches updates itself and posts them to the same webhook, so both modes
share one code path. The Bot API address is a setting, so tests point the real PTB client at a local
server that plays the Bot API.

Only private chats are answered: in a group every member would share one conversation (a verified case,
a complaint). A group is told once (per Rasa process) that the assistant works in private chats.
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic.request import Request
from telegram import Bot, Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import RetryAfter, TelegramError

from bot.channels.common import TELEGRAM_SENDER_PREFIX, UNSUPPORTED_PAYLOAD, RecentIds, as_typed, split_message
from bot.channels.redelivery import redelivery_memory
from bot.channels.webhook import Incoming, NotAnUpdate, WebhookInput
from bot.config import Settings
from bot.content.catalogue import Catalogue
from bot.language.detection import SUPPORTED_LANGUAGES
from bot.limits import ChannelLimits
from bot.security import same_secret

logger = logging.getLogger(__name__)

MAX_MESSAGE_LENGTH = 4096  # Telegram's limit for one text message
MAX_CALLBACK_DATA = 64  # bytes, Telegram's limit for a button's data
MAX_SEND_TRIES = 3
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
NOT_AN_UPDATE = "not a Telegram update"
PARSE_ERRORS = (TypeError, ValueError, KeyError, AttributeError)  # what PTB raises for a malformed update

# What a group chat is told once (data/content/<lang>.yml).
PRIVATE_CHATS_ONLY = "notice_private_chats_only"
# Commands map to what a user could also have typed or pressed.
COMMANDS = {"/start": "/greet", "/help": "/help", "/language": "/change_language", "/stop": "/deny"}


def retry_seconds(error: RetryAfter) -> float:
    """How long Telegram asked to wait (PTB gives seconds or a timedelta, depending on its version)."""
    delay = error.retry_after
    return delay.total_seconds() if hasattr(delay, "total_seconds") else float(delay)


def inline_keyboard(buttons: Iterable[Dict[str, Any]]) -> Optional[InlineKeyboardMarkup]:
    """One button per row (titles in eight languages can be long); the payload travels as callback data."""
    rows = []
    for button in buttons:
        payload = str(button.get("payload", ""))
        if len(payload.encode()) > MAX_CALLBACK_DATA:
            logger.warning("Button payload longer than Telegram allows; button left out: %s", button.get("title"))
            continue
        rows.append([InlineKeyboardButton(str(button.get("title", "")), callback_data=payload)])
    return InlineKeyboardMarkup(rows) if rows else None


class TelegramOutput(OutputChannel):
    """Sends Rasa's replies through the Bot API, waiting and retrying when Telegram says "too many".

    A reply Telegram refuses (the user blocked the bot, the chat is gone) is logged when it answers a
    webhook, where an error would only make Telegram deliver the user's message again; staff replies
    (`report_errors`) raise, so the console shows that the reply did not arrive.
    """

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    def __init__(self, bot: Bot, report_errors: bool = False) -> None:
        self.bot = bot
        self.report_errors = report_errors

    async def _send(self, chat_id: Text, text: Text, reply_markup: Optional[InlineKeyboardMarkup] = None) -> None:
        await self.bot.initialize()  # once per bot (PTB returns at once after that); staff replies need it
        chat_id = chat_id.removeprefix(TELEGRAM_SENDER_PREFIX)
        for attempt in range(1, MAX_SEND_TRIES + 1):
            try:
                await self.bot.send_message(chat_id=chat_id, text=text, reply_markup=reply_markup)
                return
            except RetryAfter as error:
                if attempt == MAX_SEND_TRIES:
                    raise
                logger.info("Telegram asks to wait %.0f s before sending again", retry_seconds(error))
                await asyncio.sleep(retry_seconds(error))
            except TelegramError as error:
                if self.report_errors:
                    raise
                logger.warning("Telegram refused a reply (%s); the conversation is kept", type(error).__name__)
                return

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for part in split_message(text, MAX_MESSAGE_LENGTH):
            await self._send(recipient_id, part)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        parts = split_message(text, MAX_MESSAGE_LENGTH) or [""]
        for part in parts[:-1]:
            await self._send(recipient_id, part)
        await self._send(recipient_id, parts[-1], inline_keyboard(buttons))


class TelegramInput(WebhookInput):
    """Receives Telegram updates. Disabled, with a clear log line, when its token or secret is not set."""

    TITLE = "Telegram"
    ENABLE_HINT = "set WEGWIJS_TELEGRAM_TOKEN and WEGWIJS_TELEGRAM_SECRET to enable it"
    REFUSED = "wrong secret token"
    SENDER_PREFIX = TELEGRAM_SENDER_PREFIX  # conversation ids are "tg-<chat id>"
    NOTHING_NEW = {"status": "ignored"}

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TelegramInput":
        settings = Settings.from_env()
        return cls(settings.telegram_token, settings.telegram_secret, settings.telegram_api_url,
                   settings.channel_limits(), settings.content_dir, settings.default_language,
                   recent=redelivery_memory(settings, "telegram"))

    def __init__(self, token: Optional[str], secret: Optional[str], api_url: str, limits: ChannelLimits,
                 content_dir: Optional[Path] = None, default_language: str = "nl",
                 recent: Optional[RecentIds] = None) -> None:
        super().__init__(bool(token and secret), limits, recent)
        self.bot = Bot(token, base_url=api_url) if self.enabled else None
        self.secret = secret
        self._initialised = False
        self.content_dir = content_dir or Settings().content_dir
        self.default_language = default_language
        self.groups_told = RecentIds()
        self._catalogue: Optional[Catalogue] = None

    def output_channel(self, report_errors: bool) -> OutputChannel:
        return TelegramOutput(self.bot, report_errors=report_errors)

    async def _bot(self) -> Bot:
        if not self._initialised:
            await self.bot.initialize()
            self._initialised = True
        return self.bot

    def authentic(self, request: Request) -> bool:
        return same_secret(request.headers.get(SECRET_HEADER), self.secret)

    async def updates(self, request: Request) -> List[Incoming]:
        bot = await self._bot()
        body = request.json if request.body else None
        try:
            if not isinstance(body, dict):
                raise TypeError("not a JSON object")
            update = Update.de_json(body, bot)
        except PARSE_ERRORS as error:
            raise NotAnUpdate(NOT_AN_UPDATE) from error
        return [] if update is None else [(update.update_id, update)]

    async def user_message(self, update: Update) -> Optional[UserMessage]:
        try:
            return await self._user_message(update)
        except PARSE_ERRORS as error:
            raise NotAnUpdate(NOT_AN_UPDATE) from error

    async def _user_message(self, update: Update) -> Optional[UserMessage]:
        """The update as a Rasa message: text, a pressed button, a command, or "this I cannot read"."""
        if update.callback_query is not None:
            query = update.callback_query
            try:
                await query.answer()
            except TelegramError:
                logger.info("Could not acknowledge a button press (it is still handled)")
            chat = query.message.chat if query.message else None
            text, user = as_typed(str(query.data or "")), query.from_user
        else:
            message = update.effective_message
            if message is None or update.effective_chat is None:
                return None  # e.g. a member update: nothing to answer
            chat, user = update.effective_chat, update.effective_user
            if update.edited_message is not None or not message.text:
                text = UNSUPPORTED_PAYLOAD  # photo, voice, sticker, location, an edit...
            elif not isinstance(message.text, str):
                raise TypeError("the text is not text")
            else:
                text = COMMANDS.get(message.text.split("@")[0].strip(), as_typed(message.text))
        if chat is None or not isinstance(chat.id, int):
            return None
        if chat.type != Chat.PRIVATE:  # a group, supergroup or channel: no shared conversation
            await self._tell_group_once(chat.id, user.language_code if user is not None else None)
            return None
        metadata = {}
        if user is not None and user.language_code:
            metadata["language_hint"] = user.language_code.split("-")[0].lower()
        return UserMessage(text, self.output_channel(report_errors=False), self.sender_id(chat.id),
                           input_channel=self.name(), metadata=metadata)

    async def _tell_group_once(self, chat_id: int, language_code: Optional[str]) -> None:
        """Says, once per group and process, that the assistant answers in private chats only."""
        if self.groups_told.seen_before(chat_id):
            return
        language = (language_code or "").split("-")[0].lower()
        if language not in SUPPORTED_LANGUAGES:
            language = self.default_language
        if self._catalogue is None:
            self._catalogue = Catalogue.load(self.content_dir)
        text = self._catalogue.render(PRIVATE_CHATS_ONLY, language).text
        await self.output_channel(report_errors=False).send_text_message(str(chat_id), text)
