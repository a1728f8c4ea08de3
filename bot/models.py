"""Database models. The schema itself is created by the Alembic migrations in bot/migrations/."""
from __future__ import annotations

import datetime as dt
from typing import Dict, FrozenSet, List, Mapping

from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import relationship

from bot.db import Base

EXAM_PARTS = ("reading", "listening", "writing", "speaking", "knm")
PART_STATUSES = ("passed", "open", "exempt")
LAWS = ("wi2013", "wi2021")
ROUTES = ("b1", "onderwijs", "z", "none")


def states_leading_to(transitions: Mapping[str, FrozenSet[str]], new_status: str) -> List[str]:
    """The states a move to `new_status` may start from: the WHERE of a compare-and-set UPDATE."""
    return [state for state, targets in transitions.items() if new_status in targets]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Case(Base):
    """One newcomer's integration case, as the municipality's case system exports it."""

    __tablename__ = "cases"

    id = Column(Integer, primary_key=True)
    case_number = Column(String(20), nullable=False, unique=True)  # "INB-123456"
    date_of_birth = Column(Date, nullable=False)
    law = Column(String(6), nullable=False)  # LAWS
    route = Column(String(10))  # ROUTES; empty when unknown
    pip_date = Column(Date)  # wi2021: the term starts the day after
    duty_start_date = Column(Date)  # wi2013: the term starts on it
    extension_until = Column(Date)
    reading = Column(String(8))  # PART_STATUSES; empty when unknown
    listening = Column(String(8))
    writing = Column(String(8))
    speaking = Column(String(8))
    knm = Column(String(8))
    pvt_done = Column(Boolean)
    map_done = Column(Boolean)
    loan_granted_cents = Column(Integer)  # whole cents: exact on every database
    loan_used_cents = Column(Integer)
    contact_name = Column(String(200))
    contact_username = Column(String(80))  # the contact person's console account; routes handoffs (bot/handoff)
    contact_email = Column(String(200))
    contact_phone = Column(String(50))
    municipality = Column(String(200))
    updated_at = Column(DateTime, nullable=False, default=utc_now, onupdate=utc_now)


class VerificationAttempt(Base):
    """One try to verify a case or a complaint code (bot/attempts.py); only hashes, never the identifiers."""

    __tablename__ = "verification_attempts"

    id = Column(Integer, primary_key=True)
    sender_hash = Column(String(64), nullable=False, index=True)
    subject_hash = Column(String(64), nullable=False, index=True)  # what was tried: a case, a complaint
    succeeded = Column(Boolean, nullable=False)
    created_at = Column(DateTime, nullable=False, default=utc_now, index=True)


# --- handoffs and the staff console -----------------------------------------------------------------

# Who may see and do what, per role, is bot/authorization.py: contact persons the handoff queue, the complaints
# role the complaints, coordinators everything (but nobody a complaint about themselves).
STAFF_ROLES = ("contact_person", "coordinator", "complaints")
# The handoff state machine, used by the moves (bot/handoff/workflow.py) and the queries alike:
# waiting -> taken -> handed_back | closed; waiting -> closed. Handed back and closed are final.
HANDOFF_TRANSITIONS: Dict[str, FrozenSet[str]] = {
    "waiting": frozenset({"taken", "closed"}),
    "taken": frozenset({"handed_back", "closed"}),
    "handed_back": frozenset(),
    "closed": frozenset(),
}
HANDOFF_STATUSES = tuple(HANDOFF_TRANSITIONS)
OPEN_HANDOFF_STATUSES = ("waiting", "taken")
STAFF_MESSAGE_STATUSES = ("pending", "sent", "failed")


class Staff(Base):
    """A named console account; what each role may see is bot/authorization.py. A disabled account cannot log in."""

    __tablename__ = "staff"

    id = Column(Integer, primary_key=True)
    username = Column(String(80), nullable=False, unique=True)
    display_name = Column(String(200), nullable=False)  # routing falls back to a case's contact_name
    role = Column(String(20), nullable=False)  # STAFF_ROLES
    password_hash = Column(String(255), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utc_now)
    disabled_at = Column(DateTime)  # `python -m bot staff disable`: no login, no sessions, no new handoffs


class LoginFailure(Base):
    """Failed console logins of one (typed username, address) pair, as a keyed hash: each failure past a few
    makes that pair wait longer before the next try (bot/console/accounts.py). A stranger elsewhere cannot
    make an account wait."""

    __tablename__ = "login_failures"

    id = Column(Integer, primary_key=True)
    key_hash = Column(String(64), nullable=False, unique=True)
    failures = Column(Integer, nullable=False, default=0)
    last_failed_at = Column(DateTime, nullable=False, default=utc_now, index=True)
    blocked_until = Column(DateTime)


class StaffSession(Base):
    """A console login; the browser holds the token, the database only its hash."""

    __tablename__ = "staff_sessions"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    staff_id = Column(Integer, ForeignKey("staff.id", ondelete="CASCADE"), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utc_now)
    expires_at = Column(DateTime, nullable=False)

    staff = relationship(Staff, lazy="joined")


