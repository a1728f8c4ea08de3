"""Pieces every chat-app channel needs."""
from __future__ import annotations

import re
from collections import OrderedDict
from typing import Dict, Hashable, List

# What a channel sends Rasa for a photo, voice message, sticker, location or edit: an intent of its own,
# answered politely in the user's language (never typed, so it has no training examples).
UNSUPPORTED_PAYLOAD = "/unsupported_message"
# Rasa's internal commands and the reminders' intents: typed by a user, they are just words.
_RESERVED_PAYLOAD_RE = re.compile(r"^\s*/(?:restart|back|session_start|EXTERNAL_\w*)(?![\w-])", re.IGNORECASE)
# Conversation ids (Rasa's sender ids) carry their channel, so no channel can speak for another channel's
# user. Declared here only: the channels build and strip their ids with these, and refuse the others'.
TELEGRAM_SENDER_PREFIX = "tg-"  # "tg-<chat id>"
WHATSAPP_SENDER_PREFIX = "wa-"  # "wa-<phone number>"
WEBCHAT_SENDER_PREFIX = "web-"  # "web-<session id>"
REST_SENDER_PREFIX = "rest-"  # "rest-<integration>-<its id>": a REST caller with an integration key
CHANNEL_PREFIXES = (TELEGRAM_SENDER_PREFIX, WHATSAPP_SENDER_PREFIX, WEBCHAT_SENDER_PREFIX, REST_SENDER_PREFIX)
# Ids no message may come from: what retention and erasure write instead of a sender (older versions wrote
# "anonymised" into complaints; the audit log keeps "erased:<hash>"). A message as one of them could read or
# erase what belongs to nobody.
RESERVED_SENDER_IDS = frozenset({"anonymised", "anonymized", "anonymous"})
ERASED_SENDER_PREFIX = "erased:"


def reserved_sender(sender_id: str, own_prefix: str = "") -> bool:
    """True when no message may come from `sender_id`: empty, a pseudo-sender of retention or erasure, or
    an id of another channel than the one whose prefix is `own_prefix`."""
    folded = sender_id.strip().casefold()
    if not folded or folded in RESERVED_SENDER_IDS or folded.startswith(ERASED_SENDER_PREFIX):
        return True
    return any(folded.startswith(prefix) for prefix in CHANNEL_PREFIXES if prefix != own_prefix)


def as_typed(text: str) -> str:
    """The user's text, with an internal command ("/restart", "/EXTERNAL_...") turned into plain words."""
    return text.lstrip()[1:] if _RESERVED_PAYLOAD_RE.match(text) else text


def split_message(text: str, limit: int) -> List[str]:
    """Parts of at most `limit` characters, split at paragraph, then line, then word boundaries."""
    parts: List[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = next((c for c in (rest.rfind(sep, 0, limit) for sep in ("\n\n", "\n", " ")) if c > 0), limit)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


class RecentIds:
    """Ids seen lately (Telegram update ids, WhatsApp message ids), so a redelivery is answered once.

    In this process only: bot/channels/redelivery.py shares them between Rasa servers.
    """

    def __init__(self, size: int = 10000) -> None:
        self.size = size
        self._seen: "OrderedDict[Hashable, None]" = OrderedDict()

    def forget(self, key: Hashable) -> None:
        """The message failed: its redelivery must be handled, not ignored."""
        self._seen.pop(key, None)

    def seen_before(self, key: Hashable) -> bool:
        if key in self._seen:
            return True
        self._seen[key] = None
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return False


TOO_MANY: Dict[str, str] = {"error": "too many messages: wait a minute and send again"}
