"""Looking up a newcomer's own case: the verification form, the answer, and forgetting it again."""
from __future__ import annotations

import logging
import math
from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.handoff import hand_over
from actions.services import VERIFIED_SLOT, sessions, settings, verified_case
from bot.cases import find_case, parse_case_number, parse_date_of_birth, summarise, verify
from bot.db import transaction
from bot.dialogue.replies import case_status_replies
from bot.models import utc_now

logger = logging.getLogger(__name__)

VERIFICATION_SLOTS = ("verified_case", "case_number", "date_of_birth")


class ValidateCaseLookupForm(FormValidationAction):
    """Checks what the user typed for each slot and asks again, in their language, when it is not valid."""

    def name(self) -> Text:
        return "validate_case_lookup_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        # Verified earlier in this conversation: nothing to ask.
        return [] if verified_case(tracker) else domain_slots

    def validate_case_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        number = parse_case_number(str(value)) if value else None
        if number is None:
            dispatcher.utter_message(response="utter_case_number_invalid")
        return {"case_number": number}

    def validate_date_of_birth(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        date = parse_date_of_birth(str(value)) if value else None
        if date is None:
            dispatcher.utter_message(response="utter_date_of_birth_invalid")
        return {"date_of_birth": date.isoformat() if date else None}


class ActionShowCase(Action):
    """Verifies the case number and date of birth (once per conversation) and tells the case's status."""

    def name(self) -> Text:
        return "action_show_case"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        # The typed details are not kept, whatever happens next.
        events: List[Dict[Text, Any]] = [SlotSet("case_number", None), SlotSet("date_of_birth", None)]
        verified = verified_case(tracker)
        locked = False
        summary = None
        try:
            with transaction(sessions()) as session:
                if not verified:
                    case_number = parse_case_number(tracker.get_slot("case_number") or "")
                    date_of_birth = parse_date_of_birth(tracker.get_slot("date_of_birth") or "")
                    if not case_number or not date_of_birth:  # the form did not finish: ask again
                        dispatcher.utter_message(response="utter_case_not_verified")
                        return events
                    result = verify(session, settings().secret_key, tracker.sender_id, case_number, date_of_birth)
                    if result.locked_until:
                        minutes = max(1, math.ceil((result.locked_until - utc_now()).total_seconds() / 60))
                        dispatcher.utter_message(response="utter_case_locked", minutes=minutes)
                        locked = True
                    elif not result.verified:
                        dispatcher.utter_message(response="utter_case_not_verified")
                        return events
                    else:
                        verified = result.case_number
                        events.append(SlotSet(VERIFIED_SLOT, verified))
                if not locked:
                    case = find_case(session, verified)
                    summary = summarise(case) if case else None
        except SQLAlchemyError:
            logger.exception("Case lookup failed: database error")
            dispatcher.utter_message(response="utter_case_service_unavailable")
            return events
        if locked:  # locked out: a person can help (the attempt is stored first, above)
            return events + await hand_over(dispatcher, tracker, "verification_locked")
        if summary is None:  # the case was removed since verification
            dispatcher.utter_message(response="utter_case_not_verified")
            return events + [SlotSet(VERIFIED_SLOT, None)]
        for reply in case_status_replies(summary):
            dispatcher.utter_message(response=reply.response, **reply.arguments)
        return events


class ActionEndVerification(Action):
    """Forgets the verification ("stop", "forget me", goodbye): the case can no longer be read here."""

    def name(self) -> Text:
        return "action_end_verification"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        return [SlotSet(slot, None) for slot in VERIFICATION_SLOTS if tracker.get_slot(slot) is not None]
