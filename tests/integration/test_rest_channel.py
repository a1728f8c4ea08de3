"""The real servers (Rasa, action server, web app) on loopback, spoken to over Rasa's REST channel."""
import uuid

import pytest

from bot.client import ask, send
from tests.support.people import handoff_text
from tests.support.replies import Expected

pytestmark = pytest.mark.slow


def new_sender():
    return f"test-{uuid.uuid4().hex[:10]}"


def texts(replies):
    """The reply as one text: Rasa's REST channel sends each paragraph of a text without buttons apart."""
    return ["\n\n".join(r.get("text", "") for r in replies)]


def test_answers_dutch_in_dutch_with_source_and_buttons(servers, catalogue):
    sender = new_sender()
    replies = send(servers.rasa_url, sender, "Hallo, goedemorgen!")
    assert texts(replies) == [catalogue.render("utter_greet", "nl").text]
    assert [b["payload"] for b in replies[0]["buttons"]] == [
        b.payload for b in catalogue.get("utter_greet", "nl").buttons]

    replies = send(servers.rasa_url, sender, "Moet ik inburgeren als ik uit Oekraïne kom?")
    expected = catalogue.render("utter_obligation", "nl").text
    assert texts(replies) == [expected]
    assert catalogue.get("utter_obligation", "nl").source in expected


def test_asks_the_law_once_and_remembers_it(servers, catalogue):
    sender = new_sender()
    replies = send(servers.rasa_url, sender, "How long do I have to finish my integration?")
    assert texts(replies) == [catalogue.render("utter_ask_law", "en").text]
    payloads = [b["payload"] for b in replies[0]["buttons"]]
    assert '/ask_deadline{"law":"wi2021"}' in payloads

    replies = send(servers.rasa_url, sender, '/ask_deadline{"law":"wi2021"}')
    assert texts(replies) == [catalogue.render("utter_deadline_wi2021", "en").text]

    # The follow-up button and a new question use the remembered law without asking again.
    replies = send(servers.rasa_url, sender, "/ask_fine")
    assert texts(replies) == [catalogue.render("utter_fine_wi2021", "en").text]
    replies = send(servers.rasa_url, sender, "Can I borrow money from DUO for my course?")
    assert texts(replies) == [catalogue.render("utter_loan_wi2021", "en").text]


def test_short_messages_do_not_switch_the_language(servers, catalogue):
    sender = new_sender()
    send(servers.rasa_url, sender, "Hallo, hoeveel kost het examen inburgering?")
    replies = send(servers.rasa_url, sender, "ok")
    assert texts(replies) == [catalogue.render("utter_anything_else", "nl").text]


def test_explicit_language_switch(servers, catalogue):
    sender = new_sender()
    send(servers.rasa_url, sender, "Hallo, ik wil iets vragen over de inburgering")
    replies = send(servers.rasa_url, sender, "English please")
    assert texts(replies) == [catalogue.render("utter_language_changed", "en").text]
    replies = send(servers.rasa_url, sender, "/ask_contact_info")
    assert texts(replies) == [catalogue.render("utter_contact_info", "en").text]


def test_a_second_misunderstanding_hands_over_to_a_person(servers, catalogue):
    sender = new_sender()
    send(servers.rasa_url, sender, "Hello, I have a question")
    first = send(servers.rasa_url, sender, "/nlu_fallback")
    second = send(servers.rasa_url, sender, "/nlu_fallback")
    assert texts(first) == [catalogue.render("utter_fallback", "en").text]
    assert texts(second) == [
        f'{catalogue.render("utter_fallback_human", "en").text}\n\n{handoff_text(catalogue, "en")}']


def test_bot_ask_reports_language_intent_and_reply(servers):
    result = ask(servers.rasa_url, "Wat gebeurt er als ik te laat ben met inburgeren? Krijg ik een boete?",
                 token=servers.rasa_token)
    assert result["language"] == "nl"
    assert result["intent"] == "ask_fine"
    assert 0 < result["confidence"] <= 1
    assert result["reply"] and result["reply"][0]["text"]


