"""One lock-out against guessing, for every check of something a person claims to know.

A case lookup (case number + date of birth) and a complaint status check (reference + code) run the same
sequence: hash who asks and what they ask about, refuse while either is locked or while the failure budget
of all senders together is used up, compare, record the try. Only keyed hashes are stored, never a case
number, a reference or a sender id.

- MAX_FAILED_ATTEMPTS failures of one sender, or on one subject (a case, a complaint), within LOCKOUT lock
  it. The first lock-out lasts LOCKOUT after the last failure; each further one within LOCKOUT_MEMORY lasts
  twice as long as the one before (up to MAX_LOCKOUT), so guessing slowly does not pay either.
- The failure budget: when all senders together failed `FailureBudget.failures` times within its window
  (guesses spread over many fresh conversations), every check is refused with the locked answer until the
  oldest of those failures leaves the window, and a warning (counts only) is logged.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.models import VerificationAttempt
from bot.security import keyed_hash

logger = logging.getLogger(__name__)

MAX_FAILED_ATTEMPTS = 3
LOCKOUT = dt.timedelta(minutes=15)
LOCKOUT_MEMORY = dt.timedelta(hours=24)  # lock-outs this recent make the next one longer
MAX_LOCKOUT = dt.timedelta(hours=24)


@dataclass(frozen=True)
class FailureBudget:
    """How many failed checks all senders together may have within `window` before checks are refused."""

    failures: int = 30
    window: dt.timedelta = dt.timedelta(minutes=10)


@lru_cache(maxsize=1)
def configured_budget() -> FailureBudget:
    """The budget from the settings (WEGWIJS_VERIFICATION_FAILURE_*), read once per process."""
    from bot.config import Settings  # here: bot.config is heavier than this module needs otherwise

    settings = Settings.from_env()
    return FailureBudget(settings.verification_failure_budget,
                         dt.timedelta(minutes=settings.verification_failure_window_minutes))


@dataclass(frozen=True)
class AttemptResult:
    """`succeeded`, or refused until `locked_until` (now, or because this failure reached the limit)."""

    succeeded: bool
    subject_hash: str
    locked_until: Optional[dt.datetime] = None
    refused: bool = False  # locked before the check ran


def lockout_duration(number: int) -> dt.timedelta:
    """How long the `number`th lock-out within LOCKOUT_MEMORY lasts: LOCKOUT, then twice as long each time."""
    return min(LOCKOUT * 2 ** (max(number, 1) - 1), MAX_LOCKOUT)


def replay(failures: Sequence[dt.datetime]) -> Tuple[Optional[dt.datetime], int]:
    """(when the last lock-out ends, or None; failures since it) from one sender's or subject's failure times."""
    locked_until: Optional[dt.datetime] = None
    lockouts = 0
    streak: List[dt.datetime] = []
    for moment in sorted(failures):
        streak = [earlier for earlier in streak if earlier > moment - LOCKOUT] + [moment]
        if len(streak) >= MAX_FAILED_ATTEMPTS:
            lockouts += 1
            locked_until = moment + lockout_duration(lockouts)
            streak = []
    return locked_until, len(streak)


def _failure_times(session: Session, sender_hash: str, subject_hash: str,
                   now: dt.datetime) -> Dict[str, List[dt.datetime]]:
    rows = session.execute(
        select(VerificationAttempt.sender_hash, VerificationAttempt.subject_hash, VerificationAttempt.created_at)
        .where(VerificationAttempt.succeeded.is_(False), VerificationAttempt.created_at > now - LOCKOUT_MEMORY,
               VerificationAttempt.created_at <= now,
               or_(VerificationAttempt.sender_hash == sender_hash, VerificationAttempt.subject_hash == subject_hash))
    ).all()
    return {"sender": [r.created_at for r in rows if r.sender_hash == sender_hash],
            "subject": [r.created_at for r in rows if r.subject_hash == subject_hash]}


def lockout(session: Session, sender_hash: str, subject_hash: str, now: dt.datetime,
            failing_now: bool = False) -> Optional[dt.datetime]:
    """Until when the sender or the subject (a case, a complaint) is locked, or None; with `failing_now`, as if
    a failure at `now` had been recorded."""
    ends = []
    for times in _failure_times(session, sender_hash, subject_hash, now).values():
        until, _ = replay(times + [now] if failing_now else times)
        if until is not None and until > now:
            ends.append(until)
    return max(ends) if ends else None


def budget_used_up(session: Session, budget: FailureBudget, now: dt.datetime) -> Optional[dt.datetime]:
    """Until when checks are refused because all senders together failed too often, or None."""
    count, oldest = session.execute(
        select(func.count(), func.min(VerificationAttempt.created_at)).where(
            VerificationAttempt.succeeded.is_(False), VerificationAttempt.created_at > now - budget.window,
            VerificationAttempt.created_at <= now)
    ).one()
    if count < budget.failures:
        return None
    _warn_once(budget, count, now)
    return oldest + budget.window


_last_warning: Dict[str, dt.datetime] = {}


def _warn_once(budget: FailureBudget, count: int, now: dt.datetime) -> None:
    """A warning per window and process: the alert, with counts only (no sender, case or reference)."""
    last = _last_warning.get("budget")
    if last is not None and now - last < budget.window:
        return
    _last_warning["budget"] = now
    logger.warning("Verification failure budget used up: %d failed checks by all senders within %d minutes; "
                   "case and complaint checks are refused for now (possible guessing from many conversations)",
                   count, budget.window.total_seconds() // 60)


def guarded_check(
    session: Session, secret: str, sender_key: str, subject_key: str, check: Callable[[], bool], now: dt.datetime,
    budget: Optional[FailureBudget] = None,
) -> AttemptResult:
    """Runs `check` (a constant-time comparison) unless the sender or the subject is locked or the failure
    budget is used up; records the try."""
    sender_hash, subject_hash = keyed_hash(secret, sender_key), keyed_hash(secret, subject_key)
    locked = lockout(session, sender_hash, subject_hash, now) or budget_used_up(session, budget or configured_budget(),
                                                                                 now)
    if locked:
        return AttemptResult(False, subject_hash, locked_until=locked, refused=True)
    succeeded = bool(check())
    if not succeeded:
        locked = lockout(session, sender_hash, subject_hash, now, failing_now=True)
    session.add(VerificationAttempt(sender_hash=sender_hash, subject_hash=subject_hash, succeeded=succeeded,
                                    created_at=now))
    return AttemptResult(succeeded, subject_hash, locked_until=locked)
