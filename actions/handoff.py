"""Handing a conversation to a person: the request, a call-back number, staff replies, and the pause.

The handoff is stored before the newcomer is told about it. When the database is down the newcomer is
told honestly and a Rasa reminder retries the request every RETRY_DELAY, up to MAX_RETRIES times.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, ReminderScheduled, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.services import sessions, settings, verified_case
from bot.db import transaction
from bot.dialogue.replies import handoff_replies
from bot.handoff.retries import RETRY_INTENT, RETRY_REMINDER
from bot.handoff.workflow import (
    HANDOFF_REASONS,
    HandoffRequest,
    latest_handoff,
    mark_relayed,
    open_handoff,
    pending_messages,
    request_handoff,
    save_callback_phone,
)
from bot.language.reply_language import reply_language
from bot.patterns import parse_phone_number

logger = logging.getLogger(__name__)

REASON_ENTITY = "handoff_reason"
ATTEMPT_ENTITY = "handoff_attempt"
RETRY_DELAY = dt.timedelta(minutes=2)
MAX_RETRIES = 10
HANDOFF_END_RESPONSES = {"handed_back": "utter_handoff_returned", "closed": "utter_handoff_closed"}
# Actions the console runs through Rasa's API end by listening, as a turn of the bot's own would; else
# Rasa's rules would not recognise the user's next message as the start of a new turn.
LISTEN = ActionExecuted("action_listen")
REASON_BY_INTENT = {"request_human": "asked", "signal_distress": "distress"}


def current_time() -> dt.datetime:
    """Now, in UTC (tests replace it to be inside or outside office hours)."""
    return dt.datetime.now(dt.timezone.utc)


def _latest_intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def _latest_entity(tracker: Tracker, name: str) -> Optional[str]:
    return next(tracker.get_latest_entity_values(name), None)


def handoff_reason(tracker: Tracker) -> str:
    """Why this conversation needs a person: a retry carries its reason, else the intent tells."""
    reason = _latest_entity(tracker, REASON_ENTITY)
    if reason in HANDOFF_REASONS:
        return reason
    return REASON_BY_INTENT.get(_latest_intent(tracker) or "", "asked")


def language_of(tracker: Tracker) -> str:
    """The conversation's reply language (or the best guess, or the default)."""
    return reply_language(tracker.slots, settings().default_language)


async def hand_over(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> List[Dict[Text, Any]]:
    """Stores a handoff (routed to the newcomer's own contact person when verified) and says who answers.

    Used by action_request_human and by the actions that hand over themselves (a second misunderstanding,
    a verification lock-out). When the database is down: an honest answer, and a reminder to retry.
    """
    is_retry = _latest_intent(tracker) == RETRY_INTENT
    request = HandoffRequest(
        sender_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel() or "unknown",
        language=language_of(tracker),
        reason=reason,
        case_number=verified_case(tracker),
    )
    try:
        with transaction(sessions()) as session:
            handoff, created = request_handoff(session, request)
            contact = handoff.assigned_to.display_name if handoff.assigned_to else None
    except SQLAlchemyError:
        logger.exception("Handoff not stored: database error; retrying later")
        attempt = int(_latest_entity(tracker, ATTEMPT_ENTITY) or 0) + 1 if is_retry else 1
        if attempt > MAX_RETRIES:
            dispatcher.utter_message(response="utter_handoff_gave_up")
            return []
        if not is_retry:  # tell once; the retries are silent until they succeed
            dispatcher.utter_message(response="utter_handoff_failed")
        return [
            ReminderScheduled(
                RETRY_INTENT,
                trigger_date_time=dt.datetime.now() + RETRY_DELAY,
                entities={REASON_ENTITY: reason, ATTEMPT_ENTITY: str(attempt)},
                name=RETRY_REMINDER,
                kill_on_user_message=False,
            )
        ]
    config = settings()
    for reply in handoff_replies(created, contact, config.office_hours_schedule(), current_time(),
                                 config.handoff_reply_minutes):
        dispatcher.utter_message(response=reply.response, **reply.arguments)
    return []


class ActionRequestHuman(Action):
    """Hands the conversation to a person (asked for, distress, or a retry of an earlier request)."""

    def name(self) -> Text:
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        return await hand_over(dispatcher, tracker, handoff_reason(tracker))


class ValidateCallbackForm(FormValidationAction):
    """Asks for a phone number to call back, and again in the user's language when it is not one."""

    def name(self) -> Text:
        return "validate_callback_form"

    def validate_callback_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        phone = parse_phone_number(str(value or ""))
        if phone is None:
            dispatcher.utter_message(response="utter_callback_phone_invalid")
        return {"callback_phone": phone}


class ActionSaveCallback(Action):
    """Stores the call-back number on the conversation's handoff (making one if none is open)."""

    def name(self) -> Text:
        return "action_save_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        phone = tracker.get_slot("callback_phone")
        events: List[Dict[Text, Any]] = [SlotSet("callback_phone", None)]  # not kept in the conversation
        if not phone:
            return events
        try:
            with transaction(sessions()) as session:
                if save_callback_phone(session, tracker.sender_id, phone) is None:
                    request_handoff(session, HandoffRequest(tracker.sender_id,
                                                            tracker.get_latest_input_channel() or "unknown",
                                                            language_of(tracker), "asked", verified_case(tracker)))
                    save_callback_phone(session, tracker.sender_id, phone)
        except SQLAlchemyError:
            logger.exception("Call-back number not stored: database error")
            dispatcher.utter_message(response="utter_handoff_failed")
            return events
        dispatcher.utter_message(response="utter_callback_saved", phone=phone)
        return events


class ActionRelayStaffMessages(Action):
    """Sends the staff replies waiting for this conversation (run by the console through Rasa's API)."""

    def name(self) -> Text:
        return "action_relay_staff_messages"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        with transaction(sessions()) as session:
            messages = pending_messages(session, tracker.sender_id)
            for message in messages:
                # The staff member's own words, sent as written; the metadata marks them for transcripts.
                dispatcher.utter_message(
                    text=message.text, staff_author=message.staff.display_name, staff_message_id=message.id
                )
            mark_relayed(session, [m.id for m in messages])
        return [LISTEN]


class ActionAnnounceHandoffEnd(Action):
    """Tells the newcomer the bot answers again: handed back, or closed (run by the console)."""

    def name(self) -> Text:
        return "action_announce_handoff_end"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        with transaction(sessions()) as session:
            handoff = latest_handoff(session, tracker.sender_id)
            if handoff is not None and handoff.status in HANDOFF_END_RESPONSES:
                dispatcher.utter_message(response=HANDOFF_END_RESPONSES[handoff.status])
        return [LISTEN]


class ActionSessionStart(Action):
    """Rasa's session start, plus: a conversation a person has taken stays paused in the new session.

    (A new session resets Rasa's pause, so without this the bot would answer again mid-handoff.)
    """

    def name(self) -> Text:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        events: List[Dict[Text, Any]] = [SessionStarted()]
        if domain.get("session_config", {}).get("carry_over_slots_to_new_session", True):
            events += [SlotSet(name, value) for name, value in tracker.slots.items() if value is not None]
        try:
            with transaction(sessions()) as session:
                handoff = open_handoff(session, tracker.sender_id)
                if handoff is not None and handoff.status == "taken":
                    events.append(ConversationPaused())
        except SQLAlchemyError:
            logger.exception("Could not check for a taken handoff at session start")
        events.append(ActionExecuted("action_listen"))
        return events
