"""Erasure on request and retention, in both databases (app database on SQLite and PostgreSQL).

The Rasa side (deleting tracker rows under the conversation's lock, bot/rasa_components/privacy.py) is played
here by `LocalRasa`, which runs the same deleting functions; tests/privacy/test_rasa_side.py and
tests/integration/test_privacy.py test the real one.
"""
import datetime as dt
import json

import pytest
from sqlalchemy import func, insert, select

from bot.complaints.register import ComplaintDraft, file_complaint
from bot.db import make_engine, transaction
from bot.handoff.workflow import HandoffRequest, request_handoff, save_callback_phone
from bot.models import AuditEntry, Complaint, ErasureRequest, Handoff, Staff, StaffSession, VerificationAttempt, utc_now
from bot.privacy.conversations import erase_events, retain_events, senders_with_events_before
from bot.privacy.erasure import (
    RetentionPeriods,
    apply_retention,
    erase_now,
    erase_requested,
    remains,
    request_erasure,
)
from bot.privacy.rasa_client import RasaUnreachable, timestamp
from bot.transcripts import _metadata, events_table

SECRET = "test-secret-of-at-least-32-characters!"


class LocalRasa:
    """The Rasa process's privacy routes, run in place; `busy` plays a turn of the conversation running."""

    def __init__(self, engine, busy=False, down=False):
        self.engine, self.busy, self.down, self.calls = engine, busy, down, []

    def erase(self, sender_id, until=None, wait=True):
        self.calls.append(("erase", sender_id, wait))
        if self.down:
            raise RasaUnreachable("ConnectionRefusedError")
        if self.busy and not wait:
            return None
        with self.engine.begin() as connection:
            return erase_events(connection, sender_id, timestamp(until) if until else None)

    def retain(self, before):
        if self.down:
            raise RasaUnreachable("ConnectionRefusedError")
        deleted = 0
        with self.engine.begin() as connection:
            senders = senders_with_events_before(connection, timestamp(before))
            for sender in senders:
                deleted += retain_events(connection, sender, timestamp(before))
        return len(senders), deleted


@pytest.fixture
def tracker_engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    _metadata.create_all(engine)
    yield engine
    engine.dispose()


def add_event(engine, sender, moment, kind="user", text="hello"):
    with engine.begin() as connection:
        connection.execute(insert(events_table).values(
            sender_id=sender, type_name=kind, timestamp=timestamp(moment),
            intent_name="greet" if kind == "user" else None, data=json.dumps({"event": kind, "text": text})))


def events_of(engine, sender):
    with engine.connect() as connection:
        return [(row.type_name, json.loads(row.data).get("text")) for row in connection.execute(
            select(events_table).where(events_table.c.sender_id == sender).order_by(events_table.c.id))]


def messages(engine, sender):
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(events_table)
                                  .where(events_table.c.sender_id == sender)).scalar()


def records_of(sessions, sender):
    with transaction(sessions) as session:
        handoffs = session.scalars(select(Handoff).where(Handoff.sender_id == sender)).all()
        complaints = session.scalars(select(Complaint).where(Complaint.sender_id == sender)).all()
        return len(handoffs), len(complaints)


def give_records(sessions, sender):
    with transaction(sessions) as session:
        request_handoff(session, HandoffRequest(sender, "webchat", "ar", "asked"))
        file_complaint(session, SECRET, ComplaintDraft(sender, "webchat", "ar", "waiting", "No answer for months.",
                                                       "May", "An answer", "chat"))


def test_forget_me_erases_records_now_and_messages_after_the_turn(sessions, tracker_engine):
    now = utc_now()
    for sender in ("me", "someone else"):
        give_records(sessions, sender)
        add_event(tracker_engine, sender, now - dt.timedelta(minutes=1))
    with transaction(sessions) as session:
        request_erasure(session, SECRET, "me")
        asked = session.scalars(select(ErasureRequest)).one().requested_at
    assert records_of(sessions, "me") == (0, 0) and records_of(sessions, "someone else") == (1, 1)
    # The rest of the turn in which they asked goes too; a message after it (they start again) stays.
    add_event(tracker_engine, "me", asked + dt.timedelta(seconds=1), "bot", "All your data is erased.")
    add_event(tracker_engine, "me", asked + dt.timedelta(seconds=30), "user", "a new start")
    rasa = LocalRasa(tracker_engine)
    assert erase_requested(sessions, tracker_engine, secret=SECRET, rasa=rasa) == 1
    assert rasa.calls == [("erase", "me", True)]  # waiting for the turn to end
    assert events_of(tracker_engine, "me") == [("user", "a new start")]
    assert messages(tracker_engine, "someone else") == 1
    with transaction(sessions) as session:
        assert session.query(ErasureRequest).count() == 0
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "erase")).one()
        assert entry.sender_id.startswith("erased:") and "me" not in entry.sender_id
        assert remains(session, tracker_engine, "me", asked) == {}


