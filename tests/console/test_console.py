"""The console package over HTTP against the real web app (with Rasa, the action server and a played WhatsApp
Graph API): every route of the table is served and closed to strangers, every POST checks the CSRF token, a
page shows only the console's own notices, staff log in, take, reply and send a failed reply again, filter
the complaints, review a conversation, and read the numbers; need-to-know per role (403, audited), logins
that never tell and cannot lock an account, logout, and disabling an account."""
import csv
import datetime as dt
import io
import re
import subprocess
import sys
import time
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest
import requests
from requests.adapters import HTTPAdapter
from sqlalchemy import func, select

from bot.complaints.register import ComplaintDraft, file_complaint, record_referral
from bot.config import Settings
from bot.console import ROUTES
from bot.console.auth import LOGIN_FAILED
from bot.console.http import STALE_FORM
from bot.db import sessions_for, transaction
from bot.devservers import ROOT, Servers
from bot.handoff import workflow
from bot.models import AnswerFeedback, AuditEntry, Complaint, Handoff, Staff, StaffSession, utc_now
from tests.support.fake_apis import FakeGraph
from tests.support.people import PASSWORD, ConsoleClient, WebUser, add_staff, csrf_of, newest_handoff, wait_until
from tests.support.whatsapp import PHONE_ID, TOKEN, new_sender, payload, post, to, whatsapp_settings

pytestmark = pytest.mark.slow
OFFICE_HOURS = "mon-sun 00:00-23:59"  # colleagues answer whenever the tests run
# What a form could carry: were the CSRF check skipped, each POST route would change something with these.
FORM_FIELDS = {"text": "probe", "outcome": "answered", "assignee": "", "status": "closed", "answer": "probe",
               "theme": "money", "note": "probe", "timestamp": "0", "confirm": "yes", "reason": "probe reason"}
# Besides the usual team: a complaints officer, and accounts for the login and disabling tests.
MORE_STAFF = [("klaas", "Klaas Klacht", "complaints"), ("lotte", "Lotte Login", "contact_person"),
              ("dirk", "Dirk Vertrek", "contact_person")]


@pytest.fixture(scope="module")
def world(tmp_path_factory, model_path):
    graph = FakeGraph(TOKEN, PHONE_ID).start()
    servers = Servers(tmp_path_factory.mktemp("console"),
                      extra_env={**whatsapp_settings(graph), "WEGWIJS_OFFICE_HOURS": OFFICE_HOURS}).start()
    add_staff(servers)
    add_staff(servers, MORE_STAFF)
    yield graph, servers
    servers.stop()
    graph.stop()


@pytest.fixture(scope="module")
def app_db(world):
    """The web app's own database (the servers' SQLite file), for arranging and checking what is stored."""
    _, servers = world
    return sessions_for(f"sqlite:///{servers.directory / 'wegwijs.db'}")


def draft(sender_id, language="en"):
    return ComplaintDraft(sender_id=sender_id, channel="webchat", language=language, theme="waiting",
                          what="Nobody answered my three letters.", happened_when="May 2026",
                          wish="An answer to my question", contact="chat")


@pytest.fixture(scope="module")
def probe(app_db):
    """A waiting handoff and a received complaint, stored directly, for the routes' path parameters."""
    with transaction(app_db) as session:
        handoff, _ = workflow.request_handoff(session, workflow.HandoffRequest("probe-sender", "webchat", "en",
                                                                               "asked"))
        complaint, _ = file_complaint(session, Settings().secret_key, draft("probe-sender"))
    return {"handoff_id": handoff.id, "complaint_id": complaint.id, "sender": "probe-sender"}


def url_of(servers, route, probe):
    path = route.path.replace("<handoff_id:int>", str(probe["handoff_id"]))
    return f"{servers.web_url}/console{path.replace('<complaint_id:int>', str(probe['complaint_id']))}"


