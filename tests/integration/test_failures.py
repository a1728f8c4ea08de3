"""Failures with the real servers: the conversation database down at start-up and while running, the
action server down mid-conversation; and a newcomer's "forget me"."""
import sqlite3
import subprocess
import time

import pytest
import requests

from bot.devservers import MODEL, ROOT, VENV_BIN, Servers
from bot.devservers.databases import allow_connections, postgres_database
from tests.support.fake_apis import FakeTelegram
from tests.support.people import WebUser, wait_until
from tests.support.telegram import TOKEN, messages_to, new_chat, post, telegram_settings, text_update

pytestmark = pytest.mark.slow


def test_rasa_refuses_to_start_without_its_conversation_database(tmp_path, model_path):
    servers = Servers(tmp_path, extra_env={"WEGWIJS_TRACKER_STORE_URL": "postgresql://nobody@127.0.0.1:9/nothing"})
    started = time.monotonic()
    result = subprocess.run(
        [str(VENV_BIN / "rasa"), "run", "--model", str(MODEL), "--endpoints", str(servers.write_endpoints()),
         "--credentials", str(ROOT / "credentials.yml"), "--interface", "127.0.0.1", "--port", str(servers.rasa_port),
         "--enable-api", f"--auth-token={servers.rasa_token}"],
        cwd=ROOT, env=servers.env(), capture_output=True, text=True, timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "The conversation database (postgresql://nobody@127.0.0.1:9/nothing) does not answer" in output
    assert "Not starting" in output
    assert time.monotonic() - started < 240  # no endless waiting for the database


@pytest.fixture(scope="module")
def outage(tmp_path_factory, model_path):
    """Rasa with its conversations in a PostgreSQL database of its own, and Telegram played locally."""
    telegram = FakeTelegram(TOKEN).start()
    with postgres_database() as tracker_url:
        servers = Servers(tmp_path_factory.mktemp("outage"), extra_env={
            "WEGWIJS_TRACKER_STORE_URL": tracker_url, **telegram_settings(telegram)}).start()
        yield servers, telegram, tracker_url
        servers.stop()
        allow_connections(tracker_url, True)
    telegram.stop()


def test_a_database_outage_fails_loudly_and_telegram_delivers_again(outage, catalogue):
    servers, telegram, tracker_url = outage
    chat = new_chat()
    assert post(servers, text_update(chat, "Hallo, goedemorgen!")).status_code == 200
    telegram.wait_for(1)
    update = text_update(chat, "Moet ik inburgeren?")
    allow_connections(tracker_url, False)
    try:
        assert post(servers, update).status_code == 500  # not accepted and dropped: Telegram will retry
        rest = requests.post(f"{servers.rasa_url}/webhooks/rest/webhook", json={"sender": "x", "message": "hi"},
                             timeout=60)
        assert rest.status_code == 500
    finally:
        allow_connections(tracker_url, True)
    before = len(messages_to(telegram, chat))
    assert post(servers, update).status_code == 200  # Telegram's redelivery of the same update
    wait_until(lambda: len(messages_to(telegram, chat)) > before)
    assert messages_to(telegram, chat)[-1]["text"] == catalogue.render("utter_obligation", "nl").text
    assert post(servers, update).status_code == 200  # a further redelivery is answered once only
    time.sleep(1)
    assert len(messages_to(telegram, chat)) == before + 1
    assert "Traceback" not in messages_to(telegram, chat)[-1]["text"]
    logs = "".join(servers.log(name) for name in ("rasa", "actions", "web"))
    assert "Moet ik inburgeren?" not in logs and str(chat) not in logs  # no message text, no chat id


@pytest.fixture
def running(tmp_path, model_path):
    servers = Servers(tmp_path).start()
    yield servers
    servers.stop()


def test_the_action_server_down_gets_an_honest_answer_and_a_person(running, catalogue):
    user = WebUser(running)
    user.say("Hello!")
    running.processes[0].terminate()  # the action server (started first)
    running.processes[0].wait(timeout=30)
    answer = [m["text"] for m in user.say("I want to check the status of my own case")]
    assert answer == [catalogue.render("utter_service_unavailable_handoff", "en").text]
    with sqlite3.connect(running.directory / "wegwijs.db") as db:
        assert db.execute("SELECT reason, status FROM handoffs").fetchall() == [("service_down", "waiting")]
    # A question that needs no task gets the plain honest answer, and nothing the user wrote is lost.
    assert [m["text"] for m in user.say("How long do I have to finish my integration?")] == [
        catalogue.render("utter_service_unavailable", "en").text]
    texts = [m["text"] for m in user.history()["messages"] if m["from"] == "user"]
    assert texts == ["Hello!", "I want to check the status of my own case",
                     "How long do I have to finish my integration?"]


def test_forget_me_erases_the_conversation_after_confirmation(running, catalogue):
    user = WebUser(running)
    user.say("I want to talk to a real person")
    assert [m["text"] for m in user.say("please delete my data")] == [
        catalogue.render("utter_ask_erase_confirm", "en").text]
    assert [m["text"] for m in user.say("/affirm")] == [catalogue.render("utter_data_erased", "en").text]
    wait_until(lambda: user.history()["messages"] == [], timeout=30)
    with sqlite3.connect(running.directory / "wegwijs.db") as db:
        assert db.execute("SELECT COUNT(*) FROM handoffs").fetchone() == (0,)
        (sender,) = db.execute("SELECT sender_id FROM audit_log WHERE action = 'erase'").fetchone()
    assert sender.startswith("erased:")


def test_rate_limits_say_slow_down_and_drop_nothing(tmp_path, model_path):
    telegram = FakeTelegram(TOKEN).start()
    servers = Servers(tmp_path, extra_env={
        "WEGWIJS_RATE_LIMIT_PER_SENDER": "3", **telegram_settings(telegram)}).start()
    try:
        user = WebUser(servers)
        for _ in range(3):
            user.say("Hello!")
        too_fast = requests.post(f"{user.base}/webhook", json={"session": user.session, "message": "Hello?"},
                                 timeout=30)
        assert too_fast.status_code == 429  # the widget keeps the text and asks to send it again
        chat = new_chat()
        codes = [post(servers, text_update(chat, f"Hallo {i}")).status_code for i in range(4)]
        assert codes == [200, 200, 200, 429]  # Telegram delivers the fourth again later
        assert WebUser(servers).say("Hello!")  # others are not affected
    finally:
        servers.stop()
        telegram.stop()


def test_staff_can_erase_a_conversation_from_the_console(running):
    from tests.support.people import ConsoleClient, add_staff

    add_staff(running, [("coco", "Coco Coordinator", "coordinator")])
    user = WebUser(running)
    user.say("I want to talk to a real person")
    sender = "web-" + user.session.split(".")[0]
    coco = ConsoleClient(running, "coco")
    refused = coco.post("/conversation/erase", sender=sender)  # the box not ticked: nothing happens
    assert "Tick the box" in refused.text and user.history()["messages"]
    erased = coco.post("/conversation/erase", sender=sender, confirm="yes", reason="asked by phone")
    assert "Erased:" in erased.text and "messages" in erased.text
    assert user.history()["messages"] == []  # at once: done in Rasa, under the conversation's lock
    with sqlite3.connect(running.directory / "tracker.db") as db:
        assert db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone() == (0,)
    with sqlite3.connect(running.directory / "wegwijs.db") as db:
        assert db.execute("SELECT COUNT(*) FROM handoffs").fetchone() == (0,)
        assert db.execute("SELECT COUNT(*) FROM erasure_requests").fetchone() == (0,)  # done and checked
        assert db.execute("SELECT detail FROM audit_log WHERE action = 'erase'").fetchone() == ("by staff",)
    assert user.say("Hello!")  # the conversation starts again from nothing


def test_the_action_server_does_not_start_without_its_token_or_with_a_public_key(tmp_path):
    import sys

    from bot.devservers import free_port
    from bot.security import PUBLIC_KEYS

    env = {k: v for k, v in Servers(tmp_path).env().items() if k != "WEGWIJS_ACTION_SERVER_TOKEN"}
    (public,) = PUBLIC_KEYS
    for extra, said in (({}, "set WEGWIJS_ACTION_SERVER_TOKEN"),
                        ({"WEGWIJS_ACTION_SERVER_TOKEN": "a" * 40, "WEGWIJS_SECRET_KEY": public}, "publicly known")):
        result = subprocess.run([sys.executable, "-m", "actions.server", "--port", str(free_port())], cwd=ROOT,
                                env={**env, **extra}, capture_output=True, text=True, timeout=120)
        assert result.returncode == 2 and said in result.stdout + result.stderr
        assert "Traceback" not in result.stdout + result.stderr