def test_an_erasure_is_done_only_when_nothing_is_left(sessions, tracker_engine):
    """Rasa down: the request waits. Something back in the app database meanwhile: deleted and checked."""
    give_records(sessions, "me")
    add_event(tracker_engine, "me", utc_now() - dt.timedelta(minutes=1))
    with transaction(sessions) as session:
        request_erasure(session, SECRET, "me")
        asked = session.scalars(select(ErasureRequest)).one().requested_at
    assert erase_requested(sessions, tracker_engine, secret=SECRET, rasa=LocalRasa(tracker_engine, down=True)) == 0
    with transaction(sessions) as session:
        assert session.query(ErasureRequest).count() == 1
        # A handoff stored by a turn that ran while the records were deleted.
        session.add(Handoff(sender_id="me", channel="webchat", language="en", reason="asked",
                            created_at=asked - dt.timedelta(seconds=1)))
        assert remains(session, tracker_engine, "me", asked) == {"handoffs": 1, "messages": 1}
    assert erase_requested(sessions, tracker_engine, secret=SECRET, rasa=LocalRasa(tracker_engine)) == 1
    with transaction(sessions) as session:
        assert remains(session, tracker_engine, "me", asked) == {} and session.query(ErasureRequest).count() == 0


def test_staff_erase_at_once_or_within_seconds_when_a_turn_runs(sessions, tracker_engine):
    with transaction(sessions) as session:
        staff = Staff(username="coco", display_name="Coco", role="coordinator", password_hash="x")
        session.add(staff)
    for sender in ("quiet", "busy"):
        give_records(sessions, sender)
        add_event(tracker_engine, sender, utc_now() - dt.timedelta(minutes=1))
    quiet = erase_now(sessions, tracker_engine, SECRET, "quiet", staff, rasa=LocalRasa(tracker_engine))
    assert quiet.counts == {"handoffs": 1, "complaints": 1, "notes": 0, "messages": 1}
    busy_rasa = LocalRasa(tracker_engine, busy=True)
    busy = erase_now(sessions, tracker_engine, SECRET, "busy", staff, rasa=busy_rasa)
    assert busy_rasa.calls == [("erase", "busy", False)]  # never waits on the console's event loop
    assert busy.counts["conversation whose messages go within seconds"] == 1 and messages(tracker_engine, "busy") == 1
    with transaction(sessions) as session:
        assert [r.sender_id for r in session.scalars(select(ErasureRequest))] == ["busy"]
    assert erase_requested(sessions, tracker_engine, secret=SECRET, rasa=LocalRasa(tracker_engine)) == 1
    assert messages(tracker_engine, "busy") == 0 and records_of(sessions, "busy") == (0, 0)


def test_retention_deletes_and_anonymises_what_is_old(sessions, tracker_engine):
    now = utc_now()
    periods = RetentionPeriods()
    assert periods == RetentionPeriods(90, 365, 730, 30, 365, 30, 1)
    add_event(tracker_engine, "old", now - dt.timedelta(days=91))
    # An active conversation: its old messages go too, its session's start (Rasa needs it) stays.
    add_event(tracker_engine, "recent", now - dt.timedelta(days=95), "session_started", None)
    add_event(tracker_engine, "recent", now - dt.timedelta(days=91), "user", "my old story")
    add_event(tracker_engine, "recent", now - dt.timedelta(days=2), "user", "still here")
    give_records(sessions, "old")
    with transaction(sessions) as session:
        handoff = session.scalars(select(Handoff)).one()
        handoff.status, handoff.updated_at = "closed", now - dt.timedelta(days=366)
        complaint = session.scalars(select(Complaint)).one()
        complaint.created_at = now - dt.timedelta(days=731)
        session.add(AuditEntry(action="take", sender_id="old", created_at=now - dt.timedelta(days=100)))
    report = apply_retention(sessions, tracker_engine, SECRET, periods, now=now, rasa=LocalRasa(tracker_engine))
    assert messages(tracker_engine, "old") == 0
    assert events_of(tracker_engine, "recent") == [("session_started", None), ("user", "still here")]
    with transaction(sessions) as session:
        assert session.query(Handoff).count() == 0
        complaint = session.scalars(select(Complaint)).one()  # still counted in the themes report
        # No pseudo-sender a message could claim to be ("anonymised" was one): NULL.
        assert (complaint.sender_id, complaint.what, complaint.contact, complaint.theme) == (
            None, None, None, "waiting")
        assert session.scalars(select(AuditEntry.sender_id)).one().startswith("erased:")
    assert report.counts["handoffs"] == 1 and report.counts["complaints anonymised"] == 1
    assert report.counts["messages"] == 2
    # Running it again changes nothing.
    again = apply_retention(sessions, tracker_engine, SECRET, periods, now=now, rasa=LocalRasa(tracker_engine))
    assert sum(again.counts.values()) == 0