def stored_state(sessions):
    """Everything a console POST could change (logins and page views aside)."""
    with sessions() as session:
        actions = [a for a in session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))
                   if a != "login" and not a.startswith("view_")]
        return {
            "actions": actions,
            "handoffs": session.execute(select(Handoff.id, Handoff.status, Handoff.assigned_to_id)).all(),
            "complaints": session.execute(select(Complaint.id, Complaint.status, Complaint.theme)).all(),
            "notes": session.scalar(select(func.count()).select_from(AnswerFeedback)),
            "sessions": session.scalar(select(func.count()).select_from(StaffSession)),
        }


def test_every_route_of_the_table_is_served_and_closed_to_strangers(world, probe):
    _, servers = world
    stranger = requests.Session()
    for route in ROUTES:
        url = url_of(servers, route, probe)
        if not route.staff:
            continue
        if route.method == "GET":
            answer = stranger.get(url, allow_redirects=False, timeout=30)
            assert (answer.status_code, answer.headers["Location"]) == (302, "/console/login"), route
            fragment = stranger.get(url, params={"fragment": "1"}, allow_redirects=False, timeout=30)
            assert fragment.status_code == 401 and fragment.json() == {"error": "log in again"}, route
        else:
            answer = stranger.post(url, data={"csrf": "anything", **FORM_FIELDS}, allow_redirects=False, timeout=30)
            assert answer.status_code == 401 and answer.json() == {"error": "log in again"}, route
    login = stranger.get(f"{servers.web_url}/console/login", timeout=30)
    assert login.status_code == 200 and "default-src 'self'" in login.headers["Content-Security-Policy"]
    assert "Log in" in login.text and "wegwijs_login" in login.headers["Set-Cookie"]
    assert stranger.get(f"{servers.web_url}/console/static/console.css", timeout=30).status_code == 200


def test_every_post_route_checks_the_csrf_token(world, app_db, probe):
    _, servers = world
    coco = ConsoleClient(servers, "coco")  # a coordinator: every action would be allowed with the token
    before = stored_state(app_db)
    posts = [route for route in ROUTES if route.method == "POST" and route.staff]
    assert len(posts) == 12
    for route in posts:
        for forged in ({"csrf": "forged"}, {}, {"csrf": coco.csrf + "x"}):
            data = {**FORM_FIELDS, "sender": probe["sender"], **forged}
            answer = coco.http.post(url_of(servers, route, probe), data=data, allow_redirects=False, timeout=30)
            assert (answer.status_code, answer.text) == (403, STALE_FORM), route
            assert "default-src 'self'" in answer.headers["Content-Security-Policy"]
    assert stored_state(app_db) == before
    assert "Log out" in coco.get("/queue")  # the forged logout did not end the session
    nonce_missing = requests.post(f"{servers.web_url}/console/login",
                                  data={"username": "coco", "password": "correct horse battery"}, timeout=30)
    assert nonce_missing.status_code == 403 and "The form was out of date" in nonce_missing.text


def test_a_page_shows_only_the_consoles_own_notices(world, probe):
    _, servers = world
    ahmed, sanne = ConsoleClient(servers, "ahmed"), ConsoleClient(servers, "sanne")
    refused = ahmed.post(f"/handoffs/{probe['handoff_id']}/close", outcome="whatever")
    notice = "Not possible: choose an outcome."
    assert f'<p class="notice" role="status">{notice}</p>' in refused.text
    query = parse_qs(urlsplit(refused.url).query)
    assert query["notice"] == [notice] and len(query["seal"][0]) == 32
    page = f"{servers.web_url}/console/handoffs/{probe['handoff_id']}"

    def shown(client, **params):
        html = client.http.get(f"{page}?{urlencode(params, quote_via=quote)}", timeout=30).text
        assert f"Handoff {probe['handoff_id']}" in html
        return re.findall(r'<p class="notice" role="status">([^<]*)</p>', html)

    assert shown(ahmed, notice=notice, seal=query["seal"][0]) == [notice]
    assert shown(sanne, notice=notice, seal=query["seal"][0]) == []  # sealed for Ahmed's session only
    assert shown(ahmed, notice="Call 0900-1234 to keep your account.") == []
    assert shown(ahmed, notice="Call 0900-1234 to keep your account.", seal=query["seal"][0]) == []
    assert shown(ahmed, notice="Reassigned.", seal="0" * 32) == []


