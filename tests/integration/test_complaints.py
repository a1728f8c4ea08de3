"""Complaints end to end with the real servers: a newcomer files a complaint in the web chat, staff answer it
in the console, the newcomer is told on their channel and can check the status from another conversation
with the reference and code; other bodies get their address, decisions the objection way."""
import re
import sqlite3

import pytest

from bot.devservers import Servers
from tests.support.people import ConsoleClient, WebUser, add_staff

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def servers(tmp_path_factory, model_path):
    running = Servers(tmp_path_factory.mktemp("complaints")).start()
    add_staff(running)
    yield running
    running.stop()


def texts(messages):
    return [m["text"] for m in messages]


def render(catalogue, name, language="en", **arguments):
    return catalogue.render(name, language, arguments).text


def test_from_complaint_to_staff_answer_to_status(servers, catalogue):
    user = WebUser(servers)
    assert texts(user.say("I want to file a complaint about the municipality")) == [
        render(catalogue, "utter_ask_complaint_form_complaint_kind")]
    assert texts(user.say('/choose{"complaint_kind":"treatment"}')) == [
        render(catalogue, "utter_ask_complaint_form_complaint_body")]
    assert texts(user.say('/choose{"complaint_body":"municipality"}')) == [
        render(catalogue, "utter_ask_complaint_form_complaint_theme")]
    # Typing a button's title works like pressing it.
    assert texts(user.say("Wrong information")) == [render(catalogue, "utter_ask_complaint_form_complaint_what")]
    # Bad input: emoji only, then far too long; each gets a clear answer and the question again.
    assert texts(user.say("😡😡😡")) == [render(catalogue, "utter_complaint_text_invalid"),
                                        render(catalogue, "utter_ask_complaint_form_complaint_what")]
    assert texts(user.say("x" * 4000))[0] == render(catalogue, "utter_complaint_text_too_long", maximum=3000)
    user.say("They sent me the wrong letter about my PIP, twice.")
    user.say("October 2026")
    assert texts(user.say("A correct letter and an apology")) == [
        render(catalogue, "utter_ask_complaint_form_complaint_contact")]
    summary = user.say('/choose{"complaint_contact":"chat"}')
    assert "They sent me the wrong letter about my PIP, twice." in summary[0]["text"]
    assert [b["payload"] for b in summary[0]["buttons"]][0] == '/choose{"complaint_review":"send"}'
    # Correct one part, then send.
    assert texts(user.say('/choose{"complaint_review":"complaint_when"}')) == [
        render(catalogue, "utter_ask_complaint_form_complaint_when")]
    assert "early October 2026" in user.say("early October 2026")[0]["text"]
    filed = user.say('/choose{"complaint_review":"send"}')[0]["text"]
    reference = re.search(r"KL-\d{4}-[2-9A-HJ-NP-Z]{6}", filed).group(0)
    code = re.search(r"\b\d{6}\b", filed.replace(reference, "")).group(0)
    assert filed == render(catalogue, "utter_complaint_filed", reference=reference, code=code, weeks=6)

    # Staff see it, answer it; the newcomer is told in the chat.
    coco = ConsoleClient(servers, "coco")
    listing = coco.get("/complaints", status="received")
    assert reference in listing
    complaint_id = int(re.search(r'/console/complaints/(\d+)">' + reference, listing).group(1))
    page = coco.get(f"/complaints/{complaint_id}")
    assert "early October 2026" in page and "They sent me the wrong letter" in page
    refused = coco.post(f"/complaints/{complaint_id}/status", status="answered", answer="")
    assert "write the answer" in refused.text
    done = coco.post(f"/complaints/{complaint_id}/status", status="answered",
                     answer="We are sorry. A corrected letter is on its way.")
    assert "the newcomer has been told" in done.text
    news = texts(user.history()["messages"][-2:])
    assert news == [render(catalogue, "utter_complaint_update", reference=reference,
                           status=["label_complaint_status_answered"]),
                    render(catalogue, "utter_complaint_answer",
                           answer="We are sorry. A corrected letter is on its way.")]

    # From this conversation the reference is enough.
    assert texts(user.say(f"what is the status of my complaint {reference}"))[0] == render(
        catalogue, "utter_complaint_status", reference=reference, status=["label_complaint_status_answered"])

    # From another conversation: the code is needed; a wrong one shows nothing.
    stranger = WebUser(servers)
    assert texts(stranger.say(f"status of complaint {reference}")) == [
        render(catalogue, "utter_ask_complaint_status_form_complaint_code")]
    assert texts(stranger.say("000001" if code != "000001" else "000002")) == [
        render(catalogue, "utter_complaint_not_found")]
    stranger.say(f"status of complaint {reference}")
    assert texts(stranger.say(code))[0] == render(catalogue, "utter_complaint_status", reference=reference,
                                                  status=["label_complaint_status_answered"])

    themes = coco.get("/complaints/themes")
    assert "municipality" in themes and "information" in themes


