"""A logging filter that keeps personal data and secrets out of the logs.

Every log line of every process (Rasa, the action server, the web app) passes it (logging.yml, and
`protect_everything` once the servers have set up their loggers): case numbers, complaint references, e-mail
addresses, phone numbers and other long digit runs (birth dates too), tokens in URLs and headers, and the
text fields of messages, events and complaints (quoted or JSON, with apostrophes and escaped quotes inside)
are replaced by a label. A database error shows its type only, never its text: that can hold the data (the
values PostgreSQL quotes in DETAIL, a statement's parameters); the same for a database error given as an
argument of the message.
"""
from __future__ import annotations

import logging
import re
import traceback
from typing import Any, List, Tuple

from bot.patterns import (
    BARE_TEXT_FIELD_RE,
    CASE_NUMBER_RE,
    COMPLAINT_REFERENCE_RE,
    DATABASE_DETAIL_RE,
    DATE_PATTERNS,
    E_MAIL_RE,
    PHONE_IN_TEXT_RE,
    SQL_PARAMETERS_RE,
    TEXT_FIELD_RE,
)

# (pattern, replacement), applied in order; the text of messages first, then identifiers, then digits.
PATTERNS: List[Tuple[re.Pattern, str]] = [
    (SQL_PARAMETERS_RE, "[parameters hidden]"),
    (DATABASE_DETAIL_RE, r"\1[hidden]"),
    (TEXT_FIELD_RE, r"\1[text]"),
    (BARE_TEXT_FIELD_RE, r"\1[text]"),
    (re.compile(r"(?i)\b(token|secret|password|auth-token|access_token)=[^&\s'\"]+"), r"\1=[hidden]"),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+"), r"\1 [hidden]"),
    (re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{20,}\b"), "[bot token]"),
    (CASE_NUMBER_RE, "[case]"),
    (COMPLAINT_REFERENCE_RE, "[reference]"),
    (E_MAIL_RE, "[email]"),
    (PHONE_IN_TEXT_RE, "[number]"),
    *((pattern, "[date]") for pattern, _order in DATE_PATTERNS),
]
# The drivers and libraries whose errors quote data: SQLAlchemy, the database drivers, Redis (keys hold
# conversation ids).
DATABASE_MODULES = frozenset({"sqlalchemy", "sqlite3", "_sqlite3", "psycopg2", "psycopg", "asyncpg", "pymysql",
                              "MySQLdb", "redis"})
_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def redact(text: str) -> str:
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def is_database_error(error: BaseException) -> bool:
    return any(cls.__module__.split(".")[0] in DATABASE_MODULES for cls in type(error).__mro__)


def _described(error: BaseException) -> str:
    kind = type(error)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    if is_database_error(error):
        return f"{name} (a database error: its text is not logged, it can hold the data)\n"
    text = str(error)
    return f"{name}: {redact(text)}\n" if text else f"{name}\n"


def format_exception(error: BaseException) -> str:
    """Like the standard traceback, with each exception of the chain shown by `_described`."""
    chain: List[Tuple[BaseException, str]] = []
    seen = set()
    current, link = error, ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, _CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, _CONTEXT
        else:
            current = None
    parts: List[str] = []
    for item, link in reversed(chain):  # the oldest first, as Python prints them
        if item.__traceback__ is not None:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.format_tb(item.__traceback__))
        parts.append(_described(item) + link)  # `link`: how this one led to the next
    return redact("".join(parts).rstrip("\n"))


def _safe_argument(value: Any) -> Any:
    return type(value).__name__ if isinstance(value, BaseException) and is_database_error(value) else value


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and exception text) with `redact`; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _safe_argument(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_safe_argument(argument) for argument in record.args)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a badly formatted record is still logged, redacted
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = format_exception(record.exc_info[1])
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def protect_everything() -> None:
    """Adds the filter to every logger and handler there is now. Called again after Sanic (inside Rasa and
    the action server) has replaced its loggers' handlers, which drops what logging.yml attached."""
    redacting = RedactingFilter()
    loggers = [logging.getLogger()] + [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    for logger in loggers:
        for target in [logger, *logger.handlers]:
            if not any(isinstance(f, RedactingFilter) for f in target.filters):
                target.addFilter(redacting)


def install(level: str = "INFO") -> None:
    """For our own processes (the web app, the CLI): one redacted handler on the root logger."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
