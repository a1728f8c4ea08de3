"""bot/web.py: the web app alone (`python -m bot serve`, no Rasa), over HTTP on a free loopback port: health,
the NLG endpoint, the widget's script, texts and demo page, the mounted staff console, and the loop that
carries out newcomers' erasure requests."""
import datetime as dt
import json
import subprocess
import sys
import time

import pytest
import requests
from sqlalchemy import delete, select

from bot.db import make_engine, sessions_for, transaction
from bot.devservers import ROOT, Servers
from bot.models import ErasureRequest, utc_now
from bot.transcripts import _metadata, events_table
from bot.web import logging_config

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    """The web app on its own; its settings are those the test servers get (Servers.env)."""
    servers = Servers(tmp_path_factory.mktemp("web"))
    env = servers.env()
    subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    log = open(servers.directory / "web.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None and time.monotonic() < deadline, servers.log("web")
            try:
                requests.get(f"{servers.web_url}/health", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        yield servers
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def test_health_names_the_catalogues_languages(web, catalogue):
    answer = requests.get(f"{web.web_url}/health", timeout=10)
    assert answer.json() == {"status": "ok", "languages": catalogue.languages}


def test_the_nlg_endpoint_answers_rasas_requests(web, catalogue):
    body = {"response": "utter_greet", "arguments": {}, "tracker": {"sender_id": "x", "slots": {"language": "en"}},
            "channel": {"name": "rest"}}
    answer = requests.post(f"{web.web_url}/nlg", json=body, timeout=10)
    assert answer.status_code == 200 and answer.json()["text"] == catalogue.render("utter_greet", "en").text
    refused = requests.post(f"{web.web_url}/nlg", data=json.dumps([1, 2]),
                            headers={"Content-Type": "application/json"}, timeout=10)
    assert refused.status_code == 400 and refused.json() == {"error": "expected a JSON object"}


def test_the_widgets_texts_are_public_and_fall_back_to_the_default_language(web):
    arabic = requests.get(f"{web.web_url}/widget/texts/ar", timeout=10)
    assert arabic.headers["Access-Control-Allow-Origin"] == "*"
    assert (arabic.json()["language"], arabic.json()["direction"]) == ("ar", "rtl") and arabic.json()["labels"]
    unknown = requests.get(f"{web.web_url}/widget/texts/xx", timeout=10).json()
    assert (unknown["language"], unknown["direction"]) == ("nl", "ltr")


def test_the_widgets_script_and_demo_page(web):
    script = requests.get(f"{web.web_url}/widget/wegwijs-widget.js", timeout=10)
    assert script.status_code == 200 and script.headers["Content-Type"] == "text/javascript; charset=utf-8"
    demo = requests.get(f"{web.web_url}/widget/demo", timeout=10).text
    assert f'data-server="{web.rasa_url}"' in demo and "RASA_URL" not in demo


def test_the_staff_console_is_mounted_at_console(web):
    login = requests.get(f"{web.web_url}/console/login", timeout=10)
    assert login.status_code == 200 and 'name="csrf"' in login.text
    assert "default-src 'self'" in login.headers["Content-Security-Policy"]
    home = requests.get(f"{web.web_url}/console/", allow_redirects=False, timeout=10)
    assert (home.status_code, home.headers["Location"]) == (302, "/console/login")
    style = requests.get(f"{web.web_url}/console/static/console.css", timeout=10)
    assert style.status_code == 200 and "css" in style.headers["Content-Type"]
    assert requests.get(f"{web.web_url}/console/nothing-here", timeout=10).status_code == 404


def test_a_newcomers_erasure_request_is_carried_out_after_their_turn(web):
    """The web app's eraser asks Rasa to erase (every few seconds): the messages go only in the Rasa process,
    under the conversation's lock. Without Rasa the request waits and nothing is deleted; the full path,
    with Rasa, is tested in tests/integration/test_privacy.py."""
    tracker = make_engine(f"sqlite:///{web.directory / 'tracker.db'}")
    _metadata.create_all(tracker, tables=[events_table])  # as Rasa creates it at its first start
    asked = utc_now() - dt.timedelta(seconds=30)
    moment = asked.replace(tzinfo=dt.timezone.utc).timestamp()
    rows = [("forget-me", moment - 10), ("forget-me", moment + 60), ("someone-else", moment - 10)]
    with tracker.begin() as connection:
        for sender, at in rows:
            connection.execute(events_table.insert().values(sender_id=sender, type_name="user", timestamp=at,
                                                            data="{}"))
    sessions = sessions_for(web.env()["WEGWIJS_DATABASE_URL"])
    with transaction(sessions) as session:
        session.add(ErasureRequest(sender_id="forget-me", requested_at=asked))

    def remaining():
        with tracker.connect() as connection:
            return sorted(connection.execute(select(events_table.c.sender_id, events_table.c.timestamp)).all())

    waiting = "erasure request(s) wait for Rasa"
    deadline = time.monotonic() + 20
    while web.log("web").count(waiting) < 2 and time.monotonic() < deadline:  # two rounds of the eraser
        time.sleep(0.3)
    assert web.log("web").count(waiting) >= 2, web.log("web")
    assert remaining() == sorted(rows)
    with sessions() as session:
        pending = session.scalars(select(ErasureRequest.sender_id)).all()
    assert pending == ["forget-me"]
    with transaction(sessions) as session:
        session.execute(delete(ErasureRequest))
    tracker.dispose()


def test_sanics_own_logs_are_redacted_like_every_other():
    config = logging_config()
    assert config["filters"]["redact"]["()"] == "bot.privacy.log_redaction.RedactingFilter"
    assert config["handlers"] and all("redact" in handler["filters"] for handler in config["handlers"].values())
    assert {"sanic.access", "sanic.root", "sanic.error"} <= set(config["loggers"])
