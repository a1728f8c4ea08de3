"""Staff notes that an answer of the bot was wrong, for the content editors (docs/content.md): storing one
for an answer that is in the conversation, and reading them all for the CSV export. No HTTP here."""
from __future__ import annotations

from typing import List

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit import audit
from bot.models import AnswerFeedback, Staff
from bot.transcripts import Line

MAX_NOTE_LENGTH = 2000


def clean_note(text: str) -> str:
    """The note as stored: trimmed, at most MAX_NOTE_LENGTH characters."""
    return (text or "").strip()[:MAX_NOTE_LENGTH]


def note_wrong_answer(session: Session, staff: Staff, sender_id: str, answer: Line, note: str) -> AnswerFeedback:
    """Stores the note with the answer it is about (its text, catalogue entry and language)."""
    feedback = AnswerFeedback(sender_id=sender_id, answered_at=answer.at, response=answer.response,
                              language=answer.language, answer_text=answer.text, note=note, staff_id=staff.id)
    session.add(feedback)
    audit(session, staff, "mark_wrong", sender_id=sender_id, detail=answer.response)
    session.flush()
    return feedback


def export_notes(session: Session, staff: Staff) -> List[AnswerFeedback]:
    """Every note, oldest first (with its author loaded); the export goes to the audit log."""
    notes = list(session.scalars(select(AnswerFeedback).order_by(AnswerFeedback.id)))
    audit(session, staff, "export_feedback")
    return notes
