"""Pieces every chat-app channel needs."""
from __future__ import annotations

from collections import OrderedDict
from typing import Hashable, List

# What a channel sends Rasa for a photo, voice message, sticker, location or edit: an intent of its own,
# answered politely in the user's language (never typed, so it has no training examples).
UNSUPPORTED_PAYLOAD = "/unsupported_message"


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

    def seen_before(self, key: Hashable) -> bool:
        if key in self._seen:
            return True
        self._seen[key] = None
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return False
