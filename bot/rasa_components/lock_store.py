"""Rasa's Redis ticket lock, safe across several Rasa servers.

Rasa Open Source 3.6's `RedisLockStore` (`lock_store: type: redis`) keeps one JSON ticket list per
conversation in Redis, but changes it with a separate GET and SET. Within one Rasa process that is
harmless (the Redis client blocks the event loop between the two), across processes it is not: two
servers that take a ticket for the same conversation at the same moment can both read ticket list N, both
issue ticket N+1 and both believe they are served, or one server's SET drops another's ticket. Messages of
one sender then run at the same time and the SQL tracker store loses or mixes their events (Rasa issue
#9213; the fix, `ConcurrentRedisLockStore`, is in Rasa Pro only).

`AtomicRedisLockStore` keeps Rasa's ticket-lock algorithm and data format (`rasa.core.lock.TicketLock`
under the same `lock:<conversation id>` keys) and makes every read-modify-write of a ticket list one
Redis transaction (WATCH/MULTI/EXEC, retried when another server changed the list in between). A list
without tickets is deleted in the same transaction, so a waiting server never sees a half-finished
clean-up. Waiting messages look again every `poll_interval` seconds (Rasa waits a whole second).

endpoints.yml:

    lock_store:
      type: bot.rasa_components.lock_store.AtomicRedisLockStore
      url: ${WEGWIJS_REDIS_HOST}
      port: ${WEGWIJS_REDIS_PORT}
      db: ${WEGWIJS_REDIS_DB}
      password: ${WEGWIJS_REDIS_PASSWORD}
      key_prefix: ${WEGWIJS_REDIS_KEY_PREFIX}
"""
from __future__ import annotations

import json
import logging
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Callable, Optional, Text, Tuple

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

DEFAULT_POLL_INTERVAL = 0.05  # seconds between two looks of a waiting message
KEY_GRACE_SECONDS = 60  # a ticket list outlives its last ticket by this much, then Redis drops it


class AtomicRedisLockStore(RedisLockStore):
    """`RedisLockStore` whose ticket changes are atomic across processes (see the module docstring)."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **settings: Any) -> None:
        config = dict(endpoint_config.kwargs) if endpoint_config is not None else {}
        config.update(settings)
        host = (endpoint_config.url if endpoint_config is not None else None) or config.pop("host", "localhost")
        config.pop("host", None)
        self.poll_interval = float(config.pop("poll_interval", DEFAULT_POLL_INTERVAL) or DEFAULT_POLL_INTERVAL)
        super().__init__(
            host=host,
            port=int(config.pop("port", 6379) or 6379),
            db=int(config.pop("db", 1) or 0),
            username=config.pop("username", None) or None,
            password=config.pop("password", None) or None,
            use_ssl=str(config.pop("use_ssl", "false")).lower() == "true",
            key_prefix=config.pop("key_prefix", None) or None,
            socket_timeout=float(config.pop("socket_timeout", 10) or 10),
        )
        if config:
            logger.warning("AtomicRedisLockStore ignores the settings %s", sorted(config))

    # --- one transaction per change --------------------------------------------------------------

    def _change(
        self, conversation_id: Text, change: Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], Any]]
    ) -> Any:
        """Apply `change` to the conversation's ticket list in one Redis transaction; returns its result.

        `change` gets the stored lock (or None) and returns the lock to store (None or no tickets: delete
        the key) and a result. It may run more than once: when another process changed the key between
        our read and our write, Redis refuses the write and the whole change is done again.
        """
        key = self.key_prefix + conversation_id

        def transaction(pipe: Any) -> Any:
            serialised = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(serialised)) if serialised else None
            new_lock, result = change(lock)
            pipe.multi()
            if new_lock is None or not new_lock.tickets:
                pipe.delete(key)
            else:
                last_expiry = max(ticket.expires for ticket in new_lock.tickets)
                ttl = max(1, int(last_expiry - time.time()) + KEY_GRACE_SECONDS)
                pipe.set(key, new_lock.dumps(), ex=ttl)
            return result

        return self.red.transaction(transaction, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: Optional[TicketLock]) -> Tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except Exception as error:  # Redis down or refusing: Rasa answers the message with an error
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: Text) -> None:
        def drop_expired(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        def remove(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, remove)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # Removing our ticket and deleting an empty list is one step: Rasa's two steps let another
        # server's new ticket disappear with the deleted list.
        self.finish_serving(conversation_id, ticket_number)

    def save_lock(self, lock: TicketLock) -> None:  # only Rasa's base class would call it
        self._change(lock.conversation_id, lambda _stored: (lock, None))

    # --- waiting --------------------------------------------------------------------------------

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: Text,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: Optional[float] = None,
    ) -> AsyncGenerator[TicketLock, None]:
        # Rasa's agent asks with its default wait of 1 s between looks; a queued message of the same
        # sender then waits up to a second after the one before it is done. Look more often instead.
        wait = wait_time_in_seconds if wait_time_in_seconds is not None else self.poll_interval
        async with super().lock(conversation_id, lock_lifetime, wait) as ticket_lock:
            yield ticket_lock
