"""Need-to-know in the staff console: one policy says what each role may see and do. The same rules check a
single item and filter a list: they are SQL conditions, so a list never shows what its page would refuse.

What each role may use (`PERMISSIONS`):

- contact_person: the handoff queue: the shared queue's open handoffs, the ones assigned to them and the
  ones they took, with the transcripts behind those;
- complaints: the complaints (list, page, status and answer, theme, telling the newcomer) and the themes
  report with its CSV;
- coordinator: all of that, and acting on a colleague's handoff, reassigning, conversation review with the
  notes on answers and their CSV, and erasing a conversation (with a reason);
- everybody: the numbers page (counts only) and logging out.

Nobody handles a complaint about themselves. A complaint does not name a staff member (the complaint form
does not ask for one, and its story is free text), so "about" is what the data supports: the complainant's
conversation had a handoff that this staff member took, was assigned or replied in. Such a complaint is
left out of their list and refused on its page, and so is the complainant's conversation in the review (it
holds the complaint's story).

A handoff's transcript ends where the handoff ended (`transcript_until`): what the newcomer says after a
person handed them back is not that person's business; coordinators read it in the conversation review.

A refusal raises `Refused`; the console answers 403 and writes it to the audit log (bot/console/routes.py).
"""
from __future__ import annotations

import datetime as dt
from typing import Dict, FrozenSet, Optional, Set

from sqlalchemy import and_, false, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.models import OPEN_HANDOFF_STATUSES, STAFF_ROLES, Complaint, Handoff, Staff, StaffMessage

EVERYONE = frozenset(STAFF_ROLES)
PERMISSIONS: Dict[str, FrozenSet[str]] = {
    "any_staff": EVERYONE,  # log out, the start page
    "numbers": EVERYONE,  # counts per day and language, no conversation
    "handoffs": frozenset({"contact_person", "coordinator"}),  # the queue and the handoffs it shows
    "act_for_colleagues": frozenset({"coordinator"}),  # reply to, hand back or close a colleague's handoff
    "reassign": frozenset({"coordinator"}),
    "complaints": frozenset({"complaints", "coordinator"}),  # complaints and the themes report (and CSV)
    "conversations": frozenset({"coordinator"}),  # the review: any conversation, notes on answers
    "notes_export": frozenset({"coordinator"}),  # the notes' CSV (it quotes answers)
    "erase": frozenset({"coordinator"}),
}
# Why something was refused; the console has a fixed text for each.
REASONS = ("role", "not_yours", "about_you")


class Refused(Exception):
    """A staff member asked for what the policy does not allow them (answered with 403 and audited)."""

    def __init__(self, reason: str, what: str, sender_id: Optional[str] = None,
                 handoff_id: Optional[int] = None) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown refusal reason {reason!r}")
        super().__init__(f"{reason}: {what}")
        self.reason, self.what, self.sender_id, self.handoff_id = reason, what, sender_id, handoff_id


def may(staff: Optional[Staff], permission: str) -> bool:
    """True when this staff member's role has the permission (a disabled account has none)."""
    return staff is not None and staff.disabled_at is None and staff.role in PERMISSIONS[permission]


def require(staff: Optional[Staff], permission: str) -> None:
    if not may(staff, permission):
        raise Refused("role", permission)


def _holds(session: Session, query) -> bool:
    return session.scalar(query.limit(1)) is not None


# --- handoffs -------------------------------------------------------------------------------------------


def visible_handoffs(staff: Staff) -> ColumnElement:
    """Which handoffs this staff member sees, as a WHERE condition: coordinators all; a contact person the
    shared queue's open ones, those assigned to them and those they took."""
    if not may(staff, "handoffs"):
        return false()
    if may(staff, "act_for_colleagues"):
        return true()
    shared = and_(Handoff.assigned_to_id.is_(None), Handoff.status.in_(OPEN_HANDOFF_STATUSES))
    return or_(shared, Handoff.assigned_to_id == staff.id, Handoff.taken_by_id == staff.id)


def check_handoff(session: Session, staff: Staff, handoff: Handoff) -> None:
    """Refuses a handoff outside this staff member's view (the queue's own condition, for one row)."""
    if not _holds(session, select(Handoff.id).where(Handoff.id == handoff.id, visible_handoffs(staff))):
        raise Refused("not_yours" if may(staff, "handoffs") else "role", f"handoff {handoff.id}",
                      sender_id=handoff.sender_id, handoff_id=handoff.id)


def transcript_until(handoff: Handoff) -> Optional[dt.datetime]:
    """Where a handoff's transcript ends: at its end once it is handed back or closed; None while open."""
    return None if handoff.status in OPEN_HANDOFF_STATUSES else handoff.closed_at


# --- complaints -----------------------------------------------------------------------------------------


def about(staff: Staff) -> ColumnElement:
    """The complaints about this staff member, as a WHERE condition on complaints: the complainant's
    conversation had a handoff they took, were assigned or replied in."""
    replied = select(StaffMessage.handoff_id).where(StaffMessage.staff_id == staff.id)
    handled = or_(Handoff.taken_by_id == staff.id, Handoff.assigned_to_id == staff.id, Handoff.id.in_(replied))
    return select(Handoff.id).where(Handoff.sender_id == Complaint.sender_id, handled).exists()


def visible_complaints(staff: Staff) -> ColumnElement:
    """Which complaints this staff member may handle: complaints (not referrals), none about themselves."""
    if not may(staff, "complaints"):
        return false()
    return and_(Complaint.kind == "complaint", ~about(staff))


def check_complaint(session: Session, staff: Staff, complaint: Complaint) -> None:
    """Refuses a complaint this staff member may not handle (the list's own condition, for one row)."""
    if not _holds(session, select(Complaint.id).where(Complaint.id == complaint.id, visible_complaints(staff))):
        raise Refused("about_you" if may(staff, "complaints") else "role", f"complaint {complaint.reference}",
                      sender_id=complaint.sender_id)


# --- conversations --------------------------------------------------------------------------------------


def _complainants_about(staff: Staff):
    return select(Complaint.sender_id).where(Complaint.kind == "complaint", about(staff))


def hidden_conversations(session: Session, staff: Staff) -> Set[str]:
    """The conversations left out of this staff member's review list: those with a complaint about them."""
    return set(session.scalars(_complainants_about(staff).distinct()))


def check_conversation(session: Session, staff: Staff, sender_id: str, permission: str = "conversations") -> None:
    """Refuses a conversation's page (or a note, or its erasure) to whoever may not review conversations, and
    to the staff member a complaint in it is about."""
    require(staff, permission)
    if _holds(session, _complainants_about(staff).where(Complaint.sender_id == sender_id)):
        raise Refused("about_you", "a conversation with a complaint about them", sender_id=sender_id)
