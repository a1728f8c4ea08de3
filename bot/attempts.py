"""One lock-out against guessing, for every check of something a person claims to know.

A case lookup (case number + date of birth) and a complaint status check (reference + code) run the same
sequence: hash who asks and what they ask about, refuse while either is locked, compare, record the try.
Only keyed hashes are stored, never a case number, a reference or a sender id.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.models import VerificationAttempt
from bot.security import keyed_hash

MAX_FAILED_ATTEMPTS = 3
LOCKOUT = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class AttemptResult:
    """`succeeded`, or refused until `locked_until` (now, or because this failure reached the limit)."""

    succeeded: bool
    subject_hash: str
    locked_until: Optional[dt.datetime] = None
    refused: bool = False  # locked before the check ran


def lockout(
    session: Session, sender_hash: str, subject_hash: str, now: dt.datetime
) -> Tuple[Optional[dt.datetime], int]:
    """(until when tries are refused, or None; recent failures) for a sender or a subject (a case, a complaint).

    Locked after MAX_FAILED_ATTEMPTS failures for either within LOCKOUT, until LOCKOUT has passed since the
    last failure.
    """
    count, last = session.execute(
        select(func.count(), func.max(VerificationAttempt.created_at)).where(
            VerificationAttempt.succeeded.is_(False),
            VerificationAttempt.created_at > now - LOCKOUT,
            or_(VerificationAttempt.sender_hash == sender_hash, VerificationAttempt.subject_hash == subject_hash),
        )
    ).one()
    return (last + LOCKOUT if count >= MAX_FAILED_ATTEMPTS else None), count


def guarded_check(
    session: Session, secret: str, sender_key: str, subject_key: str, check: Callable[[], bool], now: dt.datetime
) -> AttemptResult:
    """Runs `check` (a constant-time comparison) unless the sender or the subject is locked; records the try."""
    sender_hash, subject_hash = keyed_hash(secret, sender_key), keyed_hash(secret, subject_key)
    locked, failures = lockout(session, sender_hash, subject_hash, now)
    if locked:
        return AttemptResult(False, subject_hash, locked_until=locked, refused=True)
    succeeded = bool(check())
    session.add(VerificationAttempt(sender_hash=sender_hash, subject_hash=subject_hash, succeeded=succeeded,
                                    created_at=now))
    if not succeeded and failures + 1 >= MAX_FAILED_ATTEMPTS:
        return AttemptResult(False, subject_hash, locked_until=now + LOCKOUT)
    return AttemptResult(succeeded, subject_hash)
