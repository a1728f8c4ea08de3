"""Keeping personal data only as long as needed: erasing a conversation on request, and retention.

Two databases hold a conversation: Rasa's tracker store (the messages) and the application database
(handoffs with staff replies, complaints, notes on answers). Erasing a sender removes it from both; the
audit log keeps that it happened (who asked, when, a keyed hash of the sender) but nothing that was said.

The messages are deleted only in the Rasa process, under the conversation's lock (bot/rasa_components/
privacy.py, reached through bot/privacy/rasa_client.py): Rasa writes a turn's events at its end, and rows
that disappeared during a turn made it write the session back. Every erasure is an `ErasureRequest` until
it is done and checked: nothing of the conversation (up to the request, and the turn running then) is left
in either database. A newcomer's own request is recorded by the action during their turn; the web app's
eraser (every few seconds) and `retention run` carry it out, waiting for that turn to end. Staff erase at
once, unless a turn of that conversation runs just then: then the eraser does it within seconds.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Dict, Optional

from sqlalchemy import delete, func, select, true, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.audit import audit
from bot.config import Settings
from bot.db import transaction
from bot.models import (
    AnswerFeedback,
    AuditEntry,
    Complaint,
    ErasureRequest,
    Handoff,
    Staff,
    StaffSession,
    VerificationAttempt,
    utc_now,
)
from bot.privacy.conversations import delete_earlier_sessions, remaining_events
from bot.privacy.rasa_client import RasaPrivacy, RasaUnreachable, timestamp
from bot.security import keyed_hash

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionPeriods:
    """Days after which each kind of record goes (the WEGWIJS_RETENTION_* settings)."""

    conversation_days: int = 90  # every message (tracker event) older than this, in active conversations too
    handoff_days: int = 365  # finished handoffs, with staff replies
    complaint_days: int = 730  # a complaint's story and sender (it stays countable)
    attempt_days: int = 30  # verification attempts (keyed hashes)
    audit_detail_days: int = 365  # the audit log's detail; the entry itself stays
    callback_days: int = 30  # a handoff's call-back number, open handoffs too
    staff_session_days: int = 1  # console sessions, after they expired

    @classmethod
    def from_settings(cls, settings: Settings) -> "RetentionPeriods":
        return cls(settings.retention_conversation_days, settings.retention_handoff_days,
                   settings.retention_complaint_days, settings.retention_attempt_days,
                   settings.retention_audit_detail_days, settings.retention_callback_days,
                   settings.retention_staff_session_days)


@dataclass
class Report:
    counts: Dict[str, int] = field(default_factory=dict)

    def add(self, what: str, number: int) -> None:
        self.counts[what] = self.counts.get(what, 0) + number

    def __str__(self) -> str:
        return ", ".join(f"{n} {what}" for what, n in self.counts.items()) or "nothing to do"


def _hashed(secret: str, sender_id: str) -> str:
    return "erased:" + keyed_hash(secret, f"sender:{sender_id}")[:16]


def _delete_app_records(session: Session, secret: str, sender_id: str, until: Optional[dt.datetime] = None) -> Report:
    """Deletes the sender's handoffs (with staff replies), complaints and answer notes made up to `until`
    (all without it), and puts a keyed hash in place of the sender in its audit entries."""
    def made(column):  # noqa: ANN001, ANN202 - a column of created_at
        return column <= until if until is not None else true()

    report = Report()
    report.add("handoffs", session.execute(delete(Handoff).where(
        Handoff.sender_id == sender_id, made(Handoff.created_at))).rowcount)
    report.add("complaints", session.execute(delete(Complaint).where(
        Complaint.sender_id == sender_id, made(Complaint.created_at))).rowcount)
    report.add("notes", session.execute(delete(AnswerFeedback).where(
        AnswerFeedback.sender_id == sender_id, made(AnswerFeedback.created_at))).rowcount)
    session.execute(update(AuditEntry).where(AuditEntry.sender_id == sender_id, made(AuditEntry.created_at))
                    .values(sender_id=_hashed(secret, sender_id)))
    return report


def erase_app_records(session: Session, secret: str, sender_id: str, staff: Optional[Staff] = None) -> Report:
    """Deletes a sender's handoffs (with staff replies), complaints and answer notes; hashes audit entries."""
    report = _delete_app_records(session, secret, sender_id)
    audit(session, staff, "erase", sender_id=_hashed(secret, sender_id),
          detail="by staff" if staff else "asked by the newcomer")
    return report


