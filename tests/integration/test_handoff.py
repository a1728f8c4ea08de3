"""Handoff end to end with the real servers: a newcomer asks for a person over the web chat channel (and
over Telegram), staff log in to the console over HTTP, take the conversation, reply, and hand back."""
import sqlite3
import time
import uuid

import pytest
import requests

from bot.devservers import Servers
from tests.support.fake_apis import FakeTelegram
from tests.support.people import (
    PASSWORD,
    ConsoleClient,
    WebUser,
    add_staff,
    csrf_of,
    handoff_text,
    newest_handoff,
    wait_until,
)
from tests.support.telegram import TOKEN, messages_to, new_chat, post, telegram_settings, text_update

pytestmark = pytest.mark.slow
OFFICE_HOURS = "mon-sun 00:00-23:59"  # open whenever the tests run (except on public holidays)


@pytest.fixture(scope="module")
def world(tmp_path_factory, model_path):
    telegram = FakeTelegram(TOKEN).start()
    servers = Servers(
        tmp_path_factory.mktemp("handoff"),
        extra_env={
            **telegram_settings(telegram),
            "WEGWIJS_OFFICE_HOURS": OFFICE_HOURS,
        },
    ).start()
    add_staff(servers)
    yield servers, telegram
    servers.stop()
    telegram.stop()


def audit_actions(servers):
    with sqlite3.connect(servers.directory / "wegwijs.db") as db:
        return [row[0] for row in db.execute("SELECT action FROM audit_log ORDER BY id")]


def test_a_person_takes_over_replies_and_hands_back(world, catalogue):
    servers, _ = world
    user = WebUser(servers)
    answer = user.say("I want to talk to a real person please")
    assert [m["text"] for m in answer] == [handoff_text(catalogue, "en", OFFICE_HOURS)]

    ahmed = ConsoleClient(servers, "ahmed")
    queue = ahmed.get("/queue", view="waiting")
    handoff_id = newest_handoff(queue)
    assert "webchat" in queue and "asked for a person" in queue
    page = ahmed.get(f"/handoffs/{handoff_id}")
    assert "I want to talk to a real person please" in page and "asked for a person" in page

    assert ahmed.post(f"/handoffs/{handoff_id}/take").status_code == 200
    # A colleague cannot take it too: they see who has it.
    sanne = ConsoleClient(servers, "sanne")
    refused = sanne.post(f"/handoffs/{handoff_id}/take")
    assert "Not taken: taken by Ahmed Bakker" in refused.text

    # The bot is silent now; what the user writes reaches the console with what the bot understood.
    assert user.say("How many years do I get for inburgering?") == []
    assert user.history()["with_person"] is True
    transcript = wait_until(lambda: (lambda t: t if "How many years do I get for inburgering?" in t else None)(
        ahmed.get(f"/handoffs/{handoff_id}", fragment=1)))
    assert "asked about the deadline" in transcript

    reply = ahmed.post(f"/handoffs/{handoff_id}/reply", text="Hello, this is Ahmed. Your deadline is in 2027.")
    assert reply.status_code == 200 and "Not delivered" not in reply.text
    staff_lines = [m for m in user.history()["messages"] if m["from"] == "staff"]
    assert [(m["text"], m["author"]) for m in staff_lines] == [
        ("Hello, this is Ahmed. Your deadline is in 2027.", "Ahmed Bakker")]

    back = ahmed.post(f"/handoffs/{handoff_id}/hand-back")
    assert back.status_code == 200
    history = user.history()
    assert history["with_person"] is False
    assert history["messages"][-1]["text"] == catalogue.render("utter_handoff_returned", "en").text
    # The bot answers again (the question which law applies, as for anyone who did not say).
    assert [m["text"] for m in user.say("How many years do I get for inburgering?")] == [
        catalogue.render("utter_ask_law", "en", {"intent": "ask_deadline"}).text]
    assert {"login", "view_handoff", "take", "reply", "hand_back"} <= set(audit_actions(servers))


