"""Handing a conversation to a person: the queue, routing, the state machine and staff replies.

A handoff is `waiting` until a staff member takes it (`taken`: the bot is paused), and ends `handed_back`
(the bot resumes) or `closed` with an outcome. Every move is one conditional UPDATE, so two staff members
can never both take the same handoff. No Rasa here: the actions and the console call these functions.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence, Set, Tuple

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, object_session

from bot import authorization
from bot.audit import audit
from bot.cases import find_case
from bot.models import (
    HANDOFF_TRANSITIONS,
    OPEN_HANDOFF_STATUSES,
    Case,
    Handoff,
    Staff,
    StaffMessage,
    states_leading_to,
    utc_now,
)

# Why a conversation reached a person.
HANDOFF_REASONS = (
    "asked", "not_understood", "verification_locked", "distress", "service_down", "complaint_overdue",
)
OUTCOMES = ("answered", "called_back", "referred", "no_reply", "other")
MAX_STAFF_MESSAGE_LENGTH = 4000
WHATSAPP_WINDOW = dt.timedelta(hours=24)  # WhatsApp accepts free-text replies only this long

TRANSITIONS = HANDOFF_TRANSITIONS


class HandoffError(Exception):
    """A staff action that is not possible now; `message` is what the console shows."""


class HandoffConflict(HandoffError):
    """The handoff moved on in the meantime (e.g. a colleague took it)."""

    def __init__(self, handoff: Handoff) -> None:
        holder = handoff.taken_by.display_name if handoff.taken_by else None
        super().__init__(f"taken by {holder}" if holder else f"already {handoff.status.replace('_', ' ')}")
        self.handoff = handoff


def can_move(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())


@dataclass(frozen=True)
class HandoffRequest:
    """What the assistant knows when a conversation needs a person."""

    sender_id: str
    channel: str
    language: str
    reason: str
    case_number: Optional[str] = None


def _handles_handoffs() -> object:
    """Accounts that can take a handoff: active, in a role that sees the queue."""
    return Staff.disabled_at.is_(None) & Staff.role.in_(authorization.PERMISSIONS["handoffs"])


def contact_person_for(session: Session, case_number: Optional[str]) -> Optional[Staff]:
    """The console account of a verified newcomer's own contact person, if any: by the case's
    `contact_username` when the case file gives one; otherwise by name, only when exactly one account has it
    (two colleagues with the same name: the shared queue, never a guess)."""
    if not case_number:
        return None
    case = find_case(session, case_number)
    if case is None:
        return None
    if case.contact_username:
        return session.scalars(select(Staff).where(Staff.username == case.contact_username.strip().lower(),
                                                   _handles_handoffs())).first()
    if not case.contact_name:
        return None
    name = case.contact_name.strip().lower()
    namesakes = session.scalars(select(Staff).where(func.lower(Staff.display_name) == name, _handles_handoffs())
                                .limit(2)).all()
    return namesakes[0] if len(namesakes) == 1 else None


def open_handoff(session: Session, sender_id: str) -> Optional[Handoff]:
    return session.scalars(
        select(Handoff)
        .where(Handoff.sender_id == sender_id, Handoff.status.in_(OPEN_HANDOFF_STATUSES))
        .order_by(Handoff.id.desc())
    ).first()


def latest_handoff(session: Session, sender_id: str) -> Optional[Handoff]:
    return session.scalars(select(Handoff).where(Handoff.sender_id == sender_id).order_by(Handoff.id.desc())).first()


def request_handoff(session: Session, request: HandoffRequest) -> Tuple[Handoff, bool]:
    """Stores a handoff (or finds the one already open for this conversation); True when it is new."""
    if request.reason not in HANDOFF_REASONS:
        raise ValueError(f"unknown handoff reason {request.reason!r}")
    existing = open_handoff(session, request.sender_id)
    if existing is not None:
        if request.case_number and not existing.case_number:
            existing.case_number = request.case_number
            if existing.status == "waiting" and existing.assigned_to_id is None:
                contact = contact_person_for(session, request.case_number)
                existing.assigned_to_id = contact.id if contact else None
        existing.updated_at = utc_now()
        session.flush()
        return existing, False
    contact = contact_person_for(session, request.case_number)
    handoff = Handoff(
        sender_id=request.sender_id,
        channel=request.channel,
        language=request.language,
        reason=request.reason,
        status="waiting",
        case_number=request.case_number,
        assigned_to_id=contact.id if contact else None,
    )
    session.add(handoff)
    session.flush()
    return handoff, True


def _move(session: Session, handoff_id: int, new_status: str, **values: object) -> Handoff:
    """Compare-and-set: move to `new_status` only from a state that allows it, as one UPDATE."""
    allowed_from = states_leading_to(TRANSITIONS, new_status)
    now = utc_now()
    result = session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.status.in_(allowed_from))
        .values(status=new_status, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    handoff = session.get(Handoff, handoff_id, populate_existing=True)
    if handoff is None:
        raise HandoffError("no such handoff")
    if result.rowcount != 1:
        raise HandoffConflict(handoff)
    return handoff


def may_see(staff: Staff, handoff: Handoff) -> bool:
    """True when this staff member may see this (stored) handoff: bot/authorization.py's rule."""
    try:
        authorization.check_handoff(object_session(handoff), staff, handoff)
    except authorization.Refused:
        return False
    return True