def test_attempts_audit_details_call_back_numbers_and_sessions_have_their_own_periods(sessions, tracker_engine):
    now = utc_now()
    periods = RetentionPeriods(attempt_days=10, audit_detail_days=20, callback_days=5, staff_session_days=2)
    with transaction(sessions) as session:
        for sender, age in (("asked long ago", 6), ("asked today", 0)):
            handoff, _new = request_handoff(session, HandoffRequest(sender, "webchat", "nl", "asked"))
            save_callback_phone(session, sender, "+31612345678")
            handoff.created_at = now - dt.timedelta(days=age)  # still open: only the number goes
        staff = Staff(username="coco", display_name="Coco", role="coordinator", password_hash="x")
        session.add(staff)
        session.flush()
        for days in (11, 9):
            session.add(VerificationAttempt(sender_hash="s", subject_hash="c", succeeded=False,
                                            created_at=now - dt.timedelta(days=days)))
            session.add(AuditEntry(action="erase_requested", detail="reason: asked by phone",
                                   created_at=now - dt.timedelta(days=days * 2 + 1)))
        for expired_days_ago in (3, 1):
            session.add(StaffSession(token_hash=f"t{expired_days_ago}", staff_id=staff.id, csrf_token="c",
                                     created_at=now - dt.timedelta(days=expired_days_ago, hours=10),
                                     expires_at=now - dt.timedelta(days=expired_days_ago)))
    report = apply_retention(sessions, tracker_engine, SECRET, periods, now=now, rasa=LocalRasa(tracker_engine))
    with transaction(sessions) as session:
        numbers = dict(session.execute(select(Handoff.sender_id, Handoff.callback_phone)).all())
        assert numbers == {"asked long ago": None, "asked today": "+31612345678"}
        assert session.scalars(select(Handoff.status)).all() == ["waiting", "waiting"]
        assert session.scalar(select(func.count()).select_from(VerificationAttempt)) == 1
        assert sorted(session.scalars(select(AuditEntry.detail)), key=str) == [None, "reason: asked by phone"]
        assert session.scalars(select(StaffSession.token_hash)).all() == ["t1"]
    assert {what: report.counts[what] for what in ("call-back numbers", "verification attempts", "audit details",
                                                   "console sessions")} == {
        "call-back numbers": 1, "verification attempts": 1, "audit details": 1, "console sessions": 1}


def test_retention_without_rasa_deletes_only_what_is_safe_without_the_lock(sessions, tracker_engine):
    now = utc_now()
    add_event(tracker_engine, "me", now - dt.timedelta(days=200), "user", "an earlier session")
    add_event(tracker_engine, "me", now - dt.timedelta(days=100), "session_started", None)
    add_event(tracker_engine, "me", now - dt.timedelta(days=99), "user", "the current session")
    report = apply_retention(sessions, tracker_engine, SECRET, RetentionPeriods(), now=now,
                             rasa=LocalRasa(tracker_engine, down=True))
    # Rasa may be in the middle of a turn of the current session: that waits for a run with Rasa.
    assert events_of(tracker_engine, "me") == [("session_started", None), ("user", "the current session")]
    assert report.counts["messages of earlier sessions"] == 1 and report.counts["runs without Rasa"] == 1
    apply_retention(sessions, tracker_engine, SECRET, RetentionPeriods(), now=now, rasa=LocalRasa(tracker_engine))
    assert events_of(tracker_engine, "me") == []


def test_the_retention_periods_are_settings():
    from bot.config import Settings, SettingsError

    settings = Settings.from_env({"WEGWIJS_RETENTION_ATTEMPT_DAYS": "14", "WEGWIJS_RETENTION_AUDIT_DETAIL_DAYS": "100",
                                  "WEGWIJS_RETENTION_CALLBACK_DAYS": "7", "WEGWIJS_RETENTION_STAFF_SESSION_DAYS": "3"})
    assert RetentionPeriods.from_settings(settings) == RetentionPeriods(90, 365, 730, 14, 100, 7, 3)
    assert RetentionPeriods.from_settings(Settings.from_env({})) == RetentionPeriods()
    for name, value in (("WEGWIJS_RETENTION_CALLBACK_DAYS", "0"), ("WEGWIJS_RETENTION_ATTEMPT_DAYS", "1"),
                        ("WEGWIJS_RETENTION_STAFF_SESSION_DAYS", "soon")):
        with pytest.raises(SettingsError, match=name):
            Settings.from_env({name: value})
