"""Console accounts: Argon2 password hashes, login with a lock-out, and server-side sessions.

The browser holds a random session token in a cookie; the database keeps only its SHA-256, with the
session's CSRF token. Failed logins count per account: after MAX_FAILED_LOGINS the account is locked for
LOCKOUT, whatever password comes next.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Optional, Tuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.audit import audit
from bot.models import STAFF_ROLES, Staff, StaffSession, utc_now
from bot.security import same_secret

MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
SESSION_LIFETIME = dt.timedelta(hours=10)  # a working day; then log in again
MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()
# Checked against when the username is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class StaffError(ValueError):
    """An account cannot be created as asked."""


def create_staff(session: Session, username: str, display_name: str, role: str, password: str) -> Staff:
    username = username.strip().lower()
    if not username or not display_name.strip():
        raise StaffError("a username and a display name are needed")
    if role not in STAFF_ROLES:
        raise StaffError(f"the role must be one of {', '.join(STAFF_ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalars(select(Staff).where(Staff.username == username)).first():
        raise StaffError(f"the username {username!r} is taken")
    staff = Staff(username=username, display_name=display_name.strip(), role=role,
                  password_hash=_hasher.hash(password), failed_logins=0)
    session.add(staff)
    session.flush()
    return staff


@dataclass(frozen=True)
class LoginResult:
    staff: Optional[Staff] = None
    locked_until: Optional[dt.datetime] = None


def authenticate(session: Session, username: str, password: str) -> LoginResult:
    """Checks a login; counts failures and locks the account after MAX_FAILED_LOGINS in a row."""
    now = utc_now()
    staff = session.scalars(select(Staff).where(Staff.username == username.strip().lower())).first()
    if staff is None:
        _password_matches(_DUMMY_HASH, password)
        return LoginResult()
    if staff.locked_until and staff.locked_until > now:
        return LoginResult(locked_until=staff.locked_until)
    if not _password_matches(staff.password_hash, password):
        staff.failed_logins = (staff.failed_logins or 0) + 1
        if staff.failed_logins >= MAX_FAILED_LOGINS:
            staff.locked_until = now + LOCKOUT
            staff.failed_logins = 0
            return LoginResult(locked_until=staff.locked_until)
        return LoginResult()
    staff.failed_logins = 0
    staff.locked_until = None
    if _hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = _hasher.hash(password)
    return LoginResult(staff=staff)


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
    if found is None or found.expires_at < utc_now():
        return None
    return found


def end_session(session: Session, token: Optional[str]) -> None:
    if token:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == _token_hash(token)))


def log_in(session: Session, username: str, password: str) -> Tuple[LoginResult, Optional[str]]:
    """A console login: the result and, when it succeeded, the new session's token. Both outcomes go to the
    audit log (a failure under the account's name when the username exists)."""
    result = authenticate(session, username, password)
    if result.staff is None:
        known = session.scalars(select(Staff).where(Staff.username == username.strip().lower())).first()
        audit(session, known, "login_failed", detail="locked" if result.locked_until else None)
        return result, None
    token = start_session(session, result.staff)
    audit(session, result.staff, "login")
    return result, token


def log_out(session: Session, staff: Staff, token: Optional[str]) -> None:
    end_session(session, token)
    audit(session, staff, "logout")


def csrf_matches(staff_session: StaffSession, submitted: Optional[str]) -> bool:
    return same_secret(submitted, staff_session.csrf_token)