def test_log_in_queue_take_reply_and_send_again(world, app_db):
    graph, servers = world
    sender = new_sender()
    post(servers, payload(sender, {"type": "text", "text": {"body": "Ik wil met een medewerker praten"}}))
    wait_until(lambda: to(graph, sender))
    ahmed = ConsoleClient(servers, "ahmed")
    queue = ahmed.get("/queue", view="waiting")
    handoff_id = newest_handoff(queue)
    assert "whatsapp" in queue and "asked for a person" in queue
    taken = ahmed.post(f"/handoffs/{handoff_id}/take")
    assert taken.status_code == 200 and f"Handoff {handoff_id}: taken by Ahmed Bakker" in taken.text
    assert f"/console/handoffs/{handoff_id}" in ahmed.get("/queue", view="mine")

    graph.closed_windows.add(sender)  # WhatsApp refuses free text: the reply fails and is kept
    failed = ahmed.post(f"/handoffs/{handoff_id}/reply", text="Goedemorgen, ik bel u vandaag.").text
    assert "Not delivered" in failed and "24-hour window" in failed and "Send again" in failed
    graph.closed_windows.clear()
    delivered = len(to(graph, sender))

    # A colleague who does not hold the handoff cannot send it again (as she could not reply).
    sanne = ConsoleClient(servers, "sanne")
    refused = sanne.post(f"/handoffs/{handoff_id}/send-again")
    assert "Not sent: taken by Ahmed Bakker." in refused.text
    time.sleep(1)
    assert len(to(graph, sender)) == delivered and 'class="reply-failed"' in ahmed.get(f"/handoffs/{handoff_id}")

    again = ahmed.post(f"/handoffs/{handoff_id}/send-again")
    assert again.status_code == 200 and "Not delivered" not in again.text
    wait_until(lambda: any(m.get("text", {}).get("body") == "Goedemorgen, ik bel u vandaag."
                           for m in to(graph, sender)))
    assert 'class="reply-sent"' in ahmed.get(f"/handoffs/{handoff_id}")
    with app_db() as session:
        who = session.execute(select(Staff.username, AuditEntry.action).join(Staff, AuditEntry.staff_id == Staff.id)
                              .where(AuditEntry.handoff_id == handoff_id).order_by(AuditEntry.id)).all()
    assert [tuple(row) for row in who if row[1] != "view_handoff"] == [
        ("ahmed", "take"), ("ahmed", "reply"), ("ahmed", "send_again")]


def test_the_complaints_list_filters(world, app_db):
    _, servers = world
    references = {}
    with transaction(app_db) as session:
        for name, language, status, body, days in [("new_en", "en", "received", "municipality", 0),
                                                   ("closed_en", "en", "closed", "duo", 10),
                                                   ("old_ar", "ar", "in_progress", "municipality", 40)]:
            complaint, _ = file_complaint(session, Settings().secret_key, draft(f"filter-{name}", language))
            complaint.status, complaint.body = status, body
            complaint.created_at = utc_now() - dt.timedelta(days=days, minutes=1)
            references[name] = complaint.reference
        record_referral(session, "filter-referral", "webchat", "en", "coa")
    coco = ConsoleClient(servers, "coco")

    def listed(**filters):
        html = coco.get("/complaints", **filters)
        return [name for _, name in sorted((html.index(ref), name) for name, ref in references.items() if ref in html)]

    assert listed() == ["new_en", "closed_en", "old_ar"]  # newest first
    assert listed(status="received") == ["new_en"]
    assert listed(status="in_progress") == ["old_ar"]
    assert listed(language="en") == ["new_en", "closed_en"]
    assert listed(body="duo") == ["closed_en"]
    assert listed(older_than="30") == ["old_ar"]
    assert listed(older_than="7", language="en") == ["closed_en"]
    assert listed(older_than="99999") == []
    # What is not one of the known values is ignored, as is a number of days too long to mean anything.
    everything = ["new_en", "closed_en", "old_ar"]
    assert listed(status="made_up", body="nowhere", language="xx", older_than="soon") == everything
    assert listed(older_than="1234567") == everything
    assert "No complaints match." in coco.get("/complaints", status="referred")  # referrals are not listed
    assert 'value="duo" selected' in coco.get("/complaints", body="duo")


