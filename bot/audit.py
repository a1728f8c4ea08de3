"""The audit log: who did what, when, to which conversation (never message text)."""
from __future__ import annotations

from typing import Optional

from sqlalchemy.orm import Session

from bot.models import AuditEntry, Handoff, Staff


def audit(
    session: Session,
    staff: Optional[Staff],
    action: str,
    handoff: Optional[Handoff] = None,
    sender_id: Optional[str] = None,
    detail: Optional[str] = None,
) -> None:
    """One line in the audit log: who, what, when, which conversation (never message text)."""
    session.add(
        AuditEntry(
            staff_id=staff.id if staff else None,
            action=action,
            handoff_id=handoff.id if handoff else None,
            sender_id=handoff.sender_id if handoff else sender_id,
            detail=detail,
        )
    )
