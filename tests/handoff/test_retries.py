"""Handoff retries a restarted Rasa server forgot: found in the tracker store and run again."""
import asyncio
import datetime as dt
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests
from sqlalchemy import create_engine, select

from bot.db import make_engine
from bot.devservers import Servers
from bot.devservers.databases import allow_connections, postgres_database
from bot.handoff.retries import OVERDUE_AFTER, RETRY_INTENT, RETRY_REMINDER, overdue_retries, recover_retries
from bot.models import Handoff
from bot.rasa_api import RasaApi
from bot.transcripts import events_table

NOW = dt.datetime(2026, 12, 4, 12, 0)


@pytest.fixture
def tracker_engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    events_table.metadata.create_all(engine)
    return engine


def add(engine, sender, type_name, at, intent=None, **data):
    with engine.begin() as connection:
        connection.execute(events_table.insert().values(
            sender_id=sender, type_name=type_name, timestamp=at.timestamp(), intent_name=intent,
            data=json.dumps({"event": type_name, **data})))


def reminder(engine, sender, due, name=RETRY_REMINDER, attempt="1"):
    add(engine, sender, "reminder", due - dt.timedelta(minutes=2), name=name, intent=RETRY_INTENT,
        date_time=due.isoformat(), entities={"handoff_reason": "asked", "handoff_attempt": attempt})


def test_a_retry_that_never_ran_is_overdue_and_one_that_ran_is_not(tracker_engine):
    due = NOW - OVERDUE_AFTER - dt.timedelta(seconds=5)
    reminder(tracker_engine, "lost", due)
    reminder(tracker_engine, "fired", due)
    add(tracker_engine, "fired", "user", due, intent=RETRY_INTENT)
    reminder(tracker_engine, "cancelled", due)
    add(tracker_engine, "cancelled", "cancel_reminder", due)
    reminder(tracker_engine, "not-yet", NOW)  # its server may still fire it
    reminder(tracker_engine, "other", due, name="something_else")
    reminder(tracker_engine, "long-ago", NOW - dt.timedelta(days=3))
    reminder(tracker_engine, "again", due - dt.timedelta(minutes=2), attempt="1")
    add(tracker_engine, "again", "user", due - dt.timedelta(minutes=2), intent=RETRY_INTENT)
    reminder(tracker_engine, "again", due, attempt="2")  # the database was still down: a second reminder
    overdue = overdue_retries(tracker_engine, NOW)
    assert sorted(r.sender_id for r in overdue) == ["again", "lost"]
    assert {r.sender_id: r.entities["handoff_attempt"] for r in overdue} == {"again": "2", "lost": "1"}


def test_nothing_is_overdue_before_rasa_made_its_tables(tmp_path):
    assert overdue_retries(create_engine(f"sqlite:///{tmp_path / 'empty.db'}"), NOW) == []


def test_an_overdue_retry_is_triggered_as_the_reminder_would_have_been(tracker_engine):
    calls = []

    class Rasa(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            calls.append((self.path, json.loads(self.rfile.read(int(self.headers["Content-Length"])))))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")  # as Rasa answers
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Rasa)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        reminder(tracker_engine, "telegram-1", NOW - dt.timedelta(minutes=5))
        rasa = RasaApi(f"http://127.0.0.1:{server.server_port}", "tok")
        assert asyncio.run(recover_retries(tracker_engine, rasa, NOW)) == 1
        assert asyncio.run(recover_retries(tracker_engine, RasaApi("http://127.0.0.1:9", "tok"), NOW)) == 0  # down
    finally:
        server.shutdown()
    path, body = calls[0]
    assert path.startswith("/conversations/telegram-1/trigger_intent?") and "output_channel=latest" in path
    assert body == {"name": RETRY_INTENT, "entities": {"handoff_reason": "asked", "handoff_attempt": "1"}}


@pytest.mark.slow
def test_a_rasa_restart_during_a_handoff_retry_loses_no_handoff(tmp_path, model_path):
    """The database is down when a newcomer asks for a person; Rasa restarts before the retry; it is stored."""
    with postgres_database() as url:
        servers = Servers(tmp_path / "servers", database_url=url).start()
        sender = f"retry-{uuid.uuid4().hex[:8]}"

        def say(text):
            answer = requests.post(f"{servers.rasa_url}/webhooks/rest/webhook", timeout=60,
                                   json={"sender": sender, "message": text})
            assert answer.status_code == 200, answer.text
            return answer.json()

        try:
            say("Hello")
            allow_connections(url, False)
            assert say("I want to talk to a person")  # told honestly; a reminder is scheduled
            servers.stop()  # the reminder is lost with the Rasa server
            allow_connections(url, True)
            servers.start()
            tracker_engine = make_engine(f"sqlite:///{servers.directory / 'tracker.db'}")
            later = dt.datetime.now() + dt.timedelta(minutes=2) + OVERDUE_AFTER + dt.timedelta(seconds=5)
            rasa = RasaApi(servers.rasa_url, servers.rasa_token)
            assert asyncio.run(recover_retries(tracker_engine, rasa, later)) == 1
            deadline = time.monotonic() + 30
            stored = []
            while not stored and time.monotonic() < deadline:
                with make_engine(url).connect() as connection:
                    stored = connection.execute(select(Handoff.__table__.c.id)
                                                .where(Handoff.__table__.c.sender_id == sender)).all()
                time.sleep(0.2)
            assert len(stored) == 1
            assert asyncio.run(recover_retries(tracker_engine, rasa, later)) == 0  # once
        finally:
            servers.stop()
            allow_connections(url, True)