def get_handoff(session: Session, staff: Staff, handoff_id: int) -> Handoff:
    """The handoff, when this staff member may see it (bot/authorization.py; otherwise `Refused`)."""
    handoff = session.get(Handoff, handoff_id)
    if handoff is None:
        raise HandoffError("no such handoff")
    authorization.check_handoff(session, staff, handoff)
    return handoff


def take(session: Session, staff: Staff, handoff_id: int) -> Handoff:
    get_handoff(session, staff, handoff_id)
    handoff = _move(session, handoff_id, "taken", taken_by_id=staff.id, taken_at=utc_now())
    audit(session, staff, "take", handoff)
    return handoff


def _require_holder(session: Session, staff: Staff, handoff_id: int) -> Handoff:
    handoff = get_handoff(session, staff, handoff_id)
    if (handoff.status == "taken" and handoff.taken_by_id != staff.id
            and not authorization.may(staff, "act_for_colleagues")):
        raise HandoffConflict(handoff)
    return handoff


def hand_back(session: Session, staff: Staff, handoff_id: int) -> Handoff:
    _require_holder(session, staff, handoff_id)
    handoff = _move(session, handoff_id, "handed_back", closed_at=utc_now())
    audit(session, staff, "hand_back", handoff)
    return handoff


def close(session: Session, staff: Staff, handoff_id: int, outcome: str) -> Handoff:
    if outcome not in OUTCOMES:
        raise HandoffError("choose an outcome")
    _require_holder(session, staff, handoff_id)
    handoff = _move(session, handoff_id, "closed", outcome=outcome, closed_at=utc_now())
    audit(session, staff, "close", handoff, detail=outcome)
    return handoff


def reassign(session: Session, staff: Staff, handoff_id: int, assignee_id: Optional[int]) -> Handoff:
    """A coordinator gives a waiting handoff to a colleague (or back to the shared queue)."""
    authorization.require(staff, "reassign")
    handoff = get_handoff(session, staff, handoff_id)
    if handoff.status != "waiting":
        raise HandoffConflict(handoff)
    assignee = session.scalars(select(Staff).where(Staff.id == assignee_id, _handles_handoffs())).first()
    if assignee_id and assignee is None:
        raise HandoffError("no such colleague")
    handoff.assigned_to_id = assignee.id if assignee else None
    handoff.updated_at = utc_now()
    audit(session, staff, "reassign", handoff, detail=assignee.username if assignee else "shared queue")
    session.flush()
    return handoff


def _require_replier(session: Session, staff: Staff, handoff_id: int) -> Handoff:
    """The handoff, when this staff member may send the newcomer replies now: it is taken, by them (or they
    coordinate)."""
    handoff = _require_holder(session, staff, handoff_id)
    if handoff.status != "taken":
        raise HandoffError("take the handoff before replying")
    return handoff


def add_staff_message(session: Session, staff: Staff, handoff_id: int, text: str) -> StaffMessage:
    """Stores a reply of the staff member who holds the handoff; it is relayed afterwards."""
    text = (text or "").strip()
    if not text:
        raise HandoffError("the reply is empty")
    if len(text) > MAX_STAFF_MESSAGE_LENGTH:
        raise HandoffError(f"the reply is longer than {MAX_STAFF_MESSAGE_LENGTH} characters")
    handoff = _require_replier(session, staff, handoff_id)
    message = StaffMessage(handoff_id=handoff.id, staff_id=staff.id, text=text, status="pending")
    session.add(message)
    audit(session, staff, "reply", handoff)
    session.flush()
    return message


def send_again(session: Session, staff: Staff, handoff_id: int) -> Tuple[Handoff, List[int]]:
    """Puts the handoff's failed replies back to be relayed; the same checks as a new reply (the handoff is
    taken, by this staff member or they coordinate). Returns the handoff and the ids of those replies."""
    handoff = _require_replier(session, staff, handoff_id)
    failed = list(session.scalars(select(StaffMessage).where(StaffMessage.handoff_id == handoff.id,
                                                             StaffMessage.status == "failed")))
    for message in failed:
        message.status = "pending"
    audit(session, staff, "send_again", handoff)
    session.flush()
    return handoff, [message.id for message in failed]


