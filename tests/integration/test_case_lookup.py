"""A newcomer checks their own case over the REST channel, against SQLite and PostgreSQL."""
import datetime as dt
import subprocess
import sys
import uuid

import pytest

from bot.cases import find_case, summarise
from bot.client import send
from bot.config import PROJECT_ROOT
from bot.db import sessions_for, transaction
from bot.devservers import Servers
from bot.devservers.databases import database
from bot.dialogue.replies import case_status_replies
from tests.support.people import handoff_text

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def case_servers(request, tmp_path_factory, model_path):
    directory = tmp_path_factory.mktemp(f"cases-{request.param}")
    with database(request.param, directory) as url:
        servers = Servers(directory, database_url=url)
        imported = subprocess.run(
            [sys.executable, "-m", "bot", "cases", "import", str(PROJECT_ROOT / "data" / "demo" / "cases.csv")],
            cwd=PROJECT_ROOT, env=servers.env(), capture_output=True, text=True,
        )
        assert imported.returncode == 0, imported.stderr
        servers.start()
        yield servers
        servers.stop()


def texts(replies):
    """The reply as one text: Rasa's REST channel sends each paragraph of a text without buttons apart."""
    return "\n\n".join(r.get("text", "") for r in replies)


def rendered(catalogue, *names, language="en", **arguments):
    return "\n\n".join(catalogue.render(name, language, arguments).text for name in names)


def expected_status(servers, catalogue, case_number, language):
    with transaction(sessions_for(servers.database_url)) as session:
        summary = summarise(find_case(session, case_number), today=dt.date.today())
    return "\n\n".join(catalogue.render(r.response, language, r.arguments).text for r in case_status_replies(summary))


def test_verify_then_read_the_status(case_servers, catalogue):
    sender = f"case-{uuid.uuid4().hex[:8]}"
    url = case_servers.rasa_url
    ask_number = rendered(catalogue, "utter_ask_case_lookup_form_case_number")
    assert texts(send(url, sender, "I want to check the status of my own case")) == ask_number
    # Bad input gets a clear re-ask.
    assert texts(send(url, sender, "my number is 12345")) == rendered(
        catalogue, "utter_case_number_invalid", "utter_ask_case_lookup_form_case_number"
    )
    assert texts(send(url, sender, "inb 100001")) == rendered(catalogue, "utter_ask_case_lookup_form_date_of_birth")
    assert texts(send(url, sender, "32-05-1990")) == rendered(
        catalogue, "utter_date_of_birth_invalid", "utter_ask_case_lookup_form_date_of_birth"
    )
    status = expected_status(case_servers, catalogue, "INB-100001", "en")
    replies = send(url, sender, "17-05-1990")
    assert texts(replies) == status
    assert "Sanne de Vries" in status and "writing exam" in status
    assert [b["payload"] for b in replies[-1]["buttons"]] == ["/ask_extension", "/ask_fine", "/request_human"]

    # Verified for the rest of the conversation: no questions the second time.
    assert texts(send(url, sender, "/check_case_status")) == status
    # "stop" ends it: the next lookup asks again.
    send(url, sender, "stop")
    assert texts(send(url, sender, "/check_case_status")) == ask_number
    send(url, sender, "stop")


def test_goodbye_and_forget_me_end_the_verification(case_servers, catalogue):
    url = case_servers.rasa_url
    ask_number = rendered(catalogue, "utter_ask_case_lookup_form_case_number")
    for ending in ("goodbye!", "forget me please"):
        sender = f"case-{uuid.uuid4().hex[:8]}"
        send(url, sender, "Hello, good morning!")
        send(url, sender, "/check_case_status")
        send(url, sender, "INB-100001")
        assert "Sanne de Vries" in texts(send(url, sender, "17-05-1990"))
        send(url, sender, ending)
        assert texts(send(url, sender, "/check_case_status")) == ask_number


def test_dutch_both_details_at_once(case_servers, catalogue):
    sender = f"case-{uuid.uuid4().hex[:8]}"
    send(case_servers.rasa_url, sender, "Hallo, goedemorgen!")
    replies = send(case_servers.rasa_url, sender, "Ik wil mijn dossier INB-100002 bekijken, geboren 02-11-1985")
    assert texts(replies) == expected_status(case_servers, catalogue, "INB-100002", "nl")


def test_another_sender_never_sees_the_case(case_servers, catalogue):
    first, second = (f"case-{uuid.uuid4().hex[:8]}" for _ in range(2))
    send(case_servers.rasa_url, first, "Hello, good morning!")
    send(case_servers.rasa_url, second, "Hello, good morning!")
    send(case_servers.rasa_url, first, "/check_case_status")
    send(case_servers.rasa_url, first, "INB-100003")
    send(case_servers.rasa_url, first, "28-02-2001")
    assert texts(send(case_servers.rasa_url, second, "/check_case_status")) == rendered(
        catalogue, "utter_ask_case_lookup_form_case_number"
    )


def test_stop_ends_the_lookup(case_servers, catalogue):
    sender = f"case-{uuid.uuid4().hex[:8]}"
    send(case_servers.rasa_url, sender, "Hello, good morning!")
    send(case_servers.rasa_url, sender, "/check_case_status")
    assert texts(send(case_servers.rasa_url, sender, "stop")) == rendered(catalogue, "utter_case_lookup_stopped")


def test_three_failures_lock_out_with_the_same_answer(case_servers, catalogue):
    sender = f"case-{uuid.uuid4().hex[:8]}"
    url = case_servers.rasa_url
    send(url, sender, "Hello, good morning!")
    answers = []
    for number, birth in (("INB-100004", "01-01-1970"), ("INB-999999", "04-07-1978"), ("INB-100004", "02-02-1970")):
        send(url, sender, "/check_case_status")
        send(url, sender, number)
        answers.append(texts(send(url, sender, birth)))
    not_verified = rendered(catalogue, "utter_case_not_verified")
    # A wrong birth date and a wrong case number get the same answer.
    assert answers[0] == answers[1] == not_verified
    # Locked out: a person takes over.
    locked = rendered(catalogue, "utter_case_locked", minutes=15)
    assert answers[2] == f"{locked}\n\n{handoff_text(catalogue, 'en')}"
    # Locked: even the right details are refused now (the handoff is already there).
    send(url, sender, "/check_case_status")
    send(url, sender, "INB-100004")
    assert texts(send(url, sender, "04-07-1978")) == f"{locked}\n\n{rendered(catalogue, 'utter_handoff_already_open')}"


def test_no_case_data_in_any_log(case_servers):
    """Runs after the conversations above: no server wrote a case number or birth date to its log."""
    logs = "".join(case_servers.log(name) for name in ("rasa", "actions", "web"))
    assert logs, "the servers wrote no logs at all"
    for secret in ("INB-1000", "inb 1000", "1990-05-17", "17-05-1990", "1985-11-02", "Sanne de Vries"):
        assert secret not in logs
