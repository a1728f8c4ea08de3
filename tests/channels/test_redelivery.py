"""The memory of handled chat-app updates that every Rasa server shares (Redis, else the database)."""
import datetime as dt
import os
import uuid

import pytest

from bot.channels.redelivery import RedisSeenStore, SharedRecentIds, SqlSeenStore, redelivery_memory
from bot.config import Settings
from bot.db import make_engine
from bot.devservers.scaled import redis_client


@pytest.fixture
def redis_store():
    client = redis_client()
    try:
        client.ping()
    except Exception as error:  # redis.ConnectionError and friends
        if os.environ.get("WEGWIJS_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis is required here: {error}")
        pytest.skip(f"no Redis: {error}")
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    yield lambda: RedisSeenStore(client, prefix)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


@pytest.fixture(params=["sql", "redis"])
def two_servers(request, db_url):
    """Two servers' memories of the same channel, over one shared store."""
    if request.param == "sql":
        engine = make_engine(db_url)
        def make_store():
            return SqlSeenStore(engine)
    else:
        make_store = request.getfixturevalue("redis_store")
    return SharedRecentIds(make_store(), "telegram"), SharedRecentIds(make_store(), "telegram")


def test_an_id_one_server_handled_is_seen_by_the_other(two_servers):
    first, second = two_servers
    assert not first.seen_before(1001)
    assert second.seen_before(1001)  # the redelivery reached the other server: dropped
    assert first.seen_before(1001)


def test_a_failed_update_is_forgotten_everywhere_so_its_redelivery_is_handled(two_servers):
    first, second = two_servers
    assert not first.seen_before("wamid.A")
    first.forget("wamid.A")  # its handling failed
    assert not second.seen_before("wamid.A")
    assert first.seen_before("wamid.A")


def test_channels_do_not_share_ids(db_url):
    engine = make_engine(db_url)
    telegram = SharedRecentIds(SqlSeenStore(engine), "telegram")
    whatsapp = SharedRecentIds(SqlSeenStore(engine), "whatsapp")
    assert not telegram.seen_before(7)
    assert not whatsapp.seen_before(7)


def test_an_id_seen_more_than_a_day_ago_is_new_again(db_url):
    engine = make_engine(db_url)
    store = SqlSeenStore(engine, seen_for=dt.timedelta(hours=24))
    assert not store.claim("telegram:5")
    with engine.begin() as connection:
        connection.execute(store.table.update().values(seen_at=dt.datetime(2000, 1, 1)))
    assert not store.claim("telegram:5")
    assert store.claim("telegram:5")


class BrokenStore:
    def claim(self, key):
        raise ConnectionError("Redis is down")

    def release(self, key):
        raise ConnectionError("Redis is down")


def test_when_the_shared_memory_is_down_the_server_keeps_its_own(caplog):
    memory = SharedRecentIds(BrokenStore(), "telegram")
    assert not memory.seen_before(9)
    assert memory.seen_before(9)  # still dropped on this server
    memory.forget(9)
    assert not memory.seen_before(9)
    assert "does not answer" in caplog.text and "Redis is down" not in caplog.text


def test_redis_when_configured_else_the_database(tmp_path):
    database = Settings(database_url=f"sqlite:///{tmp_path / 'w.db'}")
    assert isinstance(redelivery_memory(database, "telegram").store, SqlSeenStore)
    with_redis = Settings(redis_host="127.0.0.1", redis_port=6379, redis_db=7, redis_key_prefix="x")
    assert isinstance(redelivery_memory(with_redis, "telegram").store, RedisSeenStore)
