"""Privacy with the real servers: "forget me" leaves nothing in either database and nothing comes back, also
when messages keep coming; retention deletes old messages of an active conversation, which is still
answered; no complaint code is stored in a conversation; the Rasa-side privacy routes are not open."""
import datetime as dt
import json
import re
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
import requests

from bot.devservers import ROOT, Servers
from bot.privacy.rasa_client import RasaPrivacy
from tests.support.people import WebUser, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def servers(tmp_path_factory, model_path):
    running = Servers(tmp_path_factory.mktemp("privacy")).start()
    yield running
    running.stop()


def sender_of(user):
    return "web-" + user.session.split(".")[0]


def tracker_rows(servers, sender):
    with sqlite3.connect(servers.directory / "tracker.db") as db:
        return db.execute("SELECT id, type_name, timestamp, data FROM events WHERE sender_id = ? ORDER BY id",
                          (sender,)).fetchall()


def app_rows(servers, query, *parameters):
    with sqlite3.connect(servers.directory / "wegwijs.db") as db:
        return db.execute(query, parameters).fetchall()


def texts(messages):
    return [m["text"] for m in messages]


def test_forget_me_leaves_nothing_and_nothing_comes_back(servers, catalogue):
    user = WebUser(servers)
    sender = sender_of(user)
    user.say("I want to talk to a real person")
    assert texts(user.say("please delete my data")) == [catalogue.render("utter_ask_erase_confirm", "en").text]
    assert texts(user.say("/affirm")) == [catalogue.render("utter_data_erased", "en").text]
    assert user.say("How long do I have to finish my integration?")  # right after: a new start, answered
    wait_until(lambda: app_rows(servers, "SELECT COUNT(*) FROM erasure_requests") == [(0,)], timeout=30)
    user.say("Do I have to integrate?")  # another turn after the erasure
    stored = " ".join(row[3] for row in tracker_rows(servers, sender))
    for said in ("real person", "delete my data", "/affirm", "affirm"):
        assert said not in stored
    assert "How long do I have to finish my integration?" in stored and "Do I have to integrate?" in stored
    assert [m["text"] for m in user.history()["messages"] if m["from"] == "user"] == [
        "How long do I have to finish my integration?", "Do I have to integrate?"]
    assert app_rows(servers, "SELECT COUNT(*) FROM handoffs WHERE sender_id = ?", sender) == [(0,)]
    assert app_rows(servers, "SELECT COUNT(*) FROM audit_log WHERE sender_id = ?", sender) == [(0,)]


def test_an_erasure_while_messages_keep_coming_leaves_nothing_before_it(servers):
    user = WebUser(servers)
    sender = sender_of(user)
    user.say("Hello!")
    questions = ["Do I have to integrate?", "How much does the exam cost?", "What is the KNM exam?",
                 "Can I get a loan from DUO?", "How long do I have to finish my integration?", "Thank you"]
    talking = threading.Thread(target=lambda: [user.say(question) for question in questions])
    talking.start()
    rasa, moments = RasaPrivacy(servers.rasa_url, servers.rasa_token), []
    while talking.is_alive():  # erase again and again, mid-turn or between turns
        moments.append(dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))
        assert rasa.erase(sender, moments[-1], wait=True) is not None
        time.sleep(0.05)
    talking.join()
    assert len(moments) > 3
    last = moments[-1].replace(tzinfo=dt.timezone.utc).timestamp()
    rows = tracker_rows(servers, sender)
    assert [row for row in rows if row[2] <= last] == []  # nothing from before the last erasure came back
    assert all(row[2] > last for row in rows)


def _say_and_age(servers, user, said, days, but_the_last_turn=False):
    """Says the texts, then makes the conversation so far (but its last turn) `days` older."""
    for text in said:
        user.say(text)
    with sqlite3.connect(servers.directory / "tracker.db") as db:
        (last_turn,) = db.execute("SELECT MAX(id) FROM events WHERE sender_id = ? AND type_name = 'user'",
                                  (sender_of(user),)).fetchone()
        db.execute("UPDATE events SET timestamp = timestamp - ? WHERE sender_id = ? AND id < ?",
                   (days * 86400, sender_of(user), last_turn if but_the_last_turn else last_turn + 10**9))


