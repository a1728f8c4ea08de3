"""Reading conversations from Rasa's SQL tracker store, for the console (transcripts, review, numbers).

Read-only, with SQLAlchemy Core on the `events` table Rasa's SQLTrackerStore writes (sender_id, type_name,
timestamp, intent_name, action_name, data as JSON). All writes to conversations go through Rasa's HTTP API.
"""
from __future__ import annotations

import datetime as dt
import json
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, and_, func, inspect, select
from sqlalchemy.engine import Engine

FALLBACK_INTENT = "nlu_fallback"

_metadata = MetaData()
events_table = Table(
    "events",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("type_name", String(255)),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


def _moment(timestamp: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class Line:
    """One line of a transcript: a user message, a bot (or staff) message, or a pause/resume marker."""

    kind: str  # "user", "bot", "staff", "paused", "resumed"
    at: dt.datetime
    text: str = ""
    intent: Optional[str] = None
    confidence: Optional[float] = None
    language: Optional[str] = None
    response: Optional[str] = None  # the catalogue entry of a bot answer
    author: Optional[str] = None  # a staff member's name
    timestamp: float = 0.0  # the event's own timestamp: identifies a bot answer for feedback


def _line(type_name: str, timestamp: float, data: Dict[str, Any]) -> Optional[Line]:
    at = _moment(timestamp)
    if type_name == "user":
        parse = data.get("parse_data") or {}
        intent = parse.get("intent") or {}
        language = (parse.get("language") or {}).get("code")
        return Line("user", at, data.get("text") or "", intent.get("name"), intent.get("confidence"), language,
                    timestamp=timestamp)
    if type_name == "bot":
        metadata = data.get("metadata") or {}
        author = metadata.get("staff_author")
        return Line("staff" if author else "bot", at, data.get("text") or "", language=metadata.get("language"),
                    response=metadata.get("utter_action"), author=author, timestamp=timestamp)
    if type_name == "pause":
        return Line("paused", at, timestamp=timestamp)
    if type_name == "resume":
        return Line("resumed", at, timestamp=timestamp)
    return None


def _not_replayed(events: Any) -> Any:
    """Counts each message once: a typed answer replayed as a button press is stored twice (bot/dialogue)."""
    return ~events.data.contains('"typed_answer"')


def _drop_last_user_line(lines: List[Line]) -> None:
    """What Rasa's rewind undoes: the latest user message (and anything after it)."""
    for index in range(len(lines) - 1, -1, -1):
        if lines[index].kind == "user":
            del lines[index:]
            return


class Transcripts:
    """Queries over the tracker store's events."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._table_seen = False

    def _exists(self) -> bool:
        """Rasa creates the table at its first start; once there it stays (asked until then, not after)."""
        if not self._table_seen:
            self._table_seen = inspect(self.engine).has_table("events")
        return self._table_seen

    def transcript(self, sender_id: str, limit: int = 1000) -> List[Line]:
        """The conversation's messages in order (the newest `limit` lines)."""
        if not self._exists():
            return []
        query = (
            select(events_table.c.type_name, events_table.c.timestamp, events_table.c.data)
            .where(events_table.c.sender_id == sender_id,
                   events_table.c.type_name.in_(("user", "bot", "pause", "resume", "rewind")))
            .order_by(events_table.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        lines: List[Line] = []
        for row in reversed(rows):
            if row.type_name == "rewind":  # a typed answer replayed as a button press: its first reading goes
                _drop_last_user_line(lines)
                continue
            line = _line(row.type_name, row.timestamp, json.loads(row.data or "{}"))
            if line is not None:
                lines.append(line)
        return lines

    def bot_answer(self, sender_id: str, timestamp: float) -> Optional[Line]:
        """The conversation's bot answer sent at `timestamp` (a note on a wrong answer names it so)."""
        return next((line for line in self.transcript(sender_id)
                     if line.kind == "bot" and line.timestamp == timestamp), None)

    def last_user_activity(self, sender_ids: Iterable[str]) -> Dict[str, dt.datetime]:
        """When each conversation's user last wrote."""
        ids = list(set(sender_ids))
        if not ids or not self._exists():
            return {}
        query = (
            select(events_table.c.sender_id, func.max(events_table.c.timestamp))
            .where(events_table.c.sender_id.in_(ids), events_table.c.type_name == "user")
            .group_by(events_table.c.sender_id)
        )
        with self.engine.connect() as connection:
            return {sender: _moment(latest) for sender, latest in connection.execute(query)}

    def recent_conversations(
        self,
        since: dt.datetime,
        until: dt.datetime,
        language: Optional[str] = None,
        fallback: Optional[bool] = None,
        handoff_senders: Optional[Set[str]] = None,
        handoff: Optional[bool] = None,
        limit: int = 200,
    ) -> List["ConversationSummary"]:
        """Conversations with a user message in [since, until), newest first, filtered."""
        if not self._exists():
            return []
        e = events_table.c
        window = and_(e.type_name == "user", _not_replayed(e),
                      e.timestamp >= since.replace(tzinfo=dt.timezone.utc).timestamp(),
                      e.timestamp < until.replace(tzinfo=dt.timezone.utc).timestamp())
        query = (
            select(
                e.sender_id,
                func.min(e.timestamp).label("first"),
                func.max(e.timestamp).label("last"),
                func.count().label("messages"),
                func.max(e.id).label("last_id"),
                func.sum((e.intent_name == FALLBACK_INTENT).cast(Integer)).label("fallbacks"),
            )
            .where(window)
            .group_by(e.sender_id)
            .order_by(func.max(e.timestamp).desc())
        )
        summaries: List[ConversationSummary] = []
        with self.engine.connect() as connection:
            for row in connection.execute(query):
                had_handoff = row.sender_id in (handoff_senders or set())
                if fallback is not None and bool(row.fallbacks) != fallback:
                    continue
                if handoff is not None and had_handoff != handoff:
                    continue
                data = connection.execute(select(e.data).where(e.id == row.last_id)).scalar() or "{}"
                row_language = ((json.loads(data).get("parse_data") or {}).get("language") or {}).get("code")
                if language and row_language != language:
                    continue
                summaries.append(ConversationSummary(row.sender_id, _moment(row.first), _moment(row.last),
                                                     row.messages, int(row.fallbacks or 0), had_handoff, row_language))
                if len(summaries) >= limit:
                    break
        return summaries

    def daily_numbers(self, since: dt.datetime) -> "DailyNumbers":
        """Conversations and fallbacks per day and language since `since` (UTC days)."""
        numbers = DailyNumbers()
        if not self._exists():
            return numbers
        e = events_table.c
        query = (
            select(e.sender_id, e.timestamp, e.intent_name, e.data)
            .where(e.type_name == "user", _not_replayed(e),
                   e.timestamp >= since.replace(tzinfo=dt.timezone.utc).timestamp())
            .order_by(e.id)
        )
        seen: Set[tuple] = set()
        with self.engine.connect() as connection:
            for row in connection.execute(query):
                day = _moment(row.timestamp).date()
                language = ((json.loads(row.data or "{}").get("parse_data") or {}).get("language") or {}).get("code")
                language = language or "?"
                if (row.sender_id, day) not in seen:
                    seen.add((row.sender_id, day))
                    numbers.add("conversations", day, language)
                if row.intent_name == FALLBACK_INTENT:
                    numbers.add("fallbacks", day, language)
        return numbers


@dataclass(frozen=True)
class ConversationSummary:
    sender_id: str
    first_at: dt.datetime
    last_at: dt.datetime
    user_messages: int
    fallbacks: int
    handoff: bool
    language: Optional[str]


@dataclass
class DailyNumbers:
    """counts[measure][day][language]."""

    counts: Dict[str, Dict[dt.date, Dict[str, int]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    )

    def add(self, measure: str, day: dt.date, language: str, amount: int = 1) -> None:
        self.counts[measure][day][language] += amount

    def days(self) -> List[dt.date]:
        return sorted({day for per_day in self.counts.values() for day in per_day})

    def total(self, measure: str, day: dt.date) -> int:
        return sum(self.counts[measure][day].values())

    def languages(self) -> List[str]:
        return sorted({lang for per_day in self.counts.values() for langs in per_day.values() for lang in langs})


def median_minutes(durations: Sequence[dt.timedelta]) -> Optional[float]:
    if not durations:
        return None
    return round(statistics.median(d.total_seconds() / 60 for d in durations), 1)
