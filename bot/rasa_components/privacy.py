"""Erasing conversations and applying retention inside the Rasa process, under each conversation's lock.

Rasa handles one message of a conversation at a time: it takes the conversation's lock from its lock
store (in memory, or Redis when several Rasa servers run), reads the conversation, and writes the turn's
new events at the end, counting the stored ones to know which are new. Rows deleted by another process
during a turn made Rasa write the session back, so "forget me" could be undone. Here the rows are deleted
only while this process holds that same lock (`LockStore.lock(conversation_id)`): no turn runs meanwhile,
and the next turn starts from what is left. The deleting itself is bot/privacy/conversations.py.

Registered as an input channel (credentials.yml) so that Rasa serves its routes; they are not under
/webhooks/ (public through nginx) but beside Rasa's HTTP API, and need Rasa's API token
(`Authorization: Bearer`, WEGWIJS_RASA_TOKEN):

- `POST /privacy/erase` `{"sender", "until": timestamp or null, "wait": bool}` erases a conversation's
  events (up to `until` and the turn running then; all without it) and answers `{"erased", "remaining"}`;
  with `"wait": false` it answers 409 at once instead of waiting while a turn of the conversation runs.
- `POST /privacy/retention` `{"before": timestamp, "after": sender, "limit": n}` deletes, conversation by
  conversation, the events older than `before` and answers `{"conversations", "events", "next"}`.

The client is bot/privacy/rasa_client.py.
"""
from __future__ import annotations

import logging
import math
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.lock_store import LOCK_LIFETIME, LockStore
from sanic import Blueprint, response
from sanic.request import Request
from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.privacy.conversations import erase_events, remaining_events, retain_events, senders_with_events_before
from bot.security import same_secret

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.05  # between two looks at a busy conversation's lock
MAX_BATCH = 1000


class Unavailable(Exception):
    """The agent is not loaded yet, or its tracker store is not the SQL one."""


@asynccontextmanager
async def conversation_lock(lock_store: LockStore, conversation_id: str, wait: bool = True) -> AsyncIterator[bool]:
    """Holds the conversation's lock, the one Rasa takes for each message. With `wait` false it does not
    queue behind a running turn: it yields False at once instead (and holds nothing)."""
    if wait:
        async with lock_store.lock(conversation_id, LOCK_LIFETIME, POLL_SECONDS):
            yield True
        return
    ticket = lock_store.issue_ticket(conversation_id, LOCK_LIFETIME)
    try:
        lock = lock_store.get_lock(conversation_id)
        yield lock is not None and not lock.is_locked(ticket)
    finally:
        lock_store.cleanup(conversation_id, ticket)


def _parts(agent: Any) -> tuple:
    engine = getattr(getattr(agent, "tracker_store", None), "engine", None)
    if agent is None or getattr(agent, "lock_store", None) is None or not isinstance(engine, Engine):
        raise Unavailable("no agent with an SQL tracker store")
    return agent.lock_store, engine


async def erase_conversation(agent: Any, sender_id: str, until: Optional[float], wait: bool) -> Optional[Dict]:
    """Erases under the conversation's lock; None when `wait` is false and a turn is running."""
    lock_store, engine = _parts(agent)
    async with conversation_lock(lock_store, sender_id, wait) as held:
        if not held:
            return None
        with engine.begin() as connection:
            erased = erase_events(connection, sender_id, until)
        with engine.connect() as connection:  # checked afterwards, as stored
            remaining = remaining_events(connection, sender_id, until)
    if remaining:
        logger.error("Erasure left %d events of a conversation", remaining)
    return {"erased": erased, "remaining": remaining}


async def retain_conversations(agent: Any, before: float, after: str, limit: int) -> Dict[str, Any]:
    """Retention for up to `limit` conversations (in id order, after `after`), each under its lock."""
    lock_store, engine = _parts(agent)
    with engine.connect() as connection:
        senders = senders_with_events_before(connection, before, after, limit)
    deleted = 0
    for sender_id in senders:
        async with conversation_lock(lock_store, sender_id):
            with engine.begin() as connection:
                deleted += retain_events(connection, sender_id, before)
    return {"conversations": len(senders), "events": deleted,
            "next": senders[-1] if len(senders) == limit else None}


def _agent(request: Request) -> Any:
    return getattr(request.app.ctx, "agent", None)


def _number(value: Any) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _body(request: Request) -> Dict[str, Any]:
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - Sanic raises its own error on a body that is not JSON
        return {}
    return body if isinstance(body, dict) else {}


def _refusal(message: str, status: int) -> response.HTTPResponse:
    return response.json({"error": message}, status=status)


class PrivacyInput(InputChannel):
    """The privacy routes (see the module docstring); no user messages come in here."""

    @classmethod
    def name(cls) -> Text:
        return "privacy"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "PrivacyInput":
        return cls(Settings.from_env().rasa_token)

    def __init__(self, token: str) -> None:
        self.token = token
        if not token:
            logger.warning("Privacy routes refuse every call: WEGWIJS_RASA_TOKEN is not set")

    def url_prefix(self) -> Text:
        return "/privacy"  # an absolute path: beside Rasa's API, not under the public /webhooks/

    def _allowed(self, request: Request) -> bool:
        given = request.headers.get("Authorization", "")
        return bool(self.token) and given.startswith("Bearer ") and same_secret(given[len("Bearer "):], self.token)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        privacy = Blueprint("wegwijs_privacy", __name__)

        @privacy.post("/erase")
        async def erase(request: Request) -> response.HTTPResponse:
            if not self._allowed(request):
                return _refusal("Rasa's API token is needed (Authorization: Bearer)", 403)
            body = _body(request)
            sender_id, until, wait = body.get("sender"), body.get("until"), body.get("wait", True)
            if not isinstance(sender_id, str) or not 0 < len(sender_id) <= 255 or not isinstance(wait, bool) \
                    or (until is not None and _number(until) is None):
                return _refusal("send JSON: a text 'sender', 'until' a timestamp or null, 'wait' true/false", 400)
            return await self._answer(erase_conversation(_agent(request), sender_id, _number(until), wait))

        @privacy.post("/retention")
        async def retention(request: Request) -> response.HTTPResponse:
            if not self._allowed(request):
                return _refusal("Rasa's API token is needed (Authorization: Bearer)", 403)
            body = _body(request)
            before, after, limit = _number(body.get("before")), body.get("after") or "", body.get("limit", 200)
            if before is None or not isinstance(after, str) or not isinstance(limit, int) \
                    or not 0 < limit <= MAX_BATCH:
                return _refusal(f"send JSON: 'before' a timestamp, 'after' a text, 'limit' 1 to {MAX_BATCH}", 400)
            return await self._answer(retain_conversations(_agent(request), before, after, limit))

        return privacy

    @staticmethod
    async def _answer(work: Awaitable[Optional[Dict[str, Any]]]) -> response.HTTPResponse:
        try:
            result = await work
        except Exception as error:  # noqa: BLE001 - Unavailable, LockError, SQLAlchemyError, Redis errors
            logger.error("Privacy request not carried out (%s)", type(error).__name__)
            return _refusal("not carried out now; try again", 503)
        if result is None:
            return _refusal("a turn of this conversation is running; try again or wait", 409)
        return response.json(result)
