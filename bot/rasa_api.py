"""The console's client for Rasa's HTTP API: pause and resume a conversation, and run an action whose
messages go to the newcomer's own channel (`output_channel=latest`)."""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Dict, List
from urllib.parse import quote

import aiohttp

logger = logging.getLogger(__name__)


def _error_message(body: str) -> str:
    """Rasa's own error message (e.g. why a channel could not deliver), for the console."""
    try:
        message = json.loads(body).get("message", "")
    except (ValueError, AttributeError):
        message = ""
    return str(message)[:300]


class RasaUnavailable(Exception):
    """Rasa did not do what was asked (down, refused, or the channel failed to deliver)."""


class RasaApi:
    def __init__(self, url: str, token: str, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def _post(self, path: str, body: Any, **params: str) -> Dict[str, Any]:
        query = {**params, **({"token": self.token} if self.token else {})}
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as session:
                async with session.post(f"{self.url}{path}", json=body, params=query) as answer:
                    if answer.status != 200:
                        raise RasaUnavailable(f"Rasa answered {answer.status}: {_error_message(await answer.text())}")
                    return await answer.json()
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:  # aiohttp times out with asyncio's
            raise RasaUnavailable(type(error).__name__) from error

    def _conversation(self, sender_id: str) -> str:
        return f"/conversations/{quote(sender_id, safe='')}"

    async def append_events(self, sender_id: str, events: List[Dict[str, Any]]) -> None:
        await self._post(f"{self._conversation(sender_id)}/tracker/events", events)

    async def pause(self, sender_id: str) -> None:
        await self.append_events(sender_id, [{"event": "pause"}])

    async def resume(self, sender_id: str) -> None:
        await self.append_events(sender_id, [{"event": "resume"}])

    async def trigger_intent(self, sender_id: str, intent: str, entities: Any) -> Dict[str, Any]:
        """As a reminder does: `intent` comes in, unseen by the user; the answer goes to their latest channel."""
        return await self._post(f"{self._conversation(sender_id)}/trigger_intent",
                                {"name": intent, "entities": entities or {}}, output_channel="latest")

    async def run_action(self, sender_id: str, action: str) -> Dict[str, Any]:
        """Runs `action` in the conversation; its messages go to the user's latest channel."""
        return await self._post(f"{self._conversation(sender_id)}/execute", {"name": action},
                                output_channel="latest")