def remains(session: Session, tracker_engine: Engine, sender_id: str, until: dt.datetime) -> Dict[str, int]:
    """What is left of a conversation erased up to `until`, in both databases: {what: how many}, empty when
    nothing (records made later belong to a new start and do not count)."""
    counts = {
        what: session.scalar(select(func.count()).select_from(model).where(
            model.sender_id == sender_id, model.created_at <= until))
        for what, model in (("handoffs", Handoff), ("complaints", Complaint), ("notes", AnswerFeedback),
                            ("audit entries with the conversation id", AuditEntry))
    }
    with tracker_engine.connect() as connection:
        counts["messages"] = remaining_events(connection, sender_id, timestamp(until))
    return {what: number for what, number in counts.items() if number}


def request_erasure(session: Session, secret: str, sender_id: str) -> Report:
    """The newcomer asked: the linked records go now, the messages as soon as this turn is over."""
    report = erase_app_records(session, secret, sender_id)
    session.add(ErasureRequest(sender_id=sender_id, requested_at=utc_now()))
    return report


def _take(session: Session, request_id: int) -> Optional[ErasureRequest]:
    """The request, unless another web app replica is carrying it out (or did)."""
    return session.scalars(select(ErasureRequest).where(ErasureRequest.id == request_id)
                           .with_for_update(skip_locked=True)).first()


def _carry_out(session: Session, tracker_engine: Engine, secret: str, rasa: RasaPrivacy, request: ErasureRequest,
               wait: bool) -> Optional[int]:
    """Erases the request's conversation: its messages in the Rasa process (under the conversation's lock;
    with `wait`, after the running turn), then what the app database got meanwhile; then checks both.
    Returns the number of messages erased, or None when not done (the request stays for the next round)."""
    erased = rasa.erase(request.sender_id, request.requested_at, wait=wait)
    if erased is None:
        return None
    _delete_app_records(session, secret, request.sender_id, request.requested_at)
    session.flush()
    left = remains(session, tracker_engine, request.sender_id, request.requested_at)
    if left:
        logger.error("An erasure left %s; it is tried again", Report(left))
        return None
    session.delete(request)
    return erased


def erase_now(sessions: sessionmaker, tracker_engine: Engine, secret: str, sender_id: str, staff: Staff,
              rasa: Optional[RasaPrivacy] = None) -> Report:
    """Staff erase a conversation from the console: everything, at once (its messages within seconds when a
    turn of it runs just then). Does not wait for Rasa's lock: the console runs on the web app's event loop."""
    rasa = rasa or RasaPrivacy.from_settings(Settings.from_env())
    with transaction(sessions) as session:
        report = erase_app_records(session, secret, sender_id, session.merge(staff))
        request = ErasureRequest(sender_id=sender_id, requested_at=utc_now())
        session.add(request)
        session.flush()
        request_id = request.id
    erased = None
    try:
        with transaction(sessions) as session:
            request = _take(session, request_id)
            erased = _carry_out(session, tracker_engine, secret, rasa, request, wait=False) if request else None
    except RasaUnreachable as error:
        logger.warning("Erasure left to the eraser: Rasa did not do it now (%s)", error)
    if erased is None:
        report.add("conversation whose messages go within seconds", 1)
    else:
        report.add("messages", erased)
    return report


def erase_requested(sessions: sessionmaker, tracker_engine: Engine, now: Optional[dt.datetime] = None,
                    secret: Optional[str] = None, rasa: Optional[RasaPrivacy] = None) -> int:
    """Carries out the erasure requests made up to `now`, each after the turn in which it was asked; returns
    how many are done. When Rasa does not answer, the rest wait for the next round."""
    now = now or utc_now()
    with sessions() as session:
        due = session.scalars(select(ErasureRequest.id).where(ErasureRequest.requested_at <= now)
                              .order_by(ErasureRequest.id)).all()
    if not due:
        return 0
    if secret is None or rasa is None:
        settings = Settings.from_env()
        secret, rasa = secret or settings.secret_key, rasa or RasaPrivacy.from_settings(settings)
    done = 0
    for position, request_id in enumerate(due):
        try:
            with transaction(sessions) as session:
                request = _take(session, request_id)
                if request is not None and _carry_out(session, tracker_engine, secret, rasa, request, True) is not None:
                    done += 1
        except RasaUnreachable as error:
            logger.warning("%d erasure request(s) wait for Rasa (%s)", len(due) - position, error)
            break
    return done