def test_review_note_a_wrong_answer_export_and_erase(world, app_db):
    _, servers = world
    user = WebUser(servers)
    assert user.say("Hoeveel kost het examen?")
    sender = "web-" + user.session.split(".")[0]
    coco = ConsoleClient(servers, "coco")
    assert f"/console/conversation?sender={quote(sender, safe='')}" in coco.get("/conversations")
    page = coco.get("/conversation", sender=sender)
    timestamp = re.search(r'name="timestamp" value="([^"]+)"', page).group(1)
    assert "Write a note for an answer" in coco.post("/feedback", sender=sender, timestamp=timestamp, note=" ").text
    assert "Write a note for an answer" in coco.post("/feedback", sender=sender, timestamp="1.5", note="wrong").text
    noted = coco.post("/feedback", sender=sender, timestamp=timestamp, note='=HYPERLINK("http://x") the price is old')
    assert "Noted for the content editors." in noted.text
    export = coco.http.get(f"{coco.base}/feedback.csv", timeout=30)
    assert export.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert export.headers["Content-Disposition"] == 'attachment; filename="answer-feedback.csv"'
    rows = list(csv.reader(io.StringIO(export.text)))
    assert rows[0] == ["noted_at", "staff", "language", "response", "answered_at", "answer_text", "note"]
    assert rows[-1][1] == "Coco Coordinator" and rows[-1][3].startswith("utter_")
    assert rows[-1][6] == '\'=HYPERLINK("http://x") the price is old'  # no formula in a spreadsheet

    unconfirmed = coco.post("/conversation/erase", sender=sender, reason="asked by phone")
    assert "Tick the box to confirm the erasure." in unconfirmed.text
    for reason in ("", "   ", "ok", "x" * 151):  # the reason is required: a few words, not a story
        unexplained = coco.post("/conversation/erase", sender=sender, confirm="yes", reason=reason)
        assert "Give the reason for the erasure" in unexplained.text, reason
    assert coco.get("/conversation", sender=sender)  # still there
    erased = coco.post("/conversation/erase", sender=sender, confirm="yes", reason=" The newcomer\nasked by phone ")
    assert urlsplit(erased.url).path == "/console/conversations" and "Erased: " in erased.text
    assert "1 notes" in erased.text
    with app_db() as session:
        entries = session.execute(select(AuditEntry.action, AuditEntry.detail, AuditEntry.sender_id)
                                  .where(AuditEntry.action.in_(("erase_requested", "erase")))
                                  .order_by(AuditEntry.id)).all()
    (requested, requested_detail, requested_sender), (done, _, done_sender) = entries[-2:]
    assert (requested, requested_detail, done) == ("erase_requested", "reason: The newcomer asked by phone", "erase")
    assert requested_sender == done_sender and requested_sender.startswith("erased:")  # no conversation id kept
    gone = coco.http.get(f"{coco.base}/conversation", params={"sender": sender}, timeout=30)
    assert gone.status_code == 404 and "There is no such conversation." in gone.text


def test_the_numbers_and_the_themes_report(world):
    _, servers = world
    coco = ConsoleClient(servers, "coco")
    stats = coco.get("/stats")
    assert 'class="chart"' in stats and "Median time to the first reply" in stats
    assert "municipality" in coco.get("/complaints/themes")
    export = coco.http.get(f"{coco.base}/complaints/themes.csv", timeout=30)
    assert export.headers["Content-Disposition"] == 'attachment; filename="complaint-themes.csv"'
    rows = export.text.splitlines()
    assert rows[0] == "month,body,theme,count" and any(",municipality,waiting," in row for row in rows)
    assert "default-src 'self'" in export.headers["Content-Security-Policy"]


# --- need-to-know (bot/authorization.py) over HTTP --------------------------------------------------------


