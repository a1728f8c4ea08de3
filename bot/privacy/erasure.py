"""Keeping personal data only as long as needed: erasing a conversation on request, and retention.

Two databases hold a conversation: Rasa's tracker store (the messages) and the application database
(handoffs with staff replies, complaints, notes on answers). Erasing a sender removes it from both; the
audit log keeps that it happened (who asked, when, a keyed hash of the sender) but nothing that was said.

A newcomer's own request is carried out just after their turn: Rasa saves the turn's events after the
action ran, so the action records an `ErasureRequest` and `erase_requested` (run by the web app every few
seconds, and by `retention run`) deletes the tracker rows up to that moment.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Dict, Optional

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.audit import audit
from bot.db import transaction
from bot.models import AnswerFeedback, AuditEntry, Complaint, ErasureRequest, Handoff, Staff, utc_now
from bot.security import keyed_hash
from bot.transcripts import events_table

logger = logging.getLogger(__name__)

ANONYMOUS = "anonymised"
# Rasa saves a turn's last events right after the action that asked for erasure: wait that long.
TURN_GRACE = dt.timedelta(seconds=5)


@dataclass(frozen=True)
class RetentionPeriods:
    conversation_days: int = 90
    handoff_days: int = 365
    complaint_days: int = 730


@dataclass
class Report:
    counts: Dict[str, int] = field(default_factory=dict)

    def add(self, what: str, number: int) -> None:
        self.counts[what] = self.counts.get(what, 0) + number

    def __str__(self) -> str:
        return ", ".join(f"{n} {what}" for what, n in self.counts.items()) or "nothing to do"


def _timestamp(moment: dt.datetime) -> float:
    return moment.replace(tzinfo=dt.timezone.utc).timestamp()


def erase_app_records(session: Session, secret: str, sender_id: str, staff: Optional[Staff] = None) -> Report:
    """Deletes a sender's handoffs (with staff replies), complaints and answer notes; hashes audit entries."""
    report = Report()
    report.add("handoffs", session.execute(delete(Handoff).where(Handoff.sender_id == sender_id)).rowcount)
    report.add("complaints", session.execute(delete(Complaint).where(Complaint.sender_id == sender_id)).rowcount)
    report.add("notes", session.execute(delete(AnswerFeedback).where(AnswerFeedback.sender_id == sender_id)).rowcount)
    hashed = "erased:" + keyed_hash(secret, f"sender:{sender_id}")[:16]
    session.execute(update(AuditEntry).where(AuditEntry.sender_id == sender_id).values(sender_id=hashed))
    audit(session, staff, "erase", sender_id=hashed, detail="by staff" if staff else "asked by the newcomer")
    return report


def erase_tracker(tracker_engine: Engine, sender_id: str, until: Optional[dt.datetime] = None) -> int:
    """Deletes the conversation's messages (those up to `until`, when given) from Rasa's tracker store."""
    condition = events_table.c.sender_id == sender_id
    if until is not None:
        condition = condition & (events_table.c.timestamp <= _timestamp(until))
    with tracker_engine.begin() as connection:
        if not tracker_engine.dialect.has_table(connection, "events"):
            return 0
        return connection.execute(delete(events_table).where(condition)).rowcount


def erase_now(sessions: sessionmaker, tracker_engine: Engine, secret: str, sender_id: str, staff: Staff) -> Report:
    """Staff erase a conversation from the console: everything, at once."""
    with transaction(sessions) as session:
        report = erase_app_records(session, secret, sender_id, session.merge(staff))
    report.add("messages", erase_tracker(tracker_engine, sender_id))
    return report


def request_erasure(session: Session, secret: str, sender_id: str) -> Report:
    """The newcomer asked: the linked records go now, the messages right after this turn."""
    report = erase_app_records(session, secret, sender_id)
    session.add(ErasureRequest(sender_id=sender_id, requested_at=utc_now()))
    return report


def erase_requested(sessions: sessionmaker, tracker_engine: Engine, now: Optional[dt.datetime] = None) -> int:
    """Carries out the erasure requests whose turn is over; returns how many."""
    now = now or utc_now()
    done = 0
    with transaction(sessions) as session:
        # Several web app replicas may run this at once: each takes the requests no other one holds.
        due = session.scalars(select(ErasureRequest).where(ErasureRequest.requested_at <= now - TURN_GRACE)
                              .with_for_update(skip_locked=True)).all()
        for request in due:
            erase_tracker(tracker_engine, request.sender_id, until=request.requested_at + TURN_GRACE)
            session.delete(request)
            done += 1
    return done


def apply_retention(sessions: sessionmaker, tracker_engine: Engine, secret: str, periods: RetentionPeriods,
                    now: Optional[dt.datetime] = None) -> Report:
    """Deletes or anonymises what is older than the retention periods, in both databases."""
    now = now or utc_now()
    report = Report()
    report.add("erasure requests", erase_requested(sessions, tracker_engine, now))
    conversations_before = now - dt.timedelta(days=periods.conversation_days)
    with tracker_engine.begin() as connection:
        if tracker_engine.dialect.has_table(connection, "events"):
            idle = (select(events_table.c.sender_id).group_by(events_table.c.sender_id)
                    .having(func.max(events_table.c.timestamp) < _timestamp(conversations_before)))
            report.add("conversations' messages", connection.execute(
                delete(events_table).where(events_table.c.sender_id.in_(idle.scalar_subquery()))).rowcount)
    with transaction(sessions) as session:
        handoffs_before = now - dt.timedelta(days=periods.handoff_days)
        report.add("handoffs", session.execute(delete(Handoff).where(
            Handoff.status.in_(("handed_back", "closed")), Handoff.updated_at < handoffs_before)).rowcount)
        complaints_before = now - dt.timedelta(days=periods.complaint_days)
        # Complaints stay countable for the themes report (body, theme, month, status), without the story.
        report.add("complaints anonymised", session.execute(
            update(Complaint).where(Complaint.created_at < complaints_before, Complaint.sender_id != ANONYMOUS)
            .values(sender_id=ANONYMOUS, what=None, happened_when=None, wish=None, contact=None,
                    public_answer=None, code_hash=None, answer_pending=False)).rowcount)
        report.add("notes", session.execute(delete(AnswerFeedback).where(
            AnswerFeedback.created_at < conversations_before)).rowcount)
        stale = session.scalars(select(AuditEntry.sender_id).where(
            AuditEntry.created_at < conversations_before, AuditEntry.sender_id.is_not(None),
            ~AuditEntry.sender_id.startswith("erased:")).distinct()).all()
        for sender in stale:
            session.execute(update(AuditEntry).where(AuditEntry.sender_id == sender).values(
                sender_id="erased:" + keyed_hash(secret, f"sender:{sender}")[:16]))
        report.add("audit entries anonymised", len(stale))
    logger.info("Retention: %s", report)
    return report