def _retain_messages(tracker_engine: Engine, rasa: RasaPrivacy, before: dt.datetime, report: Report) -> None:
    """Every message older than `before`, conversation by conversation under its lock in the Rasa process.
    When Rasa does not answer: only those of earlier sessions (safe without the lock); the rest next run."""
    try:
        _conversations, deleted = rasa.retain(before)
        report.add("messages", deleted)
    except RasaUnreachable as error:
        with tracker_engine.begin() as connection:
            report.add("messages of earlier sessions", delete_earlier_sessions(connection, timestamp(before)))
        logger.warning("Retention: Rasa did not answer (%s); the current sessions' old messages go next run", error)
        report.add("runs without Rasa", 1)


def _retain_app_records(session: Session, secret: str, periods: RetentionPeriods, now: dt.datetime,
                        report: Report) -> None:
    def ago(days: int) -> dt.datetime:
        return now - dt.timedelta(days=days)

    conversations_before = ago(periods.conversation_days)
    report.add("handoffs", session.execute(delete(Handoff).where(
        Handoff.status.in_(("handed_back", "closed")), Handoff.updated_at < ago(periods.handoff_days))).rowcount)
    report.add("call-back numbers", session.execute(update(Handoff).where(
        Handoff.callback_phone.is_not(None), Handoff.created_at < ago(periods.callback_days))
        .values(callback_phone=None)).rowcount)
    complaints_before = ago(periods.complaint_days)
    # Complaints stay countable for the themes report (body, theme, month, status), without the story;
    # their sender becomes NULL (no pseudo-sender that a message could claim to be).
    report.add("complaints anonymised", session.execute(
        update(Complaint).where(Complaint.created_at < complaints_before, Complaint.sender_id.is_not(None))
        .values(sender_id=None, what=None, happened_when=None, wish=None, contact=None,
                public_answer=None, code_hash=None, answer_pending=False)).rowcount)
    report.add("notes", session.execute(delete(AnswerFeedback).where(
        AnswerFeedback.created_at < conversations_before)).rowcount)
    report.add("verification attempts", session.execute(delete(VerificationAttempt).where(
        VerificationAttempt.created_at < ago(periods.attempt_days))).rowcount)
    report.add("console sessions", session.execute(delete(StaffSession).where(
        StaffSession.expires_at < ago(periods.staff_session_days))).rowcount)
    report.add("audit details", session.execute(update(AuditEntry).where(
        AuditEntry.detail.is_not(None), AuditEntry.created_at < ago(periods.audit_detail_days))
        .values(detail=None)).rowcount)
    stale = session.scalars(select(AuditEntry.sender_id).where(
        AuditEntry.created_at < conversations_before, AuditEntry.sender_id.is_not(None),
        ~AuditEntry.sender_id.startswith("erased:")).distinct()).all()
    for sender in stale:
        session.execute(update(AuditEntry).where(AuditEntry.sender_id == sender).values(
            sender_id=_hashed(secret, sender)))
    report.add("audit entries anonymised", len(stale))


def apply_retention(sessions: sessionmaker, tracker_engine: Engine, secret: str, periods: RetentionPeriods,
                    now: Optional[dt.datetime] = None, rasa: Optional[RasaPrivacy] = None) -> Report:
    """Deletes or anonymises what is older than the retention periods, in both databases."""
    now = now or utc_now()
    rasa = rasa or RasaPrivacy.from_settings(Settings.from_env())
    report = Report()
    report.add("erasure requests", erase_requested(sessions, tracker_engine, now, secret, rasa))
    _retain_messages(tracker_engine, rasa, now - dt.timedelta(days=periods.conversation_days), report)
    with transaction(sessions) as session:
        _retain_app_records(session, secret, periods, now, report)
    logger.info("Retention: %s", report)
    return report