def refused_entries(app_db, username):
    with app_db() as session:
        return session.execute(select(AuditEntry.detail, AuditEntry.sender_id, AuditEntry.handoff_id)
                               .join(Staff, AuditEntry.staff_id == Staff.id)
                               .where(Staff.username == username, AuditEntry.action == "refused")
                               .order_by(AuditEntry.id)).all()


def assert_refused(answer, text="This part of the console is not for your role."):
    """A 403 in the console's own style: its page, its security headers, no stack trace."""
    assert answer.status_code == 403, (answer.url, answer.status_code)
    assert "<h1>Not allowed</h1>" in answer.text and text in answer.text and "Log out" in answer.text
    assert "Traceback" not in answer.text and "default-src 'self'" in answer.headers["Content-Security-Policy"]


@pytest.fixture(scope="module")
def strangers_case(world, app_db):
    """A newcomer's conversation with a complaint, and a handoff assigned to Sanne (her own case)."""
    _, servers = world
    newcomer = WebUser(servers)
    assert newcomer.say("Hoeveel kost het examen?")
    sender = "web-" + newcomer.session.split(".")[0]
    with transaction(app_db) as session:
        complaint, _ = file_complaint(session, Settings().secret_key, draft(sender))
        handoff, _ = workflow.request_handoff(session, workflow.HandoffRequest(sender, "webchat", "nl", "asked"))
        handoff.assigned_to_id = session.scalars(select(Staff.id).where(Staff.username == "sanne")).one()
    return {"sender": sender, "complaint_id": complaint.id, "reference": complaint.reference,
            "handoff_id": handoff.id}


def test_a_contact_person_sees_only_the_queue_and_every_refusal_is_audited(world, app_db, strangers_case):
    """The bug this fixes: any contact person could list every conversation, open any transcript, read,
    answer and close every complaint, export the notes and erase any conversation."""
    _, servers = world
    ahmed, sender = ConsoleClient(servers, "ahmed"), strangers_case["sender"]
    complaint, handoff = strangers_case["complaint_id"], strangers_case["handoff_id"]
    before = len(refused_entries(app_db, "ahmed"))
    pages = ["/conversations", f"/conversation?sender={quote(sender, safe='')}", "/feedback.csv", "/complaints",
             f"/complaints/{complaint}", "/complaints/themes", "/complaints/themes.csv"]
    for page in pages:
        assert_refused(ahmed.http.get(f"{ahmed.base}{page}", timeout=30))
    for page in (f"/handoffs/{handoff}", f"/handoffs/{handoff}?fragment=1"):  # Sanne's own handoff
        assert_refused(ahmed.http.get(f"{ahmed.base}{page}", timeout=30), "This handoff is not in your queue.")
    posts = [("/conversation/erase", {"sender": sender, "confirm": "yes", "reason": "just looking"}),
             ("/feedback", {"sender": sender, "timestamp": "0", "note": "probe"}),
             (f"/complaints/{complaint}/status", {"status": "closed", "answer": ""}),
             (f"/complaints/{complaint}/theme", {"theme": "money"}), (f"/complaints/{complaint}/tell-again", {}),
             (f"/handoffs/{handoff}/take", {}), (f"/handoffs/{handoff}/reassign", {"assignee": ""})]
    for path, data in posts:
        assert ahmed.post(path, **data).status_code == 403, path
    with app_db() as session:
        assert session.get(Complaint, complaint).status == "received" and session.get(Complaint, complaint).theme
        assert session.get(Handoff, handoff).status == "waiting"
    assert ConsoleClient(servers, "coco").get("/conversation", sender=sender)  # not erased
    entries = refused_entries(app_db, "ahmed")[before:]
    assert len(entries) == len(pages) + 2 + len(posts)
    assert entries[0][0] == "conversations: role (conversations)"
    assert (sender, handoff) in {(sender_id, handoff_id) for _, sender_id, handoff_id in entries}
    nav = ahmed.get("/queue")
    assert "/console/queue?view=mine" in nav and "/console/complaints" not in nav
    assert "/console/conversations" not in nav


