"""Verifying that a newcomer is who they say before their own case is shown; lock-out against guessing.

No case data is ever logged: case numbers only hashed.
"""
from __future__ import annotations

import datetime as dt
import hmac
import logging
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.attempts import guarded_check
from bot.models import Case, utc_now

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verification:
    """The result of one verification try: `case_number` when verified, `locked_until` when refused."""

    case_number: Optional[str] = None
    locked_until: Optional[dt.datetime] = None

    @property
    def verified(self) -> bool:
        return self.case_number is not None


def find_case(session: Session, case_number: str) -> Optional[Case]:
    return session.execute(select(Case).where(Case.case_number == case_number)).scalar_one_or_none()


def verify(
    session: Session,
    secret: str,
    sender_id: str,
    case_number: str,
    date_of_birth: dt.date,
    now: Optional[dt.datetime] = None,
) -> Verification:
    """Check a case number and date of birth, with a lock-out against guessing (bot/attempts.py).

    A wrong case number and a wrong date of birth fail the same way: the answer never says which was wrong.
    """
    def matches() -> bool:
        case = find_case(session, case_number)
        return case is not None and hmac.compare_digest(case.date_of_birth.isoformat(), date_of_birth.isoformat())

    result = guarded_check(session, secret, f"sender:{sender_id}", f"case:{case_number}", matches, now or utc_now())
    outcome = "refused (locked)" if result.refused else "succeeded" if result.succeeded else "failed"
    logger.info("Case verification %s for case %s", outcome, result.subject_hash[:12])
    if result.succeeded:
        return Verification(case_number=case_number)
    return Verification(locked_until=result.locked_until)