def test_a_wrong_reference_format_is_explained(servers, catalogue):
    user = WebUser(servers)
    user.say("how is my complaint going?")
    assert texts(user.say("KL-12")) == [render(catalogue, "utter_complaint_reference_invalid"),
                                        render(catalogue, "utter_ask_complaint_status_form_complaint_reference")]


def test_other_bodies_and_decisions_are_referred_and_recorded(servers, catalogue):
    user = WebUser(servers)
    user.say("I want to complain")
    user.say('/choose{"complaint_kind":"treatment"}')
    assert texts(user.say('/choose{"complaint_body":"coa"}')) == [render(catalogue, "utter_complaint_refer_coa")]
    other = WebUser(servers)
    other.say("I want to complain")
    assert texts(other.say('/choose{"complaint_kind":"decision"}')) == [
        render(catalogue, "utter_ask_complaint_form_decision_body")]  # who decided: the term depends on it
    assert texts(other.say('/choose{"decision_body":"unknown"}')) == [
        render(catalogue, "utter_ask_complaint_form_decision_date")]
    answer = texts(other.say('/choose{"decision_date":"unknown"}'))
    assert answer == [render(catalogue, "utter_objection_info")]
    with sqlite3.connect(servers.directory / "wegwijs.db") as db:
        kinds = db.execute("SELECT kind, body FROM complaints WHERE kind = 'referral' ORDER BY id").fetchall()
    assert kinds == [("referral", "coa"), ("referral", "objection")]


def test_over_rasas_rest_channel_from_complaint_to_the_answer(servers, catalogue):
    """The same path for an integration on the REST channel: it cannot be told unasked, so the newcomer
    asks for the status and gets the staff's answer."""
    from bot.client import send

    sender = "rest-complainant"

    def say(text):
        return "\n\n".join(m.get("text", "") for m in send(servers.rasa_url, sender, text))

    say("I want to file a complaint about the municipality")
    for step in ('/choose{"complaint_kind":"treatment"}', '/choose{"complaint_body":"municipality"}',
                 '/choose{"complaint_theme":"waiting"}', "Nobody answered my three e-mails since May.", "May 2026",
                 "An answer to my question", '/choose{"complaint_contact":"chat"}'):
        say(step)
    filed = say('/choose{"complaint_review":"send"}')
    reference = re.search(r"KL-\d{4}-[2-9A-HJ-NP-Z]{6}", filed).group(0)
    coco = ConsoleClient(servers, "coco")
    complaint_id = int(re.search(r'/console/complaints/(\d+)">' + reference, coco.get("/complaints")).group(1))
    coco.post(f"/complaints/{complaint_id}/status", status="answered", answer="Your contact person calls you today.")
    status = say(f"how is my complaint {reference} going?")
    assert render(catalogue, "utter_complaint_status", reference=reference,
                  status=["label_complaint_status_answered"]) in status
    assert "Your contact person calls you today." in status
