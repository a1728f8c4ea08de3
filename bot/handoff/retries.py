"""Handoff retries that survive a restart of the Rasa server that scheduled them.

When the database is down, `action_request_human` tells the newcomer so and schedules a Rasa reminder that
asks again (EXTERNAL_retry_handoff, every two minutes). Rasa keeps reminders in memory only: a restart of
that server loses them, and with them the request for a person. The reminder is also an event of the
conversation in the tracker store, so the web app looks there every minute: a retry that was due a while
ago and never ran is triggered through Rasa's HTTP API (bot/rasa_api.py), as the reminder would have done.
If the database is still down, that run schedules the next reminder, which is looked after in the same way.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Engine

from bot.privacy.conversations import has_events_table
from bot.rasa_api import RasaApi, RasaUnavailable
from bot.transcripts import events_table

logger = logging.getLogger(__name__)

RETRY_INTENT = "EXTERNAL_retry_handoff"
RETRY_REMINDER = "retry_handoff"  # the reminder's name (actions/handoff.py)
OVERDUE_AFTER = dt.timedelta(minutes=1)  # a reminder this late did not fire: its server restarted
LOOK_BACK = dt.timedelta(days=1)  # older retries gave up long ago (ten tries, two minutes apart)


@dataclass(frozen=True)
class OverdueRetry:
    sender_id: str
    entities: Any  # as the action gave them: the reason and the attempt number


def overdue_retries(tracker_engine: Engine, now: Optional[dt.datetime] = None) -> List[OverdueRetry]:
    """Conversations whose latest handoff retry was due more than OVERDUE_AFTER ago and never ran.

    `now` is naive local time, as the action server writes the reminders' times.
    """
    now = now or dt.datetime.now()
    since = (now - LOOK_BACK).timestamp()
    with tracker_engine.connect() as connection:
        if not has_events_table(connection):
            return []
        latest: Dict[str, tuple] = {}  # sender -> (event id, the reminder) of the newest retry reminder
        rows = connection.execute(
            select(events_table.c.sender_id, events_table.c.id, events_table.c.data)
            .where(events_table.c.type_name == "reminder", events_table.c.timestamp >= since)
            .order_by(events_table.c.id)
        )
        for sender_id, event_id, data in rows:
            reminder = _loaded(data)
            if reminder.get("name") == RETRY_REMINDER:
                latest[sender_id] = (event_id, reminder)
        return [OverdueRetry(sender_id, reminder.get("entities"))
                for sender_id, (event_id, reminder) in latest.items()
                if _due_before(reminder, now - OVERDUE_AFTER) and not _ran(connection, sender_id, event_id)]


def _loaded(data: Optional[str]) -> Dict[str, Any]:
    try:
        loaded = json.loads(data or "{}")
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _due_before(reminder: Dict[str, Any], moment: dt.datetime) -> bool:
    try:
        due = dt.datetime.fromisoformat(str(reminder.get("date_time")))
    except ValueError:
        return False
    if due.tzinfo is not None:
        due = due.astimezone().replace(tzinfo=None)
    return due <= moment


def _ran(connection, sender_id: str, reminder_id: int) -> bool:
    """Whether the reminder fired (its intent came in) or was cancelled after it was scheduled."""
    later = and_(events_table.c.sender_id == sender_id, events_table.c.id > reminder_id)
    fired = or_(and_(events_table.c.type_name == "user", events_table.c.intent_name == RETRY_INTENT),
                events_table.c.type_name == "cancel_reminder")
    return bool(connection.execute(select(func.count()).select_from(events_table).where(later, fired)).scalar())


async def recover_retries(tracker_engine: Engine, rasa: RasaApi, now: Optional[dt.datetime] = None) -> int:
    """One round: runs every overdue retry as its reminder would have; how many ran (Rasa down: next round)."""
    overdue = await asyncio.get_running_loop().run_in_executor(None, overdue_retries, tracker_engine, now)
    done = 0
    for retry in overdue:
        try:
            await rasa.trigger_intent(retry.sender_id, RETRY_INTENT, retry.entities)
            done += 1
        except RasaUnavailable as error:
            logger.warning("Handoff retry not triggered (Rasa: %s); next round", error)
    if done:
        logger.info("Handoff retries lost with a restarted Rasa server run again: %d", done)
    return done
