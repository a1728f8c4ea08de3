"""Shared fixtures: the content catalogue, the trained model and the running servers."""
from __future__ import annotations

import pytest

from bot.config import PROJECT_ROOT
from bot.content.catalogue import Catalogue
from bot.devservers import MODEL, Servers


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return Catalogue.load(PROJECT_ROOT / "data" / "content")


@pytest.fixture(scope="session")
def model_path():
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make test` (it trains the model first)")
    return MODEL


@pytest.fixture(scope="session")
def servers(tmp_path_factory, model_path):
    """Rasa, the action server and the web app, started once on free loopback ports."""
    running = Servers(tmp_path_factory.mktemp("servers")).start()
    yield running
    running.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """An empty, migrated application database: every test using it runs on SQLite and on PostgreSQL."""
    from bot.devservers.databases import database

    with database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def sessions(db_url):
    from bot.db import make_engine, make_session_factory

    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def action_database(sessions, db_url, monkeypatch):
    """The custom actions pointed at this test's database (they cache their settings and engine)."""
    from actions import services

    monkeypatch.setenv("WEGWIJS_DATABASE_URL", db_url)
    services.settings.cache_clear()
    services.sessions.cache_clear()
    yield sessions
    services.settings.cache_clear()
    services.sessions.cache_clear()


@pytest.fixture
def broken_action_database(monkeypatch):
    """The custom actions pointed at a database server that does not answer."""
    from actions import services

    monkeypatch.setenv("WEGWIJS_DATABASE_URL", "postgresql://nobody@127.0.0.1:9/none")
    services.settings.cache_clear()
    services.sessions.cache_clear()
    yield
    services.settings.cache_clear()
    services.sessions.cache_clear()
