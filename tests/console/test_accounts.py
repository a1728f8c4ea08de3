"""Console accounts: hashing, logins that slow down guessing per (account, address) without ever locking an
account for its owner, hashing off the event loop, disabling an account, sessions and CSRF tokens."""
import asyncio
import datetime as dt
import threading
import time

import pytest
from sqlalchemy import select

from bot.console import accounts
from bot.console.accounts import (
    FIRST_WAIT,
    FREE_FAILURES,
    MAX_WAIT,
    StaffError,
    create_staff,
    csrf_matches,
    disable_staff,
    end_session,
    find_session,
    log_in,
    start_session,
    wait_after,
)
from bot.db import transaction
from bot.handoff import workflow
from bot.models import AuditEntry, Handoff, LoginFailure, Staff, StaffSession, utc_now

PASSWORD = "correct horse battery"
SECRET = "a-secret-for-tests"
HERE, ELSEWHERE = "192.0.2.10", "198.51.100.7"


@pytest.fixture
def account(sessions):
    with transaction(sessions) as session:
        return create_staff(session, "Sanne", "Sanne de Vries", "contact_person", PASSWORD).id


def login(sessions, username, password, address=HERE, now=None):
    return asyncio.run(log_in(sessions, SECRET, username, password, address, now=now))


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


def test_the_complaints_role_is_a_role(sessions):
    with transaction(sessions) as session:
        assert create_staff(session, "klaas", "Klaas Klacht", "complaints", PASSWORD).role == "complaints"


def test_a_right_password_logs_in_and_a_session_starts(sessions, account):
    token = login(sessions, " SANNE ", PASSWORD)
    with transaction(sessions) as session:
        assert find_session(session, token).staff.id == account
        assert [e.action for e in session.scalars(select(AuditEntry))] == ["login"]


def test_every_failure_looks_the_same(sessions, account):
    """Unknown name, wrong password, disabled account, a try too soon: all None, whether the account exists
    or not (the old code said "locked" for existing accounts only)."""
    with transaction(sessions) as session:
        create_staff(session, "gone", "Gone Person", "contact_person", PASSWORD)
        disable_staff(session, "gone")
    assert login(sessions, "nobody", PASSWORD) is None
    assert login(sessions, "sanne", "wrong") is None
    assert login(sessions, "gone", PASSWORD) is None
    for name in ("sanne", "nobody"):  # the growing wait is the same for a name that is not an account
        for _ in range(FREE_FAILURES):
            login(sessions, name, "wrong", address=ELSEWHERE)
        assert login(sessions, name, PASSWORD if name == "sanne" else "x", address=ELSEWHERE) is None
    with transaction(sessions) as session:
        rows = session.scalars(select(LoginFailure)).all()
        assert {row.failures for row in rows} >= {FREE_FAILURES}
        assert all("sanne" not in row.key_hash and ELSEWHERE not in row.key_hash for row in rows)


def test_the_wait_grows_with_every_failure_up_to_a_limit():
    assert [wait_after(n) for n in range(FREE_FAILURES)] == [None] * FREE_FAILURES
    assert wait_after(FREE_FAILURES) == FIRST_WAIT and wait_after(FREE_FAILURES + 2) == 4 * FIRST_WAIT
    assert wait_after(FREE_FAILURES + 100) == MAX_WAIT == wait_after(10**9)


def test_failures_count_per_account_and_address_and_the_owner_is_never_locked_out(sessions, account):
    now = utc_now()
    for _ in range(FREE_FAILURES):
        assert login(sessions, "sanne", "guess", now=now) is None
    # This address must wait now, even with the right password ...
    assert login(sessions, "sanne", PASSWORD, now=now + FIRST_WAIT / 2) is None
    # ... but the owner elsewhere is not affected by a stranger's guesses (the old code locked the account).
    assert login(sessions, "sanne", PASSWORD, address=ELSEWHERE, now=now) is not None
    # After the wait the right password works here too, and the count starts again.
    assert login(sessions, "sanne", PASSWORD, now=now + FIRST_WAIT * 2) is not None
    with transaction(sessions) as session:
        assert session.scalars(select(LoginFailure)).all() == []


def test_a_stranger_who_keeps_guessing_waits_longer_and_longer(sessions, account):
    now = utc_now()
    for _ in range(FREE_FAILURES + 3):
        login(sessions, "sanne", "guess", now=now)
        with transaction(sessions) as session:
            blocked_until = session.scalars(select(LoginFailure)).one().blocked_until
        now = (blocked_until or now) + dt.timedelta(seconds=1)
    with transaction(sessions) as session:
        row = session.scalars(select(LoginFailure)).one()
        assert row.failures == FREE_FAILURES + 3
        assert row.blocked_until - row.last_failed_at == wait_after(FREE_FAILURES + 3) == 8 * FIRST_WAIT
        actions = [(e.action, e.detail) for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == [("login_failed", None)] * (FREE_FAILURES + 3)
    assert login(sessions, "sanne", PASSWORD, now=now - dt.timedelta(seconds=2)) is None  # still waiting
    with transaction(sessions) as session:
        assert session.scalars(select(AuditEntry.detail).order_by(AuditEntry.id.desc())).first() == "too soon"


def test_parallel_guesses_each_count(sessions, account):
    """A try counts before its password is checked, so guesses sent at once cannot slip past the wait."""
    start = threading.Barrier(6)

    def guess():
        start.wait()
        login(sessions, "sanne", "guess")

    threads = [threading.Thread(target=guess) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with transaction(sessions) as session:
        row = session.scalars(select(LoginFailure)).one()
    assert row.failures == FREE_FAILURES and row.blocked_until is not None  # the other three had to wait


def test_argon2_runs_off_the_event_loop(sessions, account, monkeypatch):
    """The bug: the password check ran on the web app's event loop, which also serves the bot's answers."""
    slow_check = accounts._password_matches
    threads = []

    def checked(password_hash, password):
        threads.append(threading.current_thread())
        time.sleep(0.5)
        return slow_check(password_hash, password)

    monkeypatch.setattr(accounts, "_password_matches", checked)

    async def login_and_tick():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        running = asyncio.create_task(ticker())
        token = await log_in(sessions, SECRET, "sanne", PASSWORD, HERE)
        running.cancel()
        return token, ticks

    token, ticks = asyncio.run(login_and_tick())
    assert token is not None and threads and threads[0] is not threading.main_thread()
    assert ticks >= 20  # the loop kept running while the password was checked


def test_disabling_ends_the_account_its_sessions_and_its_waiting_handoffs(sessions, account):
    with transaction(sessions) as session:
        sanne = session.get(Staff, account)
        tokens = [start_session(session, sanne) for _ in range(2)]
        handoff, _ = workflow.request_handoff(session, workflow.HandoffRequest("s-1", "webchat", "nl", "asked"))
        handoff.assigned_to_id = account
    with transaction(sessions) as session:
        ended = disable_staff(session, "Sanne")
        assert (ended.sessions, ended.handoffs) == (2, 1)
    with transaction(sessions) as session:
        assert all(find_session(session, token) is None for token in tokens)
        assert session.get(Handoff, handoff.id).assigned_to_id is None  # back in the shared queue
        assert session.get(Staff, account).disabled_at is not None
        assert session.scalars(select(AuditEntry.action)).all()[-1] == "staff_disabled"
    assert login(sessions, "sanne", PASSWORD) is None
    with transaction(sessions) as session, pytest.raises(StaffError, match="no account"):
        disable_staff(session, "nobody")


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
