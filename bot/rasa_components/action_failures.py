"""When the action server is down, the newcomer hears so, and a task they asked for reaches a person.

Stock Rasa logs the failure of a custom action and carries on without its events: the user gets no
answer at all. `install()` wraps `RemoteAction.run`: a failing action server (no connection, an error
status) becomes an honest message in the user's language, sent once per turn; when the user asked for a
task (their case, a complaint, a person, ...) a handoff is stored from the Rasa process itself (reason
`service_down`), so a colleague follows up. A failing form validation ends the form, which cannot be
checked now. What the user wrote is in the tracker already: nothing is lost.
"""
from __future__ import annotations

import asyncio
import logging
from functools import lru_cache
from typing import Any, List, Optional

from rasa.core.actions.action import ActionExecutionRejection, ActionSessionStart, RemoteAction, create_bot_utterance
from rasa.shared.core.constants import REQUESTED_SLOT
from rasa.shared.core.events import BotUttered, Event, SlotSet, UserUttered
from rasa.shared.exceptions import RasaException
from sqlalchemy.orm import sessionmaker

from bot.config import Settings
from bot.db import sessions_for, transaction
from bot.handoff.workflow import HandoffRequest, request_handoff
from bot.language.reply_language import reply_language

logger = logging.getLogger(__name__)

DOWN = "utter_service_unavailable"
DOWN_HANDED_OVER = "utter_service_unavailable_handoff"
# Intents that ask for something only the action server can do, or a person.
TASK_INTENTS = frozenset({"check_case_status", "file_complaint", "check_complaint_status", "request_human",
                          "signal_distress", "delete_my_data"})

_original_run = RemoteAction.run


@lru_cache(maxsize=1)
def _settings() -> Settings:
    return Settings.from_env()


@lru_cache(maxsize=1)
def _sessions() -> sessionmaker:
    return sessions_for(_settings().database_url)


def _events_this_turn(tracker: Any) -> List[Event]:
    turn: List[Event] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            break
        turn.append(event)
    return turn


def _queue_handoff(tracker: Any) -> bool:
    """Stores a handoff for this conversation; False when the database cannot be reached either."""
    language = reply_language(tracker.current_slot_values(), _settings().default_language)
    try:
        with transaction(_sessions()) as session:
            request_handoff(session, HandoffRequest(tracker.sender_id, tracker.get_latest_input_channel() or "unknown",
                                                    language, "service_down"))
        return True
    except Exception:  # noqa: BLE001 - whatever failed, the user still gets the honest answer
        logger.exception("Could not queue a handoff while the action server is down")
        return False


async def answer_when_actions_fail(action: RemoteAction, output_channel: Any, nlg: Any, tracker: Any) -> List[Event]:
    """The events standing in for a custom action whose server failed."""
    events: List[Event] = []
    told = any(isinstance(e, BotUttered) and (e.metadata or {}).get("utter_action") in (DOWN, DOWN_HANDED_OVER)
               for e in _events_this_turn(tracker))
    if not told:
        response = DOWN
        if tracker.latest_message.intent.get("name") in TASK_INTENTS:
            if await asyncio.get_running_loop().run_in_executor(None, _queue_handoff, tracker):
                response = DOWN_HANDED_OVER
        draft: Optional[dict] = await nlg.generate(response, tracker, output_channel.name())
        if draft:
            draft["utter_action"] = response
            events.append(create_bot_utterance(draft))
    if action.name().startswith("validate_"):
        events.append(SlotSet(REQUESTED_SLOT, None))  # ends the form: its answers cannot be checked now
    return events


async def _run_or_answer(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Event]:
    try:
        return await _original_run(self, output_channel, nlg, tracker, domain)
    except ActionExecutionRejection:
        raise  # a form's own "this answer does not fit": not a failure
    except RasaException:
        logger.error("Custom action %s failed (action server down or erroring): answering honestly", self.name())
        if self.name() == "action_session_start":  # Rasa's own session start will do; the answer comes next
            return await ActionSessionStart().run(output_channel, nlg, tracker, domain)
        return await answer_when_actions_fail(self, output_channel, nlg, tracker)


def install() -> None:
    RemoteAction.run = _run_or_answer
