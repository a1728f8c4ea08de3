"""Rasa's SQL tracker store, configured by one URL (`WEGWIJS_TRACKER_STORE_URL`) like the app database."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy.engine import make_url

from bot.config import Settings


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
        url_object = make_url(url or Settings.from_env().tracker_store_url)
        if url_object.get_backend_name() == "sqlite" and url_object.database:
            Path(url_object.database).parent.mkdir(parents=True, exist_ok=True)
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