def pending_messages(session: Session, sender_id: str) -> List[StaffMessage]:
    """Staff replies of the conversation's open handoff not yet relayed, oldest first."""
    return list(
        session.scalars(
            select(StaffMessage)
            .join(Handoff)
            .where(Handoff.sender_id == sender_id, Handoff.status == "taken", StaffMessage.status == "pending")
            .order_by(StaffMessage.id)
        )
    )


def mark_relayed(session: Session, message_ids: Iterable[int], error: Optional[str] = None) -> None:
    """Records the outcome of relaying replies; the first one sent starts the handoff's reply clock."""
    ids = list(message_ids)
    if not ids:
        return
    now = utc_now()
    values = {"status": "failed", "error": error[:200]} if error else {"status": "sent", "sent_at": now, "error": None}
    session.execute(update(StaffMessage).where(StaffMessage.id.in_(ids)).values(**values))
    if not error:
        handoff_ids = select(StaffMessage.handoff_id).where(StaffMessage.id.in_(ids)).scalar_subquery()
        session.execute(
            update(Handoff)
            .where(Handoff.id.in_(handoff_ids), Handoff.first_reply_at.is_(None))
            .values(first_reply_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )


def save_callback_phone(session: Session, sender_id: str, phone: str) -> Optional[Handoff]:
    handoff = open_handoff(session, sender_id)
    if handoff is not None:
        handoff.callback_phone = phone
        handoff.updated_at = utc_now()
    return handoff


def queue(session: Session, staff: Staff, view: str) -> Sequence[Handoff]:
    """waiting: open handoffs nobody took that this person may take; mine: theirs; all: everything visible
    (what is visible is bot/authorization.py's, as for a single handoff)."""
    query = select(Handoff).where(authorization.visible_handoffs(staff))
    if view == "waiting":
        query = query.where(Handoff.status == "waiting")
    elif view == "mine":
        query = query.where(
            Handoff.status.in_(OPEN_HANDOFF_STATUSES),
            or_(Handoff.taken_by_id == staff.id, Handoff.assigned_to_id == staff.id),
        )
    return list(session.scalars(query.order_by(Handoff.updated_at.desc()).limit(500)))


@dataclass(frozen=True)
class HandoffDetails:
    """What a handoff's page shows besides the transcript."""

    handoff: Handoff
    case: Optional[Case]  # when the newcomer verified their case
    messages: List[StaffMessage]  # the team's replies, oldest first
    colleagues: List[Staff]  # whom a coordinator can give it to (active accounts that handle handoffs)


def handoff_details(session: Session, staff: Staff, handoff_id: int) -> HandoffDetails:
    handoff = get_handoff(session, staff, handoff_id)
    case = find_case(session, handoff.case_number) if handoff.case_number else None
    messages = session.scalars(select(StaffMessage).where(StaffMessage.handoff_id == handoff.id)
                               .order_by(StaffMessage.id)).all()
    colleagues = session.scalars(select(Staff).where(_handles_handoffs()).order_by(Staff.display_name)).all()
    return HandoffDetails(handoff, case, list(messages), list(colleagues))


def release_waiting(session: Session, staff_id: int) -> int:
    """Puts the waiting handoffs assigned to this account back in the shared queue (when it is disabled)."""
    return session.execute(
        update(Handoff).where(Handoff.assigned_to_id == staff_id, Handoff.status == "waiting")
        .values(assigned_to_id=None, updated_at=utc_now()).execution_options(synchronize_session=False)
    ).rowcount


def senders_with_handoffs(session: Session) -> Set[str]:
    """The conversations that ever reached a person (the review's "handed to a person" filter)."""
    return set(session.scalars(select(Handoff.sender_id)).all())


def handoffs_since(session: Session, since: dt.datetime) -> List[Handoff]:
    """Handoffs created since `since`, for the numbers page."""
    return list(session.scalars(select(Handoff).where(Handoff.created_at >= since)))


def reply_window_closed(channel: str, last_user_message_at: Optional[dt.datetime], now: dt.datetime) -> bool:
    """True when a free-text reply cannot reach the newcomer: WhatsApp's 24 hours since their last message."""
    if channel != "whatsapp":
        return False
    return last_user_message_at is None or now - last_user_message_at > WHATSAPP_WINDOW


def waiting_minutes(handoff: Handoff, now: Optional[dt.datetime] = None) -> int:
    end = handoff.taken_at or handoff.closed_at or (now or utc_now())
    return max(0, int((end - handoff.created_at).total_seconds() // 60))
