"""The application database: engine and sessions (SQLAlchemy 1.4 with the 2.0-style API).

SQLite by default (a file under var/, nothing to install), PostgreSQL by setting WEGWIJS_DATABASE_URL.
The schema is owned by Alembic migrations (bot/migrations/); `upgrade` brings a database up to date.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, declarative_base, sessionmaker

Base = declarative_base()
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite files get their folder created and foreign keys switched on.

    SQL parameters are never part of an error's text (`hide_parameters`): they are complaint stories,
    messages, phone numbers, and error texts end up in logs."""
    url_object = make_url(url)
    if url_object.get_backend_name() == "sqlite":
        if url_object.database and url_object.database != ":memory:":
            Path(url_object.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True, hide_parameters=True, connect_args={"check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

        return engine
    return create_engine(url, future=True, pool_pre_ping=True, hide_parameters=True)


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, future=True, expire_on_commit=False)


def sessions_for(url: str) -> sessionmaker:
    """A session factory for the database at `url` (its own engine)."""
    return make_session_factory(make_engine(url))


@contextmanager
def transaction(factory: sessionmaker) -> Iterator[Session]:
    """A session whose work is committed at the end, or rolled back on any error."""
    with factory() as session:
        with session.begin():
            yield session


def upgrade(url: str) -> None:
    """Apply every Alembic migration to the database at `url`."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    make_engine(url).dispose()  # creates the SQLite folder if needed
    command.upgrade(config, "head")
