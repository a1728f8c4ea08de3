"""A logging filter that keeps personal data and secrets out of the logs.

Every log line of every process (Rasa, the action server, the web app) passes it (logging.yml, and
`protect_everything` once the servers have set up their loggers): case
numbers, complaint references, e-mail addresses, phone numbers and other long digit runs (birth dates too),
tokens in URLs and headers, and the message text fields Rasa writes when debugging, are replaced by a label.
"""
from __future__ import annotations

import logging
import re
from typing import List, Tuple

from bot.patterns import CASE_NUMBER_RE, COMPLAINT_REFERENCE_RE, DATE_PATTERNS, E_MAIL_RE, PHONE_IN_TEXT_RE

# (pattern, replacement), applied in order; the text of messages first, then identifiers, then digits.
PATTERNS: List[Tuple[re.Pattern, str]] = [
    (re.compile(r"((?:user message|text|message|parse_data_text)\s*[=:]?\s*)('[^']*'|\"[^\"]*\")", re.I), r"\1[text]"),
    (re.compile(r"(parse_data_text=).*?(?=\s\w+=|$)"), r"\1[text]"),
    (re.compile(r"(?i)\b(token|secret|password|auth-token|access_token)=[^&\s'\"]+"), r"\1=[hidden]"),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+"), r"\1 [hidden]"),
    (re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{20,}\b"), "[bot token]"),
    (CASE_NUMBER_RE, "[case]"),
    (COMPLAINT_REFERENCE_RE, "[reference]"),
    (E_MAIL_RE, "[email]"),
    (PHONE_IN_TEXT_RE, "[number]"),
    *((pattern, "[date]") for pattern, _order in DATE_PATTERNS),
]


def redact(text: str) -> str:
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and exception text) with `redact`; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a badly formatted record is still logged, redacted
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
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
