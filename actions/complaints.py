"""Complaints: the complaint form (the right way first, then the story, a summary to check, the reference),
the status check, and announcing staff's status changes. Thin: bot/complaints/register.py decides.
"""
from __future__ import annotations

import datetime as dt
import logging
import math
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.handoff import LISTEN, hand_over, language_of
from actions.services import sessions, settings
from bot.cases import parse_past_date
from bot.complaints.register import (
    TEXT_LIMITS,
    UNKNOWN_DECISION_BODY,
    ComplaintDraft,
    bodies,
    file_complaint,
    look_up_status,
    objection_deadline,
    objection_terms,
    overdue,
    owned_here,
    parse_code,
    parse_contact,
    parse_reference,
    pending_announcements,
    record_referral,
    text_problem,
)
from bot.content.catalogue import Catalogue
from bot.db import transaction
from bot.dialogue.typed_answers import press_for, synonym_languages
from bot.models import utc_now

logger = logging.getLogger(__name__)

COMPLAINT_SLOTS = ("complaint_kind", "decision_body", "decision_date", "complaint_body", "complaint_theme",
                   "complaint_what", "complaint_when", "complaint_wish", "complaint_contact", "complaint_review")
STATUS_SLOTS = ("complaint_reference", "complaint_code")
# The complaint's story: slot -> the field of bot.complaints.register (and its limits).
STORY_SLOTS = {"complaint_what": "what", "complaint_when": "happened_when", "complaint_wish": "wish"}
# Complaints about other bodies: their own address or form (the answer names them explicitly).
REFERRAL_ANSWERS = {"duo": "utter_complaint_refer_duo", "school": "utter_complaint_refer_school",
                    "coa": "utter_complaint_refer_coa", "ind": "utter_complaint_refer_ind"}
UNKNOWN_DATE = "unknown"
STOP_CONFIDENCE, STOP_MAX_LENGTH = 0.8, 20
CHAT = "chat"
SEND = "send"


@lru_cache(maxsize=1)
def _catalogue() -> Catalogue:
    return Catalogue.load(settings().content_dir)


def button_choice(question: str, slot: str, text: str, language: str) -> Optional[str]:
    """The value of the `question`'s button that the user typed instead of pressing it ("the municipality",
    "gemeente", "2"), matched loosely in their language, then in English and Dutch."""
    for entry_language in synonym_languages(language):
        entry = _catalogue().get(question, entry_language)
        buttons = [{"title": title, "payload": b.payload} for b in (entry.buttons if entry else ())
                   for title in (b.title, *b.also)]
        press = press_for(text, buttons)
        if press is not None and slot in press.entities:
            return press.entities[slot]
    return None