def run_retention(servers):
    result = subprocess.run([sys.executable, "-m", "bot", "retention", "run"], cwd=ROOT, env=servers.env(),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "Retention (" in result.stdout, result.stdout + result.stderr
    return result.stdout


def test_retention_deletes_old_messages_of_active_conversations_which_are_still_answered(servers, catalogue):
    active, idle = WebUser(servers), WebUser(servers)
    # One session that began 100 days ago and goes on today: its old messages go, the session stays.
    _say_and_age(servers, active, ["Hello!", "Do I have to integrate?", "How much does the exam cost?"], days=100,
                 but_the_last_turn=True)
    _say_and_age(servers, idle, ["Hello!"], days=100)
    output = run_retention(servers)
    assert "messages" in output
    stored = tracker_rows(servers, sender_of(active))
    assert "Do I have to integrate?" not in " ".join(row[3] for row in stored)
    assert {row[1] for row in stored if row[2] < time.time() - 90 * 86400} <= {"session_started", "pause", "resume"}
    assert tracker_rows(servers, sender_of(idle)) == []
    # Rasa still loads both and answers as usual.
    for user in (active, idle):
        assert texts(user.say("How long do I have to finish my integration?")) == texts(
            WebUser(servers).say("How long do I have to finish my integration?"))
    tracker = requests.get(f"{servers.rasa_url}/conversations/{sender_of(active)}/tracker",
                           params={"token": servers.rasa_token}, timeout=30)
    assert tracker.status_code == 200 and tracker.json()["latest_message"]["text"].startswith("How long")


def test_no_complaint_code_is_stored_in_a_conversation(servers):
    user = WebUser(servers)
    user.say("I want to file a complaint about the municipality")
    user.say('/choose{"complaint_kind":"treatment"}')
    user.say('/choose{"complaint_body":"municipality"}')
    user.say("Wrong information")
    user.say("They sent me the wrong letter about my PIP, twice.")
    user.say("October 2026")
    user.say("A correct letter and an apology")
    user.say('/choose{"complaint_contact":"chat"}')
    filed = user.say('/choose{"complaint_review":"send"}')[0]["text"]
    reference = re.search(r"KL-\d{4}-[2-9A-HJ-NP-Z]{6}", filed).group(0)
    code = re.search(r"\b\d{6}\b", filed.replace(reference, "")).group(0)  # shown once, to the newcomer
    stranger = WebUser(servers)  # another phone: the code is needed
    stranger.say(f"status of complaint {reference}")
    answer = texts(stranger.say(code))
    assert reference in answer[0]
    for person in (user, stranger):
        rows = tracker_rows(servers, sender_of(person))
        assert reference in json.dumps([row[3] for row in rows])
        leaks = [row[3] for row in rows if re.search(rf"(?<!\d){code}(?!\d)", row[3])]
        assert leaks == []
    assert not re.search(rf"(?<!\d){code}(?!\d)", json.dumps(user.history(), ensure_ascii=False))


def test_the_privacy_routes_need_the_token_and_clear_input(servers):
    url = f"{servers.rasa_url}/privacy/erase"
    body = {"sender": "web-someone", "until": None, "wait": False}
    assert requests.post(url, json=body, timeout=30).status_code == 403
    wrong = requests.post(url, json=body, headers={"Authorization": "Bearer wrong"}, timeout=30)
    assert wrong.status_code == 403 and "token" in wrong.json()["error"]
    good = {"Authorization": f"Bearer {servers.rasa_token}"}
    for bad in ({"sender": 5}, {"sender": "x", "until": "yesterday"}, {"sender": "x", "wait": "no"}):
        refused = requests.post(url, json=bad, headers=good, timeout=30)
        assert refused.status_code == 400 and "send JSON" in refused.json()["error"]
    not_json = requests.post(url, data=b"\xff{", headers=good, timeout=30)
    assert not_json.status_code == 400
    assert requests.post(url, json=body, headers=good, timeout=30).json() == {"erased": 0, "remaining": 0}
    # Not among the channels nginx makes public (/webhooks/...).
    assert requests.post(f"{servers.rasa_url}/webhooks/privacy/erase", json=body, headers=good,
                         timeout=30).status_code == 404
