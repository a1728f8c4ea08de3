"""Console accounts: Argon2 password hashes, logins that slow down guessing, server-side sessions, and
disabling an account.

Logins: every failure looks the same (an unknown name, a wrong password, a disabled account, a try that
came too soon), so the answer never tells whether an account exists. Failures count per (typed username,
address), stored as a keyed hash: after FREE_FAILURES, that pair waits FIRST_WAIT before its next try, twice
as long after every further failure, up to MAX_WAIT. A stranger elsewhere slows down only themselves; no
account is ever locked for its owner. A try is counted before the password is checked (and cleared when it
was right), so parallel guesses count too. Argon2 runs in a small pool of worker threads, never on the event
loop that also serves the bot's answers.

The browser holds a random session token in a cookie; the database keeps only its SHA-256, with the
session's CSRF token.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.audit import audit
from bot.db import transaction
from bot.handoff.workflow import release_waiting
from bot.models import STAFF_ROLES, LoginFailure, Staff, StaffSession, utc_now
from bot.security import keyed_hash, same_secret

FREE_FAILURES = 3  # failed logins of one (username, address) before it has to wait
FIRST_WAIT = dt.timedelta(seconds=5)  # then twice as long after every further failure ...
MAX_WAIT = dt.timedelta(minutes=15)  # ... up to this
FAILURE_MEMORY = dt.timedelta(days=1)  # a pair's failures are forgotten this long after its last one
SESSION_LIFETIME = dt.timedelta(hours=10)  # a working day; then log in again
MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()
# Checked against when the username is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
# Argon2 takes tens of milliseconds and 64 MiB per check: a few threads, so logins queue instead of piling up.
_HASHING = ThreadPoolExecutor(max_workers=2, thread_name_prefix="argon2")


class StaffError(ValueError):
    """An account cannot be created as asked."""


def normal_username(username: str) -> str:
    return (username or "").strip().lower()


def create_staff(session: Session, username: str, display_name: str, role: str, password: str) -> Staff:
    username = normal_username(username)
    if not username or not display_name.strip():
        raise StaffError("a username and a display name are needed")
    if role not in STAFF_ROLES:
        raise StaffError(f"the role must be one of {', '.join(STAFF_ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalars(select(Staff).where(Staff.username == username)).first():
        raise StaffError(f"the username {username!r} is taken")
    staff = Staff(username=username, display_name=display_name.strip(), role=role,
                  password_hash=_hasher.hash(password))
    session.add(staff)
    session.flush()
    return staff


@dataclass(frozen=True)
class Disabled:
    """What disabling an account ended."""

    sessions: int
    handoffs: int  # waiting handoffs assigned to it, back in the shared queue


def disable_staff(session: Session, username: str) -> Disabled:
    """Ends an account: no more logins, its sessions end now, its waiting handoffs go to the shared queue."""
    staff = session.scalars(select(Staff).where(Staff.username == normal_username(username))).first()
    if staff is None:
        raise StaffError(f"there is no account {normal_username(username)!r}")
    staff.disabled_at = staff.disabled_at or utc_now()
    ended = session.execute(delete(StaffSession).where(StaffSession.staff_id == staff.id)).rowcount
    released = release_waiting(session, staff.id)
    audit(session, None, "staff_disabled", detail=staff.username)
    return Disabled(sessions=ended, handoffs=released)


# --- logging in -----------------------------------------------------------------------------------------


def failure_key(secret: str, username: str, address: str) -> str:
    return keyed_hash(secret, f"console-login:{normal_username(username)}:{address}")


def wait_after(failures: int) -> Optional[dt.timedelta]:
    """How long a (username, address) pair waits after this many failures in a row (None: not at all)."""
    if failures < FREE_FAILURES:
        return None
    return min(FIRST_WAIT * 2 ** min(failures - FREE_FAILURES, 20), MAX_WAIT)


def count_try(session: Session, key: str, now: dt.datetime) -> bool:
    """Counts a login try as a failure before its password is checked; False (nothing counted) when the pair
    must still wait. One conditional UPDATE, so parallel tries each count."""
    session.execute(delete(LoginFailure).where(LoginFailure.last_failed_at < now - FAILURE_MEMORY))
    may_try = or_(LoginFailure.blocked_until.is_(None), LoginFailure.blocked_until <= now)
    counted = session.execute(
        update(LoginFailure)
        .where(LoginFailure.key_hash == key, may_try)
        .values(failures=LoginFailure.failures + 1, last_failed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not counted:
        if session.scalar(select(LoginFailure.id).where(LoginFailure.key_hash == key)) is not None:
            return False
        try:
            with session.begin_nested():
                session.add(LoginFailure(key_hash=key, failures=1, last_failed_at=now))
        except IntegrityError:  # a parallel first try inserted it: count this one on that row
            return count_try(session, key, now)
    failures = session.scalar(select(LoginFailure.failures).where(LoginFailure.key_hash == key))
    wait = wait_after(failures)
    session.execute(update(LoginFailure).where(LoginFailure.key_hash == key)
                    .values(blocked_until=now + wait if wait else None).execution_options(synchronize_session=False))
    return True


async def _off_the_loop(function: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(_HASHING, functools.partial(function, *args))


async def log_in(sessions: sessionmaker, secret: str, username: str, password: str, address: str,
                 now: Optional[dt.datetime] = None) -> Optional[str]:
    """A console login: the new session's token, or None, the same for every failure (an unknown name, a
    wrong password, a disabled account, a try too soon). Both outcomes go to the audit log (a failure under
    the account when the name is one)."""
    key = failure_key(secret, username, address)
    with transaction(sessions) as session:
        allowed = count_try(session, key, now or utc_now())
        staff = session.scalars(select(Staff).where(Staff.username == normal_username(username),
                                                    Staff.disabled_at.is_(None))).first()
        staff_id, password_hash = (staff.id, staff.password_hash) if staff else (None, _DUMMY_HASH)
        if not allowed:
            audit(session, staff, "login_failed", detail="too soon")
            return None
    matches = await _off_the_loop(_password_matches, password_hash, password)
    rehashed = None
    if matches and staff_id is not None and _hasher.check_needs_rehash(password_hash):
        rehashed = await _off_the_loop(_hasher.hash, password)
    with transaction(sessions) as session:
        staff = session.get(Staff, staff_id) if staff_id is not None else None
        if not matches or staff is None or staff.disabled_at is not None:
            audit(session, staff, "login_failed")
            return None
        session.execute(delete(LoginFailure).where(LoginFailure.key_hash == key))
        if rehashed:
            staff.password_hash = rehashed
        token = start_session(session, staff)
        audit(session, staff, "login")
    return token


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(session: Session, staff: Staff) -> str:
    """A new login session; returns the token for the cookie (shown once, stored only hashed)."""
    token = secrets.token_urlsafe(32)
    now = utc_now()
    session.execute(delete(StaffSession).where(StaffSession.expires_at < now))
    session.add(StaffSession(token_hash=_token_hash(token), staff_id=staff.id, csrf_token=secrets.token_urlsafe(32),
                             created_at=now, expires_at=now + SESSION_LIFETIME))
    session.flush()
    return token


def find_session(session: Session, token: Optional[str]) -> Optional[StaffSession]:
    if not token:
        return None
    found = session.scalars(select(StaffSession).where(StaffSession.token_hash == _token_hash(token))).first()
    if found is None or found.expires_at < utc_now() or found.staff.disabled_at is not None:
        return None
    return found


def end_session(session: Session, token: Optional[str]) -> None:
    if token:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == _token_hash(token)))


def log_out(session: Session, staff: Staff, token: Optional[str]) -> None:
    end_session(session, token)
    audit(session, staff, "logout")


def csrf_matches(staff_session: StaffSession, submitted: Optional[str]) -> bool:
    return same_secret(submitted, staff_session.csrf_token)