def _choice(slot: str, choices: tuple, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict:
    """A choice from buttons (or a button's title typed); anything else gets "please choose a button"."""
    if value not in choices:
        value = button_choice(f"utter_ask_complaint_form_{slot}", slot, str(value or ""), language_of(tracker))
    if value not in choices:
        dispatcher.utter_message(response="utter_choose_a_button")
        return {slot: None}
    return {slot: value}


def _wants_to_stop(tracker: Tracker, value: Any) -> bool:
    """A story slot takes any text, even one that reads like "no"; a short, clear "stop" still ends the form."""
    intent = tracker.latest_message.get("intent") or {}
    return (intent.get("name") == "deny" and (intent.get("confidence") or 0) >= STOP_CONFIDENCE
            and isinstance(value, str) and len(value.strip()) <= STOP_MAX_LENGTH)


def _story(slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
    if _wants_to_stop(tracker, value):
        return {slot: None, "requested_slot": None}  # ends the form: action_finish_complaint says "stopped"
    field = STORY_SLOTS[slot]
    problem = text_problem(field, value if isinstance(value, str) else None)
    if problem == "too_long":
        dispatcher.utter_message(response="utter_complaint_text_too_long", maximum=TEXT_LIMITS[field][1])
    elif problem:
        dispatcher.utter_message(response="utter_complaint_text_invalid")
    return {slot: None if problem else value.strip()}


class ActionClearComplaint(Action):
    """Starts the complaint and status forms afresh (keeping a reference typed in the very message)."""

    def name(self) -> Text:
        return "action_clear_complaint"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        just_typed = {e.get("entity") for e in tracker.latest_message.get("entities") or []}
        return [SlotSet(slot, None) for slot in COMPLAINT_SLOTS + STATUS_SLOTS
                if tracker.get_slot(slot) is not None and slot not in just_typed]


class ValidateComplaintForm(FormValidationAction):
    """Asks only what the chosen way needs, and again in the user's language when an answer cannot be used."""

    def name(self) -> Text:
        return "validate_complaint_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        kind, body = tracker.get_slot("complaint_kind"), tracker.get_slot("complaint_body")
        if kind == "decision":
            term = objection_terms().get(tracker.get_slot("decision_body") or "")
            no_objection = term is not None and term.weeks is None  # an asylum decision: no date to compute
            return ["complaint_kind", "decision_body"] + ([] if no_objection else ["decision_date"])
        if body is None or body not in bodies().handled_here:
            return ["complaint_kind", "complaint_body"]
        return [slot for slot in COMPLAINT_SLOTS if slot not in ("decision_body", "decision_date")]

    def validate_complaint_kind(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[Text, Any]:
        return _choice("complaint_kind", ("decision", "treatment"), value, dispatcher, tracker)

    def validate_decision_body(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        """Who made the decision (its term to object depends on it): a button, or its title typed."""
        return _choice("decision_body", tuple(objection_terms()), value, dispatcher, tracker)

    def validate_decision_date(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        if value == UNKNOWN_DATE or button_choice("utter_ask_complaint_form_decision_date", "decision_date",
                                                  str(value or ""), language_of(tracker)) == UNKNOWN_DATE:
            return {"decision_date": UNKNOWN_DATE}
        date = parse_past_date(str(value or ""))
        if date is None:
            dispatcher.utter_message(response="utter_decision_date_invalid")
        return {"decision_date": date.isoformat() if date else None}

    def validate_complaint_body(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[Text, Any]:
        return _choice("complaint_body", tuple(bodies().weeks), value, dispatcher, tracker)

    def validate_complaint_theme(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> Dict[Text, Any]:
        return _choice("complaint_theme", bodies().themes, value, dispatcher, tracker)

    def validate_complaint_what(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[Text, Any]:
        return _story("complaint_what", value, dispatcher, tracker)

    def validate_complaint_when(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[Text, Any]:
        return _story("complaint_when", value, dispatcher, tracker)

    def validate_complaint_wish(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[Text, Any]:
        return _story("complaint_wish", value, dispatcher, tracker)

    def validate_complaint_contact(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> Dict[Text, Any]:
        typed = button_choice("utter_ask_complaint_form_complaint_contact", "complaint_contact", str(value or ""),
                              language_of(tracker))
        contact = CHAT if CHAT in (value, typed) else parse_contact(str(value or ""))
        if contact is None:
            dispatcher.utter_message(response="utter_complaint_contact_invalid")
        return {"complaint_contact": contact}

    def validate_complaint_review(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> Dict[Text, Any]:
        """"Send", or the part to change: that part is asked again, then the summary again."""
        value = value if isinstance(value, str) else None  # a hand-made payload may carry anything
        if value != SEND and value not in STORY_SLOTS and value != "complaint_contact":
            value = button_choice("utter_complaint_summary", "complaint_review", str(value or ""), language_of(tracker))
        if value == SEND:
            return {"complaint_review": SEND}
        if value in STORY_SLOTS or value == "complaint_contact":
            return {"complaint_review": None, value: None}
        dispatcher.utter_message(response="utter_choose_a_button")
        return {"complaint_review": None}


class ActionAskComplaintReview(Action):
    """Shows the complaint as it will be sent, to confirm or correct."""

    def name(self) -> Text:
        return "action_ask_complaint_review"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        contact = tracker.get_slot("complaint_contact")
        dispatcher.utter_message(
            response="utter_complaint_summary",
            theme=[f"label_complaint_theme_{tracker.get_slot('complaint_theme')}"],
            what=tracker.get_slot("complaint_what"),
            happened_when=tracker.get_slot("complaint_when"),
            wish=tracker.get_slot("complaint_wish"),
            contact=["label_complaint_contact_chat"] if contact == CHAT else contact,
        )
        return []


class ActionFinishComplaint(Action):
    """The way out of the form: objection help, the other body's address, or the complaint filed."""

    def name(self) -> Text:
        return "action_finish_complaint"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        clear = [SlotSet(slot, None) for slot in COMPLAINT_SLOTS]  # the story is not kept in the chat
        kind, body = tracker.get_slot("complaint_kind"), tracker.get_slot("complaint_body")
        channel, language = tracker.get_latest_input_channel() or "unknown", language_of(tracker)
        if not _complete(tracker):  # stopped half-way ("stop" while telling the story): nothing is sent
            dispatcher.utter_message(response="utter_complaint_stopped")
            return clear
        try:
            with transaction(sessions()) as session:
                if kind == "decision":
                    record_referral(session, tracker.sender_id, channel, language, "objection")
                    replies = self._objection(tracker.get_slot("decision_body"), tracker.get_slot("decision_date"))
                elif body not in bodies().handled_here:
                    record_referral(session, tracker.sender_id, channel, language, body)
                    replies = [(REFERRAL_ANSWERS[body], {})]
                else:
                    complaint, code = file_complaint(session, settings().secret_key, ComplaintDraft(
                        sender_id=tracker.sender_id, channel=channel, language=language,
                        theme=tracker.get_slot("complaint_theme"), what=tracker.get_slot("complaint_what"),
                        happened_when=tracker.get_slot("complaint_when"), wish=tracker.get_slot("complaint_wish"),
                        contact=tracker.get_slot("complaint_contact"),
                    ))
                    replies = [("utter_complaint_filed", {"reference": complaint.reference, "code": code,
                                                          "weeks": bodies().weeks[complaint.body]})]
        except (SQLAlchemyError, ValueError):
            logger.exception("Complaint not stored")  # nothing half-saved: the transaction rolled back
            dispatcher.utter_message(response="utter_complaint_service_unavailable")
            return clear
        for response, arguments in replies:
            dispatcher.utter_message(response=response, **arguments)
        return clear

    @staticmethod
    def _objection(decision_body: Optional[str], decision_date: Optional[str]) -> List[tuple]:
        """How to object, and the last day with the term of whoever decided (the general answer, naming every
        term, when that is not known); an asylum decision has no objection: the way to the court instead."""
        body = decision_body if decision_body in objection_terms() else UNKNOWN_DECISION_BODY
        term = objection_terms()[body]
        if term.weeks is None:
            return [("utter_objection_asylum", {})]
        replies = [("utter_objection_info", {})]
        if decision_date and decision_date != UNKNOWN_DATE:
            decided = dt.date.fromisoformat(decision_date)
            last_day = objection_deadline(decided, body)
            dates = {"decision_date": decided.strftime("%d-%m-%Y"), "deadline": last_day.strftime("%d-%m-%Y")}
            late = last_day < utc_now().date()
            if body == UNKNOWN_DECISION_BODY:
                replies.append(("utter_objection_deadline_passed" if late else "utter_objection_deadline", dates))
            else:
                response = "utter_objection_deadline_term_passed" if late else "utter_objection_deadline_term"
                replies.append((response, {**dates, "weeks": term.weeks}))
        return replies


def _complete(tracker: Tracker) -> bool:
    kind, body = tracker.get_slot("complaint_kind"), tracker.get_slot("complaint_body")
    if kind == "decision":
        return True
    if body is not None and body not in bodies().handled_here:
        return True
    return kind == "treatment" and tracker.get_slot("complaint_review") == SEND


class ValidateComplaintStatusForm(FormValidationAction):
    """The reference, and the code only when another conversation filed the complaint."""

    def name(self) -> Text:
        return "validate_complaint_status_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        reference = tracker.get_slot("complaint_reference")
        if reference:
            try:
                with transaction(sessions()) as session:
                    if owned_here(session, tracker.sender_id, reference):
                        return ["complaint_reference"]
            except SQLAlchemyError:
                logger.exception("Complaint lookup failed")
        return domain_slots

    def validate_complaint_reference(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> Dict[Text, Any]:
        reference = parse_reference(str(value or ""))
        if reference is None:
            dispatcher.utter_message(response="utter_complaint_reference_invalid")
        return {"complaint_reference": reference}

    def validate_complaint_code(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[Text, Any]:
        code = parse_code(str(value or ""))
        if code is None:
            dispatcher.utter_message(response="utter_complaint_code_invalid")
        return {"complaint_code": code}


class ActionShowComplaintStatus(Action):
    """The status and the municipality's answer, for this conversation's complaint or with the right code."""

    def name(self) -> Text:
        return "action_show_complaint_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        clear = [SlotSet(slot, None) for slot in STATUS_SLOTS]
        reference = tracker.get_slot("complaint_reference")
        if not reference:
            return clear
        late = False
        try:
            with transaction(sessions()) as session:
                found = look_up_status(session, settings().secret_key, tracker.sender_id, reference,
                                       tracker.get_slot("complaint_code"))
                if found.locked_until:
                    minutes = max(1, math.ceil((found.locked_until - utc_now()).total_seconds() / 60))
                    dispatcher.utter_message(response="utter_complaint_locked", minutes=minutes)
                elif found.complaint is None:
                    dispatcher.utter_message(response="utter_complaint_not_found")
                else:
                    _tell_status(dispatcher, "utter_complaint_status", found.complaint)
                    late = overdue(found.complaint)
        except SQLAlchemyError:
            logger.exception("Complaint status lookup failed")
            dispatcher.utter_message(response="utter_complaint_service_unavailable")
            return clear
        if found.complaint is not None and late:  # past the term and still not answered: a person follows up
            return clear + await hand_over(dispatcher, tracker, "complaint_overdue")
        return clear


def _tell_status(dispatcher: CollectingDispatcher, response: str, complaint: Any) -> None:
    dispatcher.utter_message(response=response, reference=complaint.reference,
                             status=[f"label_complaint_status_{complaint.status}"])
    if complaint.public_answer:
        dispatcher.utter_message(response="utter_complaint_answer", answer=complaint.public_answer)


class ActionAnnounceComplaintUpdates(Action):
    """Tells the newcomer about staff's status changes (run by the console through Rasa's API)."""

    def name(self) -> Text:
        return "action_announce_complaint_updates"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        with transaction(sessions()) as session:
            for complaint in pending_announcements(session, tracker.sender_id):
                _tell_status(dispatcher, "utter_complaint_update", complaint)
                complaint.answer_pending = False
        return [LISTEN]
