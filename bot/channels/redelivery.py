"""Which chat-app updates were handled already, in one memory every Rasa server shares.

Telegram and WhatsApp deliver at least once: an update that was not accepted comes again, and with several
Rasa servers behind a load balancer the redelivery may reach another server than the first delivery. So the
ids live where every server sees them: in Redis when it is configured (WEGWIJS_REDIS_HOST, as for the lock
store), else in the application database (the `seen_updates` table). An id expires after a day (Telegram
stops redelivering after 24 hours) and is forgotten at once when its handling failed, so that the
redelivery is handled.

When the shared memory does not answer (Redis or the database down), each server falls back on its own
memory and says so in the log: a redelivery to the same server is still dropped, and nothing is lost.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Hashable, Protocol

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.channels.common import RecentIds
from bot.config import Settings
from bot.models import SeenUpdate

logger = logging.getLogger(__name__)

SEEN_FOR = dt.timedelta(hours=24)
PRUNE_EVERY = 500  # claims between two clean-ups of expired ids in the database


class SeenStore(Protocol):
    def claim(self, key: str) -> bool:
        """Records `key`; True when it was recorded already (and has not expired)."""

    def release(self, key: str) -> None:
        """Forgets `key`."""


class RedisSeenStore:
    """SET NX with an expiry: one atomic step, so two servers never both take the same id as new."""

    def __init__(self, client, prefix: str, seen_for: dt.timedelta = SEEN_FOR) -> None:
        self.client, self.prefix, self.seconds = client, prefix, int(seen_for.total_seconds())

    def claim(self, key: str) -> bool:
        return not self.client.set(f"{self.prefix}:seen:{key}", b"1", nx=True, ex=self.seconds)

    def release(self, key: str) -> None:
        self.client.delete(f"{self.prefix}:seen:{key}")


class SqlSeenStore:
    """A primary key per id: the second INSERT of an id fails, whichever server tries it."""

    def __init__(self, engine: sa.engine.Engine, seen_for: dt.timedelta = SEEN_FOR) -> None:
        self.engine, self.seen_for, self._claims = engine, seen_for, 0
        self.table = SeenUpdate.__table__

    def claim(self, key: str) -> bool:
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        self._claims += 1
        with self.engine.begin() as connection:
            if self._claims % PRUNE_EVERY == 1:
                connection.execute(self.table.delete().where(self.table.c.seen_at < now - self.seen_for))
            # An expired row is an id seen more than a day ago: taking it over is as good as new.
            expired = connection.execute(self.table.update().where(self.table.c.key == key)
                                         .where(self.table.c.seen_at < now - self.seen_for).values(seen_at=now))
            if expired.rowcount:
                return False
        try:
            with self.engine.begin() as connection:
                connection.execute(self.table.insert().values(key=key, seen_at=now))
        except IntegrityError:
            return True
        return False

    def release(self, key: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(self.table.delete().where(self.table.c.key == key))


class SharedRecentIds:
    """The ids one channel has handled, in the shared store; this server's own memory when it fails."""

    def __init__(self, store: SeenStore, channel: str) -> None:
        self.store, self.channel = store, channel
        self.local = RecentIds()
        self._failing = False

    def _key(self, key: Hashable) -> str:
        return f"{self.channel}:{key}"

    def seen_before(self, key: Hashable) -> bool:
        seen_here = self.local.seen_before(key)
        try:
            seen = self.store.claim(self._key(key))
        except Exception as error:  # Redis or SQL down: keep answering, with this server's memory only
            self._report(error)
            return seen_here
        self._recovered()
        return seen

    def forget(self, key: Hashable) -> None:
        self.local.forget(key)
        try:
            self.store.release(self._key(key))
        except Exception as error:
            self._report(error)

    def _report(self, error: Exception) -> None:
        if not self._failing:
            logger.warning("%s: the shared memory of handled updates does not answer (%s); this server's own "
                           "memory is used until it does", self.channel, type(error).__name__)
        self._failing = True

    def _recovered(self) -> None:
        if self._failing:
            logger.info("%s: the shared memory of handled updates answers again", self.channel)
        self._failing = False


def redelivery_memory(settings: Settings, channel: str) -> SharedRecentIds:
    """Redis when configured, else the application database."""
    return SharedRecentIds(_store(settings), channel)


def _store(settings: Settings) -> SeenStore:
    if settings.redis_host:
        import redis

        client = redis.Redis(host=settings.redis_host, port=settings.redis_port, db=settings.redis_db,
                             password=settings.redis_password or None, socket_timeout=2, socket_connect_timeout=2)
        return RedisSeenStore(client, settings.redis_key_prefix)
    from bot.db import make_engine

    return SqlSeenStore(make_engine(settings.database_url))
