"""Logs carry no message text, case data, phone numbers, e-mail addresses or tokens."""
import logging

import pytest

from bot.privacy.log_redaction import RedactingFilter, redact


@pytest.mark.parametrize("line, secret", [
    ("Telegram chat 31612345678 failed", "31612345678"),
    ("WhatsApp +31 6 1234 5678 refused", "1234 5678"),
    ("user message 'my case INB-123456, born 17-05-1990'", "born"),
    ("case INB-123456 looked up", "INB-123456"),
    ("born 17-05-1990", "17-05-1990"),
    ("complaint KL-2026-7F3K9Q changed", "7F3K9Q"),
    ("mail a.b@gemeente.nl", "a.b@gemeente.nl"),
    ("POST /conversations/x/execute?token=s3cr3t&output_channel=latest", "s3cr3t"),
    ("Authorization: Bearer EAAG1234abcd", "EAAG1234abcd"),
    ("bot 123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ro", "AAEhBOweik6ad9r"),
    ("processor.message.parse parse_data_text=I am desperate, help parse_data_intent={}", "desperate"),
])
def test_secrets_are_replaced(line, secret):
    assert secret not in redact(line)


def test_ordinary_lines_stay_readable():
    assert redact("Starting Rasa server on http://127.0.0.1:5005") == "Starting Rasa server on http://127.0.0.1:5005"
    assert redact("Trained in 34 s") == "Trained in 34 s"


def test_the_filter_redacts_arguments_and_tracebacks(caplog):
    logger = logging.getLogger("test.redaction")
    logger.addFilter(RedactingFilter())
    try:
        raise ValueError("bad number 0612345678")
    except ValueError:
        logger.exception("Lookup for %s failed", "INB-654321")
    record = caplog.records[-1]
    assert "INB-654321" not in record.getMessage() and "0612345678" not in record.exc_text
