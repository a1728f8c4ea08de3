"""What the actions share: the settings, the application database (made once per action server) and
which case this conversation has verified."""
from __future__ import annotations

from functools import lru_cache
from typing import Optional

from rasa_sdk import Tracker
from sqlalchemy.orm import sessionmaker

from bot.config import Settings
from bot.db import sessions_for


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings.from_env()


@lru_cache(maxsize=1)
def sessions() -> sessionmaker:
    return sessions_for(settings().database_url)


VERIFIED_SLOT = "verified_case"


def verified_case(tracker: Tracker) -> Optional[str]:
    """The case verified in this conversation (session), if any.

    Rasa carries slots into a new session by setting them again right after `session_started`, before the
    user says anything; a verification counts only if it was set after a user message of this session.
    """
    value = tracker.get_slot(VERIFIED_SLOT)
    if not value:
        return None
    slot_seen = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "slot" and event.get("name") == VERIFIED_SLOT:
            slot_seen = True
        elif kind == "user" and slot_seen:
            return value
        elif kind == "session_started":
            return None
    return None