def test_a_staff_reply_reaches_telegram_and_close_resumes_the_bot(world, catalogue):
    servers, telegram = world
    chat = new_chat()
    assert post(servers, text_update(chat, "Ik wil met een mens praten")).status_code == 200
    expected = handoff_text(catalogue, "nl", OFFICE_HOURS)
    wait_until(lambda: any(m["text"] == expected for m in messages_to(telegram, chat)))
    coco = ConsoleClient(servers, "coco")
    handoff_id = newest_handoff(coco.get("/queue", view="all"))
    coco.post(f"/handoffs/{handoff_id}/take")
    before = len(messages_to(telegram, chat))
    assert post(servers, text_update(chat, "Hallo?")).status_code == 200
    time.sleep(1)
    assert len(messages_to(telegram, chat)) == before  # paused: no bot answer

    coco.post(f"/handoffs/{handoff_id}/reply", text="Goedemiddag, u spreekt met Coco.")
    wait_until(lambda: any(m["text"] == "Goedemiddag, u spreekt met Coco." for m in messages_to(telegram, chat)))

    closed = coco.post(f"/handoffs/{handoff_id}/close", outcome="answered")
    assert closed.status_code == 200
    wait_until(lambda: messages_to(telegram, chat)[-1]["text"] == catalogue.render("utter_handoff_closed", "nl").text)
    post(servers, text_update(chat, "Hoe lang heb ik om in te burgeren?"))
    wait_until(lambda: messages_to(telegram, chat)[-1]["text"]  # the bot answers again
               == catalogue.render("utter_ask_law", "nl", {"intent": "ask_deadline"}).text)


def test_the_console_refuses_strangers_and_forged_forms(world):
    servers, _ = world
    stranger = requests.Session()
    page = stranger.get(f"{servers.web_url}/console/queue", timeout=30)
    assert page.url.endswith("/console/login")
    form = stranger.get(f"{servers.web_url}/console/login", timeout=30)
    wrong = stranger.post(f"{servers.web_url}/console/login",
                          data={"username": "ahmed", "password": "guess", "csrf": csrf_of(form.text)}, timeout=30)
    assert wrong.status_code == 401 and "Wrong username or password" in wrong.text
    no_csrf = stranger.post(f"{servers.web_url}/console/login", data={"username": "ahmed", "password": PASSWORD},
                            timeout=30)
    assert no_csrf.status_code == 403
    ahmed = ConsoleClient(servers, "ahmed")
    forged = ahmed.http.post(f"{servers.web_url}/console/handoffs/1/take", data={"csrf": "forged"}, timeout=30)
    assert forged.status_code == 403
    headers = ahmed.http.get(f"{servers.web_url}/console/queue", timeout=30).headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    cookie = next(c for c in ahmed.http.cookies if c.name == "wegwijs_console")
    assert cookie.has_nonstandard_attr("HttpOnly") or "httponly" in str(cookie._rest).lower()


def test_a_web_session_cannot_be_forged(world):
    servers, _ = world
    base = f"{servers.rasa_url}/webhooks/webchat"
    forged = f"{uuid.uuid4().hex}.{'0' * 32}"
    assert requests.post(f"{base}/webhook", json={"session": forged, "message": "hi"}, timeout=30).status_code == 403
    assert requests.get(f"{base}/history", params={"session": forged}, timeout=30).status_code == 403


def test_a_call_back_number_reaches_the_console(world, catalogue):
    servers, _ = world
    user = WebUser(servers)
    user.say("I want to talk to a person")
    asked = user.say("/request_callback")  # the after-hours message's button
    assert [m["text"] for m in asked] == [catalogue.render("utter_ask_callback_form_callback_phone", "en").text]
    again = user.say("tomorrow morning")
    assert [m["text"] for m in again] == [catalogue.render("utter_callback_phone_invalid", "en").text,
                                          catalogue.render("utter_ask_callback_form_callback_phone", "en").text]
    saved = user.say("06 1234 5678")
    assert [m["text"] for m in saved] == [catalogue.render("utter_callback_saved", "en", {"phone": "0612345678"}).text]
    coco = ConsoleClient(servers, "coco")
    handoff_id = newest_handoff(coco.get("/queue", view="all"))
    assert "0612345678" in coco.get(f"/handoffs/{handoff_id}")