def test_conversations_are_kept_in_the_sql_tracker_store(servers):
    import sqlite3

    sender = new_sender()
    send(servers.rasa_url, sender, "Hello there, how are you?")
    with sqlite3.connect(servers.directory / "tracker.db") as db:
        count = db.execute("select count(*) from events where sender_id = ?", (sender,)).fetchone()[0]
    assert count > 0


def test_the_widget_choice_sets_the_language(servers, catalogue):
    sender = new_sender()
    expected = Expected(catalogue)  # with the notice an unchecked translation gets once
    replies = send(servers.rasa_url, sender, "hi", metadata={"language": "fa"})
    assert texts(replies) == [expected.text("utter_greet", "fa")]
    # It sticks: a short message later does not switch back.
    assert texts(send(servers.rasa_url, sender, "ok")) == [expected.text("utter_anything_else", "fa")]


def test_a_channel_hint_is_used_until_a_clear_message_arrives(servers, catalogue):
    sender = new_sender()
    expected = Expected(catalogue)  # with the notice an unchecked translation gets once
    replies = send(servers.rasa_url, sender, "ok", metadata={"language_hint": "tr"})
    assert texts(replies) == [expected.text("utter_anything_else", "tr")]
    replies = send(servers.rasa_url, sender, "Hoeveel tijd heb ik om in te burgeren?", metadata={"language_hint": "tr"})
    assert texts(replies) == [expected.text("utter_ask_law", "nl")]


# --- issue 16: trusted callers, a guarded action server, CORS --------------------------------------------


def test_reserved_conversation_ids_are_refused(servers):
    import requests

    for sender in ("anonymised", "erased:0123456789abcdef", "web-abc", "tg-1", "wa-31612345678"):
        answer = requests.post(f"{servers.rasa_url}/webhooks/rest/webhook",
                               json={"sender": sender, "message": "/delete_my_data"}, timeout=30)
        assert answer.status_code == 400, sender
        assert "reserved" in answer.json()["error"]


def test_the_action_server_answers_only_rasa(servers, catalogue):
    """Any other process that reaches the port gets nothing: not even with a tracker that claims a case."""
    import requests

    actions = f"http://127.0.0.1:{servers.actions_port}"
    call = {"next_action": "action_show_case", "sender_id": "someone", "version": "3.6.21",
            "tracker": {"sender_id": "someone", "slots": {"verified_case": "INB-100001"}, "events": [],
                        "latest_message": {}}, "domain": {}}
    assert requests.get(f"{actions}/health", timeout=10).status_code == 200  # health checks stay open
    for headers in ({}, {"X-Wegwijs-Action-Token": "wrong"}, {"X-Wegwijs-Action-Token": servers.rasa_token}):
        assert requests.post(f"{actions}/webhook", json=call, headers=headers, timeout=30).status_code == 401
        assert requests.get(f"{actions}/actions", headers=headers, timeout=10).status_code == 401
    good = {"X-Wegwijs-Action-Token": servers.action_server_token}
    assert requests.get(f"{actions}/actions", headers=good, timeout=10).status_code == 200
    assert "Action server call refused" in servers.log("actions")
    # Rasa sends the token (endpoints.yml): the law-specific answer, a custom action, still comes.
    sender = new_sender()
    send(servers.rasa_url, sender, "How long do I have to finish my integration?")
    replies = send(servers.rasa_url, sender, '/ask_deadline{"law":"wi2021"}')
    assert texts(replies) == [catalogue.render("utter_deadline_wi2021", "en").text]


def test_browsers_may_call_rasa_from_the_widgets_sites_only(servers):
    """The HTTP API is on, so CORS is never `*`: only the sites in WEGWIJS_WIDGET_ORIGINS (here the web app)."""
    import requests

    def preflight(origin):
        return requests.options(f"{servers.rasa_url}/webhooks/webchat/session", timeout=10, headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"}).headers.get("Access-Control-Allow-Origin")

    assert preflight(servers.web_url) == servers.web_url
    assert preflight("https://evil.example") is None
