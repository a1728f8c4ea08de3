"""Rasa's SQL tracker store, configured by one URL (`WEGWIJS_TRACKER_STORE_URL`) like the app database,
and never losing conversations silently.

Stock Rasa, when the tracker database does not answer, either waits for it forever at start-up (logging a
warning every 5 s) or, once running, keeps conversations in memory (its FailSafeTrackerStore) and loses them
at the next restart. Here the server refuses to start with one clear line, and while running a failing
database fails the message: the channel answers with an error, so Telegram and WhatsApp deliver it again.

Its engine hides SQL parameters in errors (they are the events: what people wrote), and it never stores a
complaint code (bot/privacy/conversations.py `conceal_complaint_codes`).
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Optional

import sqlalchemy
from rasa.core.agent import Agent
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore, create_engine_kwargs
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from bot.config import Settings
from bot.privacy.conversations import conceal_complaint_codes

logger = logging.getLogger(__name__)
CONNECT_TIMEOUT_SECONDS = 5


class TrackerStoreUnavailable(SystemExit):
    """The conversation database does not answer at start-up: the server must not run without it."""


def require_reachable(url: str) -> None:
    """Connects once (a few seconds at most); stops the process with a clear message when that fails."""
    url_object = make_url(url)
    connect_args = {"connect_timeout": CONNECT_TIMEOUT_SECONDS} if url_object.get_backend_name() == "postgresql" else {}
    engine = sqlalchemy.create_engine(url_object, connect_args=connect_args, hide_parameters=True)
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
        # Rasa's engine, again with hidden SQL parameters: a failing statement's error (and log line) would
        # otherwise carry the events' JSON, the messages people wrote.
        engine_url = self.engine.url
        self.engine.dispose()
        self.engine = sqlalchemy.create_engine(engine_url, hide_parameters=True, **create_engine_kwargs(engine_url))
        self.sessionmaker = sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's `SQLTrackerStore.save` (the events not stored yet), each event as `conceal_complaint_codes`
        has it. Rasa saves a turn at its end, so the turn itself still had the code it checked."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            stored = self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False).count()
            events = list(tracker.events)
            kept = conceal_complaint_codes(event.as_dict() for event in events)
            for event, data in list(zip(events, kept))[stored:]:
                session.add(self.SQLEvent(
                    sender_id=tracker.sender_id,
                    type_name=event.type_name,
                    timestamp=data.get("timestamp"),
                    intent_name=(data.get("parse_data") or {}).get("intent", {}).get(INTENT_NAME_KEY),
                    action_name=data.get("name"),
                    data=json.dumps(data),
                ))
            session.commit()


def _tracker_store_without_silent_fallback(store: Optional[TrackerStore], domain: Domain) -> TrackerStore:
    """Rasa's Agent._create_tracker_store, minus the in-memory fallback for our SQL store."""
    if isinstance(store, UrlSQLTrackerStore) or isinstance(getattr(store, "_tracker_store", None), UrlSQLTrackerStore):
        store.domain = domain
        return store
    return _original_create_tracker_store(store, domain)


_original_create_tracker_store = Agent._create_tracker_store


def install() -> None:
    Agent._create_tracker_store = staticmethod(_tracker_store_without_silent_fallback)
