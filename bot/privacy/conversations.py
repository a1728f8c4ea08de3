"""What Rasa's tracker store keeps of a conversation: erasing it, retention, and no complaint codes.

SQLAlchemy Core on the `events` table (bot/transcripts.py); no Rasa import. Rasa reads a conversation's
events at the start of a turn and, at its end, writes the events it does not find stored yet: it counts the
stored events of the current session (since the last `session_started`) and writes the ones after that
number. Rows of the current session deleted by someone else during a turn therefore make Rasa write the
session back. So `erase_events` and `retain_events` run only under the conversation's lock, in the Rasa
process (bot/rasa_components/privacy.py); `delete_earlier_sessions` is safe without it (Rasa neither reads
nor counts the events before the last session start).
"""
from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional

from sqlalchemy import and_, case, delete, func, select, true
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from bot.transcripts import events_table

# Events Rasa needs to go on with a conversation, without personal data: kept by retention in the
# current session (the session's start, and whether a person has taken the conversation over).
KEPT_IN_SESSION = ("session_started", "pause", "resume")

# Complaint codes (bot/complaints/register.py) are never stored in a conversation.
CODE_FORM, CODE_SLOT, FILED_RESPONSE = "complaint_status_form", "complaint_code", "utter_complaint_filed"
CONCEALED = "••••••"
_CODE_IN_TEXT_RE = re.compile(r"(?<!\d)\d{6}(?!\d)")  # a code as the "complaint filed" answer shows it


def has_events_table(connection: Connection) -> bool:
    """False before Rasa's first start (it creates the table)."""
    return connection.dialect.has_table(connection, "events")


def _erasure_condition(connection: Connection, sender_id: str, until: Optional[float]) -> ColumnElement:
    """All the conversation's events; or those up to `until` with the rest of the turn running then, i.e.
    every event before the first user message after `until` (a newcomer who starts again keeps that)."""
    of_sender = events_table.c.sender_id == sender_id
    if until is None:
        return of_sender
    next_message = connection.execute(select(func.min(events_table.c.id)).where(
        of_sender, events_table.c.type_name == "user", events_table.c.timestamp > until)).scalar()
    return of_sender if next_message is None else and_(of_sender, events_table.c.id < next_message)


def erase_events(connection: Connection, sender_id: str, until: Optional[float] = None) -> int:
    """Deletes the conversation's events (see `_erasure_condition`). Only under the conversation's lock."""
    if not has_events_table(connection):
        return 0
    return connection.execute(delete(events_table).where(_erasure_condition(connection, sender_id, until))).rowcount


def remaining_events(connection: Connection, sender_id: str, until: Optional[float] = None) -> int:
    """How many of the events `erase_events` deletes are there (0 once erased)."""
    if not has_events_table(connection):
        return 0
    condition = _erasure_condition(connection, sender_id, until)
    return connection.execute(select(func.count()).select_from(events_table).where(condition)).scalar()


def retain_events(connection: Connection, sender_id: str, before: float) -> int:
    """Deletes the conversation's events older than `before`, in its current session too; of the current
    session it keeps KEPT_IN_SESSION (so Rasa still loads the session, paused if a person has it), unless
    the whole conversation is older: then all of it goes. Only under the conversation's lock."""
    of_sender = events_table.c.sender_id == sender_id
    newest, session_start = connection.execute(select(
        func.max(events_table.c.timestamp),
        func.max(case((events_table.c.type_name == "session_started", events_table.c.timestamp))),
    ).where(of_sender)).one()
    if newest is None:
        return 0
    old = and_(of_sender, events_table.c.timestamp < before)
    if newest >= before:
        in_session = events_table.c.timestamp >= session_start if session_start is not None else true()
        old = and_(old, ~and_(events_table.c.type_name.in_(KEPT_IN_SESSION), in_session))
    return connection.execute(delete(events_table).where(old)).rowcount


def senders_with_events_before(connection: Connection, before: float, after: str = "", limit: int = 500) -> List[str]:
    """Conversations (ids in order, from after `after`) with an event older than `before`."""
    if not has_events_table(connection):
        return []
    return list(connection.execute(
        select(events_table.c.sender_id).where(events_table.c.timestamp < before, events_table.c.sender_id > after)
        .group_by(events_table.c.sender_id).order_by(events_table.c.sender_id).limit(limit)).scalars())


def delete_earlier_sessions(connection: Connection, before: float) -> int:
    """Deletes events older than `before` from sessions before each conversation's current one: safe while
    Rasa runs (it reads and counts only the current session), for when Rasa does not answer."""
    if not has_events_table(connection):
        return 0
    later = events_table.alias("later")
    session_start = (select(func.max(later.c.timestamp))
                     .where(later.c.sender_id == events_table.c.sender_id, later.c.type_name == "session_started")
                     .scalar_subquery())
    return connection.execute(delete(events_table).where(
        events_table.c.timestamp < before, events_table.c.timestamp < session_start)).rowcount


# --- complaint codes ------------------------------------------------------------------------------------


def _conceal_message(event: Dict[str, Any]) -> Dict[str, Any]:
    parse_data = event.get("parse_data")
    concealed = {**event, "text": CONCEALED}
    if isinstance(parse_data, dict):
        concealed["parse_data"] = {**parse_data, "text": CONCEALED, "entities": []}
    return concealed


def _conceal_answer(event: Dict[str, Any]) -> Dict[str, Any]:
    """A bot answer without a code: Rasa keeps a response's arguments in the metadata (`code`), and the
    "complaint filed" answer shows it in its text."""
    metadata = event.get("metadata")
    if not isinstance(metadata, dict):
        return event
    if metadata.get("code") is not None:
        event = {**event, "metadata": {**metadata, "code": CONCEALED}}
    if metadata.get("utter_action") == FILED_RESPONSE:
        event = {**event, "text": _CODE_IN_TEXT_RE.sub(CONCEALED, str(event.get("text") or ""))}
    return event


def conceal_complaint_codes(events: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The events (Rasa's event dicts, in order) as they may be stored: what the newcomer typed when the
    status check asked for the code, the code slot's value, and the code in the "complaint filed" answer (its
    text and its arguments) are left out. The turn itself still has them (Rasa stores a turn's events at its end)."""
    stored: List[Dict[str, Any]] = []
    requested: Optional[str] = None
    loop: Optional[str] = None
    for event in events:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == "requested_slot":
            requested = event.get("value")
        elif kind == "active_loop":
            loop = event.get("name")
        elif kind in ("restart", "session_started", "reset_slots"):
            requested, loop = None, None
        if kind == "user" and (requested, loop) == (CODE_SLOT, CODE_FORM):
            event = _conceal_message(event)
        elif kind == "slot" and event.get("name") == CODE_SLOT and event.get("value") is not None:
            event = {**event, "value": None}
        elif kind == "bot":
            event = _conceal_answer(event)
        stored.append(event)
    return stored


__all__ = [
    "CONCEALED", "KEPT_IN_SESSION", "conceal_complaint_codes", "delete_earlier_sessions", "erase_events",
    "has_events_table", "remaining_events", "retain_events", "senders_with_events_before",
]
