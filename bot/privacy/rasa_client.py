"""The client of the Rasa process's privacy routes (bot/rasa_components/privacy.py): erasing a conversation
and applying retention to conversations under each conversation's lock.

Synchronous (urllib): the web app calls it from a worker thread or, for one conversation without waiting
for its lock, from the console; the CLI calls it directly. Rasa's API token goes in the Authorization header.
"""
from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

from bot.config import Settings

WAIT_TIMEOUT_SECONDS = 120.0  # more than a turn may take (Rasa's lock lifetime is 60 s)
QUICK_TIMEOUT_SECONDS = 5.0  # without waiting for the conversation's lock
RETENTION_BATCH = 200


class RasaUnreachable(Exception):
    """The Rasa process did not do it (not running, refused, or an error): nothing was erased by this call."""


def timestamp(moment: dt.datetime) -> float:
    """A naive UTC datetime (the app database's) as Rasa's event timestamp."""
    return moment.replace(tzinfo=dt.timezone.utc).timestamp()


@dataclass(frozen=True)
class RasaPrivacy:
    url: str
    token: str

    @classmethod
    def from_settings(cls, settings: Settings) -> "RasaPrivacy":
        return cls(settings.rasa_url, settings.rasa_token)

    def _post(self, path: str, body: Dict[str, Any], timeout: float) -> Tuple[int, Dict[str, Any]]:
        if not self.token:
            raise RasaUnreachable("no Rasa API token (WEGWIJS_RASA_TOKEN)")
        request = urllib.request.Request(
            f"{self.url.rstrip('/')}/privacy/{path}", data=json.dumps(body).encode("utf-8"), method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - our own Rasa URL
                return answer.status, json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as error:
            if error.code == 409:
                return 409, {}
            raise RasaUnreachable(f"Rasa answered {error.code}") from None
        except (OSError, ValueError) as error:  # refused, timed out, not JSON
            raise RasaUnreachable(type(error).__name__) from None

    def erase(self, sender_id: str, until: Optional[dt.datetime] = None, wait: bool = True) -> Optional[int]:
        """Erases the conversation's messages (up to `until` and the turn running then; all without it).
        Returns how many, or None when `wait` is false and a turn of the conversation is running."""
        body = {"sender": sender_id, "until": timestamp(until) if until else None, "wait": wait}
        status, answer = self._post("erase", body, WAIT_TIMEOUT_SECONDS if wait else QUICK_TIMEOUT_SECONDS)
        if status == 409:
            return None
        if answer.get("remaining"):
            raise RasaUnreachable("Rasa left messages of the conversation")
        return int(answer.get("erased", 0))

    def retain(self, before: dt.datetime) -> Tuple[int, int]:
        """Deletes every message older than `before`, conversation by conversation (each under its lock).
        Returns (conversations looked at, messages deleted)."""
        conversations = deleted = 0
        after = ""
        while True:
            _status, answer = self._post("retention", {"before": timestamp(before), "after": after,
                                                       "limit": RETENTION_BATCH}, WAIT_TIMEOUT_SECONDS * 5)
            conversations += int(answer.get("conversations", 0))
            deleted += int(answer.get("events", 0))
            after = answer.get("next") or ""
            if not after:
                return conversations, deleted