class Handoff(Base):
    """A conversation handed to a person. Stored before the newcomer is told it exists."""

    __tablename__ = "handoffs"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(40), nullable=False)
    language = Column(String(5), nullable=False)
    reason = Column(String(40), nullable=False)  # HANDOFF_REASONS in bot/handoff/workflow.py
    status = Column(String(12), nullable=False, default="waiting", index=True)
    case_number = Column(String(20))  # when the newcomer was verified
    assigned_to_id = Column(Integer, ForeignKey("staff.id"))  # none: the shared queue
    taken_by_id = Column(Integer, ForeignKey("staff.id"))
    callback_phone = Column(String(40))
    outcome = Column(String(40))
    created_at = Column(DateTime, nullable=False, default=utc_now)
    taken_at = Column(DateTime)
    first_reply_at = Column(DateTime)
    closed_at = Column(DateTime)
    updated_at = Column(DateTime, nullable=False, default=utc_now, onupdate=utc_now)

    assigned_to = relationship(Staff, foreign_keys=[assigned_to_id], lazy="joined")
    taken_by = relationship(Staff, foreign_keys=[taken_by_id], lazy="joined")


class StaffMessage(Base):
    """A staff reply: stored first, then relayed through Rasa to the newcomer's channel."""

    __tablename__ = "staff_messages"

    id = Column(Integer, primary_key=True)
    handoff_id = Column(Integer, ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False, index=True)
    staff_id = Column(Integer, ForeignKey("staff.id"), nullable=False)
    text = Column(Text, nullable=False)
    status = Column(String(8), nullable=False, default="pending")  # STAFF_MESSAGE_STATUSES
    error = Column(String(200))
    created_at = Column(DateTime, nullable=False, default=utc_now)
    sent_at = Column(DateTime)

    staff = relationship(Staff, lazy="joined")


class AuditEntry(Base):
    """Who did what, when, in which conversation. Never the text of a message."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    staff_id = Column(Integer, ForeignKey("staff.id"))
    action = Column(String(40), nullable=False)
    handoff_id = Column(Integer, ForeignKey("handoffs.id", ondelete="SET NULL"))
    sender_id = Column(String(255))
    detail = Column(String(200))
    created_at = Column(DateTime, nullable=False, default=utc_now, index=True)

    staff = relationship(Staff, lazy="joined")


class AnswerFeedback(Base):
    """A staff member's note that a bot answer was wrong, for the content editors."""

    __tablename__ = "answer_feedback"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False)
    answered_at = Column(DateTime, nullable=False)
    response = Column(String(120))  # the catalogue entry, e.g. utter_deadline_wi2021
    language = Column(String(5))
    answer_text = Column(Text, nullable=False)
    note = Column(Text, nullable=False)
    staff_id = Column(Integer, ForeignKey("staff.id"), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utc_now)

    staff = relationship(Staff, lazy="joined")


# --- complaints -----------------------------------------------------------------------------------

# The complaint state machine (bot/complaints/register.py moves along it); a referral is "referred" and final.
COMPLAINT_TRANSITIONS: Dict[str, FrozenSet[str]] = {
    "received": frozenset({"in_progress", "answered", "closed"}),
    "in_progress": frozenset({"answered", "closed"}),
    "answered": frozenset({"in_progress", "closed"}),
    "closed": frozenset(),
    "referred": frozenset(),
}
COMPLAINT_STATUSES = tuple(COMPLAINT_TRANSITIONS)
OPEN_COMPLAINT_STATUSES = ("received", "in_progress")
COMPLAINT_KINDS = ("complaint", "referral")  # a referral records that the person was sent elsewhere


class Complaint(Base):
    """A complaint taken here, or a referral to the body that handles it (then without the story)."""

    __tablename__ = "complaints"

    id = Column(Integer, primary_key=True)
    kind = Column(String(10), nullable=False)  # COMPLAINT_KINDS
    reference = Column(String(20), unique=True)  # KL-2026-7F3K9Q; complaints only
    code_hash = Column(String(64))  # the short code given at filing, keyed hash
    sender_id = Column(String(255), index=True)  # NULL once retention anonymised it (bot/privacy/erasure.py)
    channel = Column(String(40), nullable=False)
    language = Column(String(5), nullable=False)
    body = Column(String(20), nullable=False)  # bodies in data/complaints.yml, or "objection"
    theme = Column(String(20))
    what = Column(Text)
    happened_when = Column(String(200))
    wish = Column(Text)
    contact = Column(String(200))  # "chat", a phone number or an e-mail address
    status = Column(String(12), nullable=False, index=True)  # COMPLAINT_STATUSES
    public_answer = Column(Text)  # what staff tell the newcomer
    answer_pending = Column(Boolean, nullable=False, default=False)  # a status change not yet announced
    created_at = Column(DateTime, nullable=False, default=utc_now, index=True)
    updated_at = Column(DateTime, nullable=False, default=utc_now, onupdate=utc_now)


class ErasureRequest(Base):
    """A newcomer asked to erase their conversation; its messages go right after their turn (bot/privacy/erasure.py)."""

    __tablename__ = "erasure_requests"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False)
    requested_at = Column(DateTime, nullable=False, default=utc_now)


class SeenUpdate(Base):
    """A chat-app update (Telegram update id, WhatsApp message id) some Rasa server handled lately
    (bot/channels/redelivery.py: the shared memory when no Redis is configured)."""

    __tablename__ = "seen_updates"

    key = Column(String(255), primary_key=True)  # "<channel>:<the app's id>"
    seen_at = Column(DateTime, nullable=False, index=True)
