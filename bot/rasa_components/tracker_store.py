"""Rasa's SQL tracker store, configured by one URL (`WEGWIJS_TRACKER_STORE_URL`) like the app database,
and never losing conversations silently.

Stock Rasa, when the tracker database does not answer, either waits for it forever at start-up (logging a
warning every 5 s) or, once running, keeps conversations in memory (its FailSafeTrackerStore) and loses them
at the next restart. Here the server refuses to start with one clear line, and while running a failing
database fails the message: the channel answers with an error, so Telegram and WhatsApp deliver it again.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Optional

import sqlalchemy
from rasa.core.agent import Agent
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy.engine import make_url

from bot.config import Settings

logger = logging.getLogger(__name__)
CONNECT_TIMEOUT_SECONDS = 5


class TrackerStoreUnavailable(SystemExit):
    """The conversation database does not answer at start-up: the server must not run without it."""


def require_reachable(url: str) -> None:
    """Connects once (a few seconds at most); stops the process with a clear message when that fails."""
    url_object = make_url(url)
    connect_args = {"connect_timeout": CONNECT_TIMEOUT_SECONDS} if url_object.get_backend_name() == "postgresql" else {}
    engine = sqlalchemy.create_engine(url_object, connect_args=connect_args)
    try:
        with engine.connect():
            pass
    except sqlalchemy.exc.SQLAlchemyError as error:
        message = (f"The conversation database ({url_object.render_as_string(hide_password=True)}) does not answer: "
                   f"{type(getattr(error, 'orig', None) or error).__name__}. Not starting: conversations would be "
                   f"lost. Check WEGWIJS_TRACKER_STORE_URL and that the database runs.")
        logger.error(message)
        raise TrackerStoreUnavailable(message) from None
    finally:
        engine.dispose()


class UrlSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` whose connection comes from the settings instead of endpoints.yml fields."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[str] = None,
        event_broker: Optional[EventBroker] = None,
        url: Optional[str] = None,
        **kwargs: Any,
    ) -> None:
        url = url or Settings.from_env().tracker_store_url
        url_object = make_url(url)
        if url_object.get_backend_name() == "sqlite" and url_object.database:
            Path(url_object.database).parent.mkdir(parents=True, exist_ok=True)
        require_reachable(url)
        super().__init__(
            domain=domain,
            dialect=url_object.drivername,
            host=url_object.host,
            port=url_object.port,
            db=url_object.database,
            username=url_object.username,
            password=url_object.password,
            event_broker=event_broker,
            query=dict(url_object.query),
            **kwargs,
        )


def _tracker_store_without_silent_fallback(store: Optional[TrackerStore], domain: Domain) -> TrackerStore:
    """Rasa's Agent._create_tracker_store, minus the in-memory fallback for our SQL store."""
    if isinstance(store, UrlSQLTrackerStore) or isinstance(getattr(store, "_tracker_store", None), UrlSQLTrackerStore):
        store.domain = domain
        return store
    return _original_create_tracker_store(store, domain)


_original_create_tracker_store = Agent._create_tracker_store


def install() -> None:
    Agent._create_tracker_store = staticmethod(_tracker_store_without_silent_fallback)