def test_the_complaints_role_handles_complaints_only(world, strangers_case):
    _, servers = world
    klaas = ConsoleClient(servers, "klaas")
    home = klaas.http.get(f"{klaas.base}/", allow_redirects=False, timeout=30)
    assert home.headers["Location"] == "/console/complaints"
    assert strangers_case["reference"] in klaas.get("/complaints")
    assert "Nobody answered my three letters." in klaas.get(f"/complaints/{strangers_case['complaint_id']}")
    for page in ("/queue", f"/handoffs/{strangers_case['handoff_id']}", "/conversations"):
        assert_refused(klaas.http.get(f"{klaas.base}{page}", timeout=30))
    assert "/console/queue" not in klaas.get("/complaints")


def test_nobody_handles_a_complaint_about_themselves(world, app_db):
    """A complaint from a conversation that Coco took as a handoff is about him: he does not see it, nor the
    conversation it is in; the complaints officer handles it."""
    _, servers = world
    with transaction(app_db) as session:
        coco_id = session.scalars(select(Staff.id).where(Staff.username == "coco")).one()
        handoff, _ = workflow.request_handoff(session, workflow.HandoffRequest("web-about-coco", "webchat", "en",
                                                                               "asked"))
        handoff.status, handoff.taken_by_id, handoff.closed_at = "closed", coco_id, utc_now()
        complaint, _ = file_complaint(session, Settings().secret_key, draft("web-about-coco"))
    coco, klaas = ConsoleClient(servers, "coco"), ConsoleClient(servers, "klaas")
    about_you = "A complaint in this conversation may be about you, so a colleague handles it."
    assert complaint.reference not in coco.get("/complaints")
    assert_refused(coco.http.get(f"{coco.base}/complaints/{complaint.id}", timeout=30), about_you)
    assert_refused(coco.post(f"/complaints/{complaint.id}/status", status="closed", answer=""), about_you)
    assert_refused(coco.http.get(f"{coco.base}/conversation", params={"sender": "web-about-coco"}, timeout=30),
                   about_you)
    assert_refused(coco.post("/conversation/erase", sender="web-about-coco", confirm="yes", reason="gone now"),
                   about_you)
    with app_db() as session:
        assert session.get(Complaint, complaint.id).status == "received"
    assert complaint.reference in klaas.get("/complaints")
    assert klaas.post(f"/complaints/{complaint.id}/status", status="in_progress", answer="").status_code == 200
    with app_db() as session:
        assert session.get(Complaint, complaint.id).status == "in_progress"
    details = [detail for detail, _, _ in refused_entries(app_db, "coco")]
    assert f"complaint_page: about_you (complaint {complaint.reference})" in details


def test_a_finished_handoff_shows_its_conversation_up_to_its_end(world, app_db):
    """Once Sanne handed the newcomer back, she no longer reads what they write; a colleague who never had
    the handoff cannot open it at all (the old code let every contact person read it for ever)."""
    _, servers = world
    newcomer = WebUser(servers)
    newcomer.say("I want to talk to a real person please")
    sanne = ConsoleClient(servers, "sanne")
    with app_db() as session:
        handoff_id = session.scalars(select(Handoff.id).where(
            Handoff.sender_id == "web-" + newcomer.session.split(".")[0])).one()
    assert sanne.post(f"/handoffs/{handoff_id}/take").status_code == 200
    assert sanne.post(f"/handoffs/{handoff_id}/hand-back").status_code == 200
    time.sleep(1.1)  # the next message is later than the handoff's end, also on a coarse clock
    newcomer.say("My address is Dorpsstraat 1 and my BSN is nine digits")
    page = sanne.get(f"/handoffs/{handoff_id}")
    assert "I want to talk to a real person please" in page and "Dorpsstraat" not in page
    assert "Up to the end of this handoff." in page
    assert_refused(ConsoleClient(servers, "ahmed").http.get(f"{servers.web_url}/console/handoffs/{handoff_id}",
                                                            timeout=30), "This handoff is not in your queue.")
    coco = ConsoleClient(servers, "coco")
    assert "Dorpsstraat" in coco.get("/conversation", sender="web-" + newcomer.session.split(".")[0])
    assert "The whole conversation" in coco.get(f"/handoffs/{handoff_id}")


