"""The WhatsApp channel end to end: signed webhooks in, real Rasa, a local server playing the Graph API."""
import uuid

import pytest
import requests

from bot.devservers import Servers
from tests.support.fake_apis import FakeGraph
from tests.support.people import ConsoleClient, add_staff, newest_handoff, wait_until
from tests.support.whatsapp import (
    PHONE_ID,
    TOKEN,
    VERIFY,
    new_sender,
    payload,
    post,
    to,
    webhook,
    whatsapp_settings,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def whatsapp(tmp_path_factory, model_path):
    graph = FakeGraph(TOKEN, PHONE_ID).start()
    servers = Servers(
        tmp_path_factory.mktemp("whatsapp"),
        extra_env=whatsapp_settings(graph),
    ).start()
    add_staff(servers)
    yield graph, servers
    servers.stop()
    graph.stop()


def test_verification_handshake(whatsapp):
    _, servers = whatsapp
    ok = requests.get(webhook(servers), timeout=10,
                      params={"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "4711"})
    assert ok.status_code == 200 and ok.text == "4711"
    bad = requests.get(webhook(servers), timeout=10,
                       params={"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "4711"})
    assert bad.status_code == 403


def test_wrong_or_missing_signature_is_refused(whatsapp):
    graph, servers = whatsapp
    sender = new_sender()
    body = payload(sender, {"type": "text", "text": {"body": "Hallo"}})
    assert post(servers, body, secret="wrong").status_code == 403
    assert post(servers, body, signature=False).status_code == 403
    assert to(graph, sender) == []


def test_text_with_buttons_becomes_interactive(whatsapp, catalogue):
    graph, servers = whatsapp
    sender = new_sender()
    assert post(servers, payload(sender, {"type": "text", "text": {"body": "Goedemorgen!"}})).status_code == 200
    [greeting] = to(graph, sender)
    interactive = greeting["interactive"]
    assert greeting["type"] == "interactive"
    assert interactive["body"]["text"] == catalogue.render("utter_greet", "nl").text
    ids = [r["id"] for r in interactive["action"]["sections"][0]["rows"]] if interactive["type"] == "list" else [
        b["reply"]["id"] for b in interactive["action"]["buttons"]]
    assert ids == [b.payload for b in catalogue.get("utter_greet", "nl").buttons]


def test_a_pressed_button_is_handled(whatsapp, catalogue):
    graph, servers = whatsapp
    sender = new_sender()
    post(servers, payload(sender, {"type": "text", "text": {"body": "Hallo, goedemorgen!"}}))
    reply = {"type": "interactive",
             "interactive": {"type": "list_reply", "list_reply": {"id": "/ask_contact_info", "title": "x"}}}
    post(servers, payload(sender, reply))
    last = to(graph, sender)[-1]
    assert last["interactive"]["body"]["text"] == catalogue.render("utter_contact_info", "nl").text


def test_statuses_are_accepted_and_ignored(whatsapp):
    graph, servers = whatsapp
    sender = new_sender()
    statuses = [{"id": "wamid.x", "status": "read", "recipient_id": sender, "timestamp": "1"}]
    assert post(servers, payload(sender, statuses=statuses)).status_code == 200
    assert to(graph, sender) == []


def test_the_same_message_twice_is_answered_once(whatsapp):
    graph, servers = whatsapp
    sender = new_sender()
    body = payload(sender, {"type": "text", "text": {"body": "Hoeveel kost het examen?"}})
    post(servers, body)
    count = len(to(graph, sender))
    post(servers, body)
    assert len(to(graph, sender)) == count and count > 0


def test_non_text_gets_a_polite_answer(whatsapp, catalogue):
    graph, servers = whatsapp
    sender = new_sender()
    post(servers, payload(sender, {"type": "text", "text": {"body": "Good morning, I have a question"}}))
    post(servers, payload(sender, {"type": "image", "image": {"id": "media-1", "mime_type": "image/jpeg"}}))
    expected = catalogue.render("utter_unsupported_message", "en").text
    assert to(graph, sender)[-1]["interactive"]["body"]["text"] == expected


def test_a_staff_reply_outside_the_24_hour_window_is_reported_not_lost(whatsapp):
    graph, servers = whatsapp
    sender = f"316{uuid.uuid4().int % 10**8:08d}"
    post(servers, payload(sender, {"type": "text", "text": {"body": "Ik wil met een medewerker praten"}}))
    wait_until(lambda: any(m["to"] == sender for m in graph.sent("messages")))
    coco = ConsoleClient(servers, "coco")
    handoff_id = newest_handoff(coco.get("/queue", view="all"))
    coco.post(f"/handoffs/{handoff_id}/take")

    graph.closed_windows.add(sender)  # WhatsApp refuses free text now
    page = coco.post(f"/handoffs/{handoff_id}/reply", text="Goedemorgen, ik bel u vandaag.").text
    assert "Not delivered" in page and "24-hour window" in page
    assert "failed" in page and "Send again" in page

    graph.closed_windows.clear()  # the newcomer wrote again: the window is open
    again = coco.post(f"/handoffs/{handoff_id}/send-again").text
    assert "Not delivered" not in again
    wait_until(lambda: any(m["to"] == sender and m.get("text", {}).get("body") == "Goedemorgen, ik bel u vandaag."
                           for m in graph.sent("messages")))


def test_no_phone_number_in_any_log(whatsapp):
    """Runs after the conversations above: a WhatsApp sender id is a phone number; no log shows one."""
    import re

    _, servers = whatsapp
    logs = "".join(servers.log(name) for name in ("rasa", "actions", "web"))
    assert logs and not re.search(r"316\d{8}", logs)
