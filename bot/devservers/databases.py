"""Databases for tests: a SQLite file, or a PostgreSQL database of this test run's own (dropped after)."""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy.engine import make_url

# The server's maintenance database; each test run creates (and drops) its own database beside it.
POSTGRES_URL = os.environ.get("WEGWIJS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("WEGWIJS_REQUIRE_POSTGRES") == "1"  # set by .ci/run: never skip there


def _admin_connection():
    import psycopg2

    url = make_url(POSTGRES_URL)
    connection = psycopg2.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password, dbname=url.database,
        connect_timeout=3,
    )
    connection.autocommit = True
    return connection


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database; yields its URL. Skips (or fails in CI) when no server answers."""
    try:
        admin = _admin_connection()
    except Exception as error:  # psycopg2.OperationalError and friends
        message = f"PostgreSQL not reachable at {POSTGRES_URL}: {error}"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    name = f"wegwijs_test_{uuid.uuid4().hex[:12]}"
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield str(make_url(POSTGRES_URL).set(database=name))
    finally:
        import psycopg2

        try:
            _drop(admin, name)
        except (psycopg2.OperationalError, psycopg2.InterfaceError):  # PostgreSQL restarted meanwhile (fault run)
            admin = _admin_connection()
            _drop(admin, name)
        admin.close()


def _drop(admin, name: str) -> None:
    with admin.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


@contextmanager
def database(backend: str, directory: Path) -> Iterator[str]:
    """A migrated, empty application database of the given backend ("sqlite" or "postgresql")."""
    from bot.db import upgrade

    if backend == "sqlite":
        url = f"sqlite:///{directory / 'wegwijs.db'}"
        upgrade(url)
        yield url
    else:
        with postgres_database() as url:
            upgrade(url)
            yield url


def allow_connections(url: str, allowed: bool) -> None:
    """Lets a test database go "down" (refusing connections, dropping open ones) and come back."""
    name = make_url(url).database
    admin = _admin_connection()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS {"true" if allowed else "false"}')
            if not allowed:
                cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
    finally:
        admin.close()