# --- logging in and out, disabling an account ---------------------------------------------------------------


class FromAddress(HTTPAdapter):
    """Connects from another loopback address, so the web app sees another client."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def browser_at(address: str) -> requests.Session:
    http = requests.Session()
    http.mount("http://", FromAddress(address))
    return http


def try_login(servers, http, username, password):
    form = http.get(f"{servers.web_url}/console/login", timeout=30)
    return http.post(f"{servers.web_url}/console/login", allow_redirects=False, timeout=30,
                     data={"username": username, "password": password, "csrf": csrf_of(form.text)})


def login_error(answer) -> str:
    return re.search(r'<p class="error" role="alert">([^<]*)</p>', answer.text).group(1)


def test_a_failed_login_never_tells_and_a_stranger_cannot_lock_an_account(world, app_db):
    """The bugs: "locked" showed for existing accounts only, and five wrong passwords from anywhere locked the
    account for its owner too."""
    _, servers = world
    stranger = browser_at("127.0.0.2")
    answers = [try_login(servers, stranger, "no-such-person", "guess")]
    answers += [try_login(servers, stranger, "lotte", f"guess {n}") for n in range(8)]
    answers.append(try_login(servers, stranger, "lotte", PASSWORD))  # right, but this address must wait
    assert {(answer.status_code, login_error(answer)) for answer in answers} == {
        (401, LOGIN_FAILED.replace("'", "&#39;"))}
    # The owner, at her own address, logs in at once.
    owner = browser_at("127.0.0.1")
    answer = try_login(servers, owner, "lotte", PASSWORD)
    assert (answer.status_code, answer.headers["Location"]) == (302, "/console/")
    with app_db() as session:
        details = session.scalars(select(AuditEntry.detail).join(Staff, AuditEntry.staff_id == Staff.id)
                                  .where(Staff.username == "lotte", AuditEntry.action == "login_failed")).all()
    assert "too soon" in details and len(details) == 9


def test_logout_ends_the_session_and_clears_the_cookie_where_it_was_set(world):
    _, servers = world
    sanne = ConsoleClient(servers, "sanne")
    out = sanne.http.post(f"{sanne.base}/logout", data={"csrf": sanne.csrf}, allow_redirects=False, timeout=30)
    assert (out.status_code, out.headers["Location"]) == (302, "/console/login")
    cleared = out.headers["Set-Cookie"]
    assert "wegwijs_console=" in cleared and "Path=/console" in cleared and "Max-Age=0" in cleared
    assert "wegwijs_console" not in {cookie.name for cookie in sanne.http.cookies}
    again = sanne.http.get(f"{sanne.base}/queue", allow_redirects=False, timeout=30)
    assert again.headers["Location"] == "/console/login"


def staff_cli(servers, *args):
    return subprocess.run([sys.executable, "-m", "bot", "staff", *args], cwd=ROOT, env=servers.env(),
                          capture_output=True, text=True, timeout=120)


def test_disabling_an_account_ends_it_and_its_sessions_at_once(world):
    _, servers = world
    dirk = ConsoleClient(servers, "dirk")
    assert "Log out" in dirk.get("/queue")
    done = staff_cli(servers, "disable", "Dirk")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Disabled dirk: 1 session(s) ended, 0 waiting handoff(s) back in the shared queue."
    ended = dirk.http.get(f"{dirk.base}/queue", allow_redirects=False, timeout=30)
    assert (ended.status_code, ended.headers["Location"]) == (302, "/console/login")
    answer = try_login(servers, requests.Session(), "dirk", PASSWORD)
    assert answer.status_code == 401 and login_error(answer) == LOGIN_FAILED.replace("'", "&#39;")
    unknown = staff_cli(servers, "disable", "nobody")
    assert unknown.returncode == 2 and "there is no account 'nobody'" in unknown.stderr
    assert "Traceback" not in unknown.stderr
