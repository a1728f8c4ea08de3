"""The console package over HTTP against the real web app (with Rasa, the action server and a played WhatsApp
Graph API): every route of the table is served and closed to strangers, every POST checks the CSRF token, a
page shows only the console's own notices, staff log in, take, reply and send a failed reply again, filter
the complaints, review a conversation, and read the numbers."""
import csv
import datetime as dt
import io
import re
import time
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from bot.complaints.register import ComplaintDraft, file_complaint, record_referral
from bot.config import Settings
from bot.console import ROUTES
from bot.console.http import STALE_FORM
from bot.db import sessions_for, transaction
from bot.devservers import Servers
from bot.handoff import workflow
from bot.models import AnswerFeedback, AuditEntry, Complaint, Handoff, Staff, StaffSession, utc_now
from tests.support.fake_apis import FakeGraph
from tests.support.people import ConsoleClient, WebUser, add_staff, newest_handoff, wait_until
from tests.support.whatsapp import PHONE_ID, TOKEN, new_sender, payload, post, to, whatsapp_settings

pytestmark = pytest.mark.slow
OFFICE_HOURS = "mon-sun 00:00-23:59"  # colleagues answer whenever the tests run
# What a form could carry: were the CSRF check skipped, each POST route would change something with these.
FORM_FIELDS = {"text": "probe", "outcome": "answered", "assignee": "", "status": "closed", "answer": "probe",
               "theme": "money", "note": "probe", "timestamp": "0", "confirm": "yes"}


@pytest.fixture(scope="module")
def world(tmp_path_factory, model_path):
    graph = FakeGraph(TOKEN, PHONE_ID).start()
    servers = Servers(tmp_path_factory.mktemp("console"),
                      extra_env={**whatsapp_settings(graph), "WEGWIJS_OFFICE_HOURS": OFFICE_HOURS}).start()
    add_staff(servers)
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
    refused = ahmed.post(f"/handoffs/{probe['handoff_id']}/reassign", assignee="")
    notice = "Not reassigned: only a coordinator can reassign."
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


def test_review_note_a_wrong_answer_export_and_erase(world):
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

    unconfirmed = coco.post("/conversation/erase", sender=sender)
    assert "Tick the box to confirm the erasure." in unconfirmed.text
    erased = coco.post("/conversation/erase", sender=sender, confirm="yes")
    assert urlsplit(erased.url).path == "/console/conversations" and "Erased: " in erased.text
    assert "1 notes" in erased.text
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
