"""Pieces every chat-app channel needs."""
from __future__ import annotations

import re
import time
from collections import OrderedDict, deque
from typing import Callable, Deque, Dict, Hashable, List

# What a channel sends Rasa for a photo, voice message, sticker, location or edit: an intent of its own,
# answered politely in the user's language (never typed, so it has no training examples).
UNSUPPORTED_PAYLOAD = "/unsupported_message"
# Rasa's internal commands and the reminders' intents: typed by a user, they are just words.
_RESERVED_PAYLOAD_RE = re.compile(r"^\s*/(?:restart|back|session_start|EXTERNAL_\w*)(?![\w-])", re.IGNORECASE)
# Conversation ids carry their channel, so no channel can speak for another channel's user.
CHANNEL_PREFIXES = ("tg-", "wa-", "web-")


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

    Kept per process: with several Rasa servers behind a load balancer, sticky routing per sender or a
    shared store is needed for the same guarantee.
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


class RateLimiter:
    """At most `limit` events per key within `window` seconds (a sliding window), e.g. messages per sender.

    Kept per process; behind a load balancer nginx adds its per-IP limits (deploy/).
    """

    def __init__(self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 100_000) -> None:
        self.limit, self.window, self.clock, self.max_keys = limit, window, clock, max_keys
        self._events: "OrderedDict[Hashable, Deque[float]]" = OrderedDict()

    def allow(self, key: Hashable) -> bool:
        now = self.clock()
        events = self._events.pop(key, None) or deque()
        while events and events[0] <= now - self.window:
            events.popleft()
        allowed = len(events) < self.limit
        if allowed:
            events.append(now)
        self._events[key] = events  # most recently used last
        if len(self._events) > self.max_keys:
            self._events.popitem(last=False)
        return allowed


class ChannelLimits:
    """Per-sender and per-IP limits of one channel, from the settings."""

    def __init__(self, per_sender: int, per_ip: int) -> None:
        self.senders = RateLimiter(per_sender)
        self.addresses = RateLimiter(per_ip)

    def allow(self, sender: Hashable, address: str = "") -> bool:
        """Both must allow; an empty address (unknown) counts only the sender."""
        return (not address or self.addresses.allow(address)) and self.senders.allow(sender)


TOO_MANY: Dict[str, str] = {"error": "too many messages: wait a minute and send again"}
