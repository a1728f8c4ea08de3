"""Conversation review in the console: recent conversations (filtered), one conversation's transcript, notes
that an answer was wrong (and their CSV export for the content editors), and erasing a conversation (with
a reason, kept in the audit log). Who may do each is bot/authorization.py's: coordinators, never for a
conversation with a complaint about themselves. Transcripts come from the tracker store (bot/transcripts.py);
notes are stored by bot/answer_feedback.py, erasure by bot/privacy/erasure.py."""
from __future__ import annotations

import datetime as dt
import re
from typing import Optional

from sanic import response
from sanic.request import Request

from bot import answer_feedback, authorization
from bot.audit import audit
from bot.console.context import Console
from bot.console.http import csv_download, csv_safe, notice
from bot.db import transaction
from bot.handoff import workflow
from bot.language.detection import SUPPORTED_LANGUAGES
from bot.models import utc_now
from bot.privacy.erasure import erase_now

REVIEW_DAYS = 7  # the list's default period: the last week
ERASURE_REASON_LENGTH = (5, 150)  # characters: a reason, not a story (it stays in the audit log)
FEEDBACK_CSV_COLUMNS = ("noted_at", "staff", "language", "response", "answered_at", "answer_text", "note")
NOTICES = {
    "write_a_note": "Write a note for an answer of this conversation.",
    "noted": "Noted for the content editors.",
    "confirm_erasure": "Tick the box to confirm the erasure.",
    "give_a_reason": "Give the reason for the erasure (5 to 150 characters); it is kept in the audit log.",
    "erased": "Erased: {report}.",
}


def day(text: Optional[str], default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(text) if text else default
    except ValueError:
        return default


def choice(text: Optional[str]) -> Optional[bool]:
    return {"yes": True, "no": False}.get(text or "")


def midnight(date: dt.date) -> dt.datetime:
    return dt.datetime.combine(date, dt.time())


def erasure_reason(text: Optional[str]) -> Optional[str]:
    """The reason as typed, on one line; None when it is missing, too short or too long."""
    reason = re.sub(r"\s+", " ", "".join(ch if ch.isprintable() else " " for ch in text or "")).strip()
    shortest, longest = ERASURE_REASON_LENGTH
    return reason if shortest <= len(reason) <= longest else None


async def conversations(console: Console, request: Request) -> response.HTTPResponse:
    today = utc_now().date()
    since = day(request.args.get("since"), today - dt.timedelta(days=REVIEW_DAYS))
    until = day(request.args.get("until"), today)
    language = request.args.get("language") if request.args.get("language") in SUPPORTED_LANGUAGES else None
    filters = dict(since=since.isoformat(), until=until.isoformat(), language=language or "",
                   fallback=request.args.get("fallback", ""), handoff=request.args.get("handoff", ""))
    with console.sessions() as session:
        senders = workflow.senders_with_handoffs(session)
        hidden = authorization.hidden_conversations(session, request.ctx.staff)
    rows = console.transcripts.recent_conversations(
        midnight(since), midnight(until + dt.timedelta(days=1)), language=language,
        fallback=choice(filters["fallback"]), handoff_senders=senders, handoff=choice(filters["handoff"]),
    )
    rows = [row for row in rows if row.sender_id not in hidden]  # the same rule as a conversation's page
    return console.page(request, "conversations.html", rows=rows, filters=filters)


async def conversation(console: Console, request: Request) -> response.HTTPResponse:
    sender_id = request.args.get("sender") or ""
    with console.sessions() as session:
        authorization.check_conversation(session, request.ctx.staff, sender_id)
    lines = console.transcripts.transcript(sender_id)
    if not lines:
        return console.not_found(request, "There is no such conversation.")
    with transaction(console.sessions) as session:
        audit(session, request.ctx.staff, "view_conversation", sender_id=sender_id)
    return console.page(request, "conversation.html", sender_id=sender_id, lines=lines)


async def feedback(console: Console, request: Request) -> response.HTTPResponse:
    sender_id = request.form.get("sender") or ""
    with console.sessions() as session:
        authorization.check_conversation(session, request.ctx.staff, sender_id)
    note = answer_feedback.clean_note(request.form.get("note") or "")
    try:
        timestamp = float(request.form.get("timestamp") or "")
    except ValueError:
        timestamp = -1.0
    answer = console.transcripts.bot_answer(sender_id, timestamp)
    if answer is None or not note:
        return console.redirect(request, "/console/conversation", notice("write_a_note"), sender=sender_id)
    with transaction(console.sessions) as session:
        answer_feedback.note_wrong_answer(session, request.ctx.staff, sender_id, answer, note)
    return console.redirect(request, "/console/conversation", notice("noted"), sender=sender_id)


async def feedback_csv(console: Console, request: Request) -> response.HTTPResponse:
    with transaction(console.sessions) as session:
        notes = answer_feedback.export_notes(session, request.ctx.staff)
    rows = ([item.created_at.isoformat(timespec="seconds"), item.staff.display_name, item.language or "",
             item.response or "", item.answered_at.isoformat(timespec="seconds"), csv_safe(item.answer_text),
             csv_safe(item.note)] for item in notes)
    return csv_download("answer-feedback.csv", FEEDBACK_CSV_COLUMNS, rows)


async def erase_conversation(console: Console, request: Request) -> response.HTTPResponse:
    """Erases a conversation for good, with the reason in the audit log (its entry, like every other about
    this conversation, then carries a keyed hash instead of the conversation id)."""
    sender_id = request.form.get("sender") or ""
    with console.sessions() as session:
        authorization.check_conversation(session, request.ctx.staff, sender_id, permission="erase")
    if request.form.get("confirm") != "yes":
        return console.redirect(request, "/console/conversation", notice("confirm_erasure"), sender=sender_id)
    reason = erasure_reason(request.form.get("reason"))
    if reason is None:
        return console.redirect(request, "/console/conversation", notice("give_a_reason"), sender=sender_id)
    with transaction(console.sessions) as session:
        audit(session, request.ctx.staff, "erase_requested", sender_id=sender_id, detail=f"reason: {reason}")
    report = erase_now(console.sessions, console.transcripts.engine, console.settings.secret_key, sender_id,
                       request.ctx.staff)
    return console.redirect(request, "/console/conversations", notice("erased", report=report))
