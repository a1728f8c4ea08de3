"""Console accounts: hashing, the login lock-out, sessions and CSRF tokens."""
import datetime as dt

import pytest

from bot.console.accounts import (
    MAX_FAILED_LOGINS,
    StaffError,
    authenticate,
    create_staff,
    csrf_matches,
    end_session,
    find_session,
    start_session,
)
from bot.db import transaction
from bot.models import Staff, StaffSession, utc_now

PASSWORD = "correct horse battery"


@pytest.fixture
def account(sessions):
    with transaction(sessions) as session:
        return create_staff(session, "Sanne", "Sanne de Vries", "contact_person", PASSWORD).id


def test_passwords_are_stored_as_argon2_hashes(sessions, account):
    with transaction(sessions) as session:
        stored = session.get(Staff, account)
        assert stored.username == "sanne" and stored.password_hash.startswith("$argon2id$")
        assert PASSWORD not in stored.password_hash


@pytest.mark.parametrize("username, name, role, password, message", [
    ("", "X", "contact_person", PASSWORD, "username"),
    ("x", "X", "admin", PASSWORD, "role"),
    ("x", "X", "coordinator", "short", "at least"),
    ("SANNE", "Other", "coordinator", PASSWORD, "taken"),
])
def test_bad_accounts_are_refused(sessions, account, username, name, role, password, message):
    with transaction(sessions) as session, pytest.raises(StaffError, match=message):
        create_staff(session, username, name, role, password)


def test_login_and_lockout(sessions, account):
    with transaction(sessions) as session:
        assert authenticate(session, "sanne", PASSWORD).staff.id == account
        assert authenticate(session, "nobody", PASSWORD).staff is None
        for _ in range(MAX_FAILED_LOGINS - 1):
            result = authenticate(session, "sanne", "wrong")
            assert result.staff is None and result.locked_until is None
        locked = authenticate(session, "sanne", "wrong")
        assert locked.locked_until is not None
        # Locked: even the right password is refused until the lock ends.
        assert authenticate(session, "sanne", PASSWORD).staff is None
        session.get(Staff, account).locked_until = utc_now() - dt.timedelta(seconds=1)
        assert authenticate(session, "SANNE ", PASSWORD).staff.id == account


def test_sessions_and_csrf(sessions, account):
    with transaction(sessions) as session:
        token = start_session(session, session.get(Staff, account))
    with transaction(sessions) as session:
        found = find_session(session, token)
        assert found.staff.id == account
        assert token not in found.token_hash  # only the hash is stored
        assert (csrf_matches(found, found.csrf_token) and not csrf_matches(found, "forged")
                and not csrf_matches(found, None))
        assert find_session(session, "made-up") is None and find_session(session, None) is None
        found.expires_at = utc_now() - dt.timedelta(seconds=1)
    with transaction(sessions) as session:
        assert find_session(session, token) is None  # expired
        end_session(session, token)
        assert session.query(StaffSession).count() == 0
