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


@pytest.mark.parametrize("line, secret", [
    ('{"sender": "web-1", "text": "My name is O\'Brien and I can\'t pay", "intent": "x"}', "Brien"),
    ('{"text": "He said \\"they lost my file\\" twice", "intent": {"name": "complain"}}', "lost my file"),
    ("{'text': \"I can't pay the loan\", 'intent': 'loan'}", "pay the loan"),
    ("Received user message 'l'école de Ta'izz m'a refusé' with intent 'greet'", "refusé"),
    ('"data": "{\\"text\\": \\"my secret story\\"}"', "secret story"),
    ("parse_data_text=I can't pay parse_data_intent={'name': 'loan'}", "pay"),
    ("{'event': 'slot', 'name': 'complaint_what', 'value': 'the letter was wrong'}", "letter"),
    ("[SQL: INSERT INTO complaints (what) VALUES (?)]\n[parameters: ('my story',)]", "my story"),
    ("ERROR:  null value in column \"status\"\nDETAIL:  Failing row contains (1, my story).", "my story"),
])
def test_texts_in_json_and_with_apostrophes_are_replaced(line, secret):
    assert secret not in redact(line)


def test_json_stays_readable_around_the_text():
    assert redact('{"text": "hi \\"you\\"", "intent": "greet"}') == '{"text": [text], "intent": "greet"}'
    assert redact("the context: 'kept'") == "the context: 'kept'"


def test_a_failing_insert_with_a_complaint_story_logs_no_story_text(sessions, caplog):
    from sqlalchemy.exc import SQLAlchemyError

    from bot.db import transaction
    from bot.models import Complaint

    story = "Mijn buurvrouw O'Brien zei \"ze zijn je dossier kwijt\" en niemand belde terug"
    logger = logging.getLogger("test.redaction.database")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.ERROR, logger="test.redaction.database"):
        try:
            with transaction(sessions) as session:  # no status: the NOT NULL constraint refuses the row
                session.add(Complaint(kind="complaint", reference="KL-2026-7F3K9Q", sender_id="web-x",
                                      channel="webchat", language="nl", body="municipality", what=story))
        except SQLAlchemyError as error:
            logger.exception("Complaint not stored")
            logger.error("Complaint not stored (%s)", error)
    logged = caplog.text + "".join(record.exc_text or "" for record in caplog.records)
    assert "IntegrityError" in logged and "Complaint not stored" in logged
    for part in ("buurvrouw", "O'Brien", "dossier kwijt", "niemand"):
        assert part not in logged, logged
