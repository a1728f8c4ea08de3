"""Shared fixtures: the content catalogue, the trained model and the running servers."""
from __future__ import annotations

import pytest

from bot.config import PROJECT_ROOT
from bot.content import Catalogue
from tests.support.servers import MODEL, Servers


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
