"""Erasure on request and retention, in both databases (app database on SQLite and PostgreSQL)."""
import datetime as dt
import json

import pytest
from sqlalchemy import func, insert, select

from bot.complaints.register import ComplaintDraft, file_complaint
from bot.db import make_engine, transaction
from bot.handoff.workflow import HandoffRequest, request_handoff
from bot.models import AuditEntry, Complaint, ErasureRequest, Handoff, utc_now
from bot.privacy.erasure import (
    ANONYMOUS,
    TURN_GRACE,
    RetentionPeriods,
    apply_retention,
    erase_requested,
    request_erasure,
)
from bot.transcripts import _metadata, events_table

SECRET = "test-secret"


@pytest.fixture
def tracker_engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    _metadata.create_all(engine)
    yield engine
    engine.dispose()


def add_message(engine, sender, moment, text="hello"):
    with engine.begin() as connection:
        connection.execute(insert(events_table).values(
            sender_id=sender, type_name="user", timestamp=moment.replace(tzinfo=dt.timezone.utc).timestamp(),
            intent_name="greet", data=json.dumps({"text": text})))


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
        add_message(tracker_engine, sender, now - dt.timedelta(minutes=1))
    with transaction(sessions) as session:
        request_erasure(session, SECRET, "me")
    assert records_of(sessions, "me") == (0, 0) and records_of(sessions, "someone else") == (1, 1)
    assert erase_requested(sessions, tracker_engine, now=now) == 0  # the turn may still be saved
    assert messages(tracker_engine, "me") == 1
    # A message after the turn (the newcomer starts again) is not erased with the old ones.
    add_message(tracker_engine, "me", now + TURN_GRACE + dt.timedelta(seconds=30), "a new start")
    assert erase_requested(sessions, tracker_engine, now=now + dt.timedelta(seconds=10)) == 1
    assert messages(tracker_engine, "me") == 1 and messages(tracker_engine, "someone else") == 1
    with transaction(sessions) as session:
        assert session.query(ErasureRequest).count() == 0
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "erase")).one()
        assert entry.sender_id.startswith("erased:") and "me" not in entry.sender_id


def test_retention_deletes_and_anonymises_what_is_old(sessions, tracker_engine):
    now = utc_now()
    periods = RetentionPeriods(conversation_days=90, handoff_days=365, complaint_days=730)
    add_message(tracker_engine, "old", now - dt.timedelta(days=91))
    add_message(tracker_engine, "recent", now - dt.timedelta(days=91))
    add_message(tracker_engine, "recent", now - dt.timedelta(days=2))  # still active: all of it stays
    give_records(sessions, "old")
    with transaction(sessions) as session:
        handoff = session.scalars(select(Handoff)).one()
        handoff.status, handoff.updated_at = "closed", now - dt.timedelta(days=366)
        complaint = session.scalars(select(Complaint)).one()
        complaint.created_at = now - dt.timedelta(days=731)
        session.add(AuditEntry(action="take", sender_id="old", created_at=now - dt.timedelta(days=100)))
    report = apply_retention(sessions, tracker_engine, SECRET, periods, now=now)
    assert messages(tracker_engine, "old") == 0 and messages(tracker_engine, "recent") == 2
    with transaction(sessions) as session:
        assert session.query(Handoff).count() == 0
        complaint = session.scalars(select(Complaint)).one()  # still counted in the themes report
        assert (complaint.sender_id, complaint.what, complaint.contact, complaint.theme) == (
            ANONYMOUS, None, None, "waiting")
        assert session.scalars(select(AuditEntry.sender_id)).one().startswith("erased:")
    assert report.counts["handoffs"] == 1 and report.counts["complaints anonymised"] == 1
    # Running it again changes nothing.
    again = apply_retention(sessions, tracker_engine, SECRET, periods, now=now)
    assert sum(again.counts.values()) == 0
