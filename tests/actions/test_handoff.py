"""The handoff actions with rasa_sdk's own Tracker and dispatcher, on SQLite and PostgreSQL."""
import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions import handoff as handoff_actions
from actions.actions import ActionFallback
from actions.handoff import (
    MAX_RETRIES,
    ActionRelayStaffMessages,
    ActionRequestHuman,
    ActionSaveCallback,
    ActionSessionStart,
    ValidateCallbackForm,
)
from bot.console.accounts import create_staff
from bot.db import transaction
from bot.handoff import workflow as handoffs
from bot.models import Handoff, Staff, StaffMessage
from tests.support.clock import SATURDAY, WEDNESDAY_NOON


@pytest.fixture
def at(monkeypatch):
    def set_time(moment):
        monkeypatch.setattr(handoff_actions, "current_time", lambda: moment)

    set_time(WEDNESDAY_NOON)
    return set_time


def tracker(intent="request_human", entities=(), slots=None, events=(), sender="sender-1"):
    latest = {"intent": {"name": intent, "confidence": 0.9}, "entities": list(entities), "text": "x"}
    events = list(events) or [{"event": "user", "text": "x", "input_channel": "webchat", "parse_data": latest}]
    return Tracker(sender, {"language": "ti", **(slots or {})}, latest, events, False, None, {}, "action_listen")


def run(action, the_tracker, domain=None):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, the_tracker, domain or {}))
    return [m.get("response") for m in dispatcher.messages], events, dispatcher.messages


def stored(sessions):
    with transaction(sessions) as session:
        return session.scalars(select(Handoff).order_by(Handoff.id)).all()


def test_asking_stores_the_handoff_then_says_who_answers(action_database, at):
    responses, events, messages = run(ActionRequestHuman(), tracker())
    assert responses == ["utter_handoff_colleague"] and messages[0]["minutes"] == "60"
    [handoff] = stored(action_database)
    assert (handoff.sender_id, handoff.channel, handoff.language, handoff.reason, handoff.status) == (
        "sender-1", "webchat", "ti", "asked", "waiting")
    # Asking again does not make a second one.
    again, _, _ = run(ActionRequestHuman(), tracker())
    assert again == ["utter_handoff_already_open"] and len(stored(action_database)) == 1


def test_outside_office_hours_it_says_when_and_offers_a_call_back(action_database, at):
    at(SATURDAY)
    responses, _, messages = run(ActionRequestHuman(), tracker())
    assert responses == ["utter_handoff_after_hours"]
    assert (messages[0]["weekday"], messages[0]["date"], messages[0]["time"]) == (
        ["label_weekday_mon"], "30-11-2026", "09:00")


def test_distress_is_a_reason_of_its_own(action_database, at):
    run(ActionRequestHuman(), tracker("signal_distress"))
    assert stored(action_database)[0].reason == "distress"


def test_a_verified_newcomer_is_told_their_contact_persons_name(action_database, at):
    from bot.cases import import_cases
    from tests.support.cases import csv_text, row

    with transaction(action_database) as session:
        import_cases(session, csv_text(row()))
        create_staff(session, "sanne", "Sanne de Vries", "contact_person", "correct horse battery")
    verified = [{"event": "session_started"}, {"event": "user", "text": "x", "input_channel": "telegram"},
                {"event": "slot", "name": "verified_case", "value": "INB-100001"}]
    responses, _, messages = run(ActionRequestHuman(), tracker(slots={"verified_case": "INB-100001"},
                                                               events=verified))
    assert responses == ["utter_handoff_contact_person"] and messages[0]["contact_name"] == "Sanne de Vries"
    [handoff] = stored(action_database)
    assert handoff.case_number == "INB-100001" and handoff.channel == "telegram"


def test_a_second_misunderstanding_hands_over(action_database, at):
    events = [{"event": "user", "text": "x", "parse_data": {"intent": {"name": "nlu_fallback"}}},
              {"event": "bot"},
              {"event": "user", "text": "x", "input_channel": "webchat",
               "parse_data": {"intent": {"name": "nlu_fallback"}}}]
    responses, _, _ = run(ActionFallback(), tracker("nlu_fallback", events=events))
    assert responses == ["utter_fallback_human", "utter_handoff_colleague"]
    assert stored(action_database)[0].reason == "not_understood"


def test_database_down_tells_honestly_and_retries_with_a_reminder(broken_action_database, at):
    responses, events, _ = run(ActionRequestHuman(), tracker())
    assert responses == ["utter_handoff_failed"]
    [reminder] = events
    assert reminder["event"] == "reminder" and reminder["intent"] == "EXTERNAL_retry_handoff"
    assert reminder["entities"] == {"handoff_reason": "asked", "handoff_attempt": "1"}
    # The retries are silent, keep the reason, and give up honestly after MAX_RETRIES.
    retry = [{"entity": "handoff_reason", "value": "distress"}, {"entity": "handoff_attempt", "value": "3"}]
    responses, events, _ = run(ActionRequestHuman(), tracker("EXTERNAL_retry_handoff", retry))
    assert responses == [] and events[0]["entities"] == {"handoff_reason": "distress", "handoff_attempt": "4"}
    last = [{"entity": "handoff_attempt", "value": str(MAX_RETRIES)}]
    responses, events, _ = run(ActionRequestHuman(), tracker("EXTERNAL_retry_handoff", last))
    assert responses == ["utter_handoff_gave_up"] and events == []


def test_a_retry_that_succeeds_tells_the_newcomer(action_database, at):
    retry = [{"entity": "handoff_reason", "value": "distress"}, {"entity": "handoff_attempt", "value": "2"}]
    responses, _, _ = run(ActionRequestHuman(), tracker("EXTERNAL_retry_handoff", retry))
    assert responses == ["utter_handoff_colleague"] and stored(action_database)[0].reason == "distress"


@pytest.mark.parametrize("value, expected, reply", [
    ("06 1234 5678", "0612345678", []),
    ("tomorrow", None, ["utter_callback_phone_invalid"]),
])
def test_the_call_back_number_is_checked(value, expected, reply):
    dispatcher = CollectingDispatcher()
    result = ValidateCallbackForm().validate_callback_phone(value, dispatcher, tracker(), {})
    assert result == {"callback_phone": expected}
    assert [m["response"] for m in dispatcher.messages] == reply


def test_the_call_back_number_is_stored_on_the_handoff_and_not_kept_in_the_chat(action_database, at):
    run(ActionRequestHuman(), tracker())
    responses, events, messages = run(ActionSaveCallback(), tracker("request_callback",
                                                                    slots={"callback_phone": "0612345678"}))
    assert responses == ["utter_callback_saved"] and messages[0]["phone"] == "0612345678"
    assert {"event": "slot", "timestamp": None, "name": "callback_phone", "value": None} in events
    assert stored(action_database)[0].callback_phone == "0612345678"


def taken_handoff(sessions, sender="sender-1"):
    with transaction(sessions) as session:
        member = create_staff(session, "ahmed", "Ahmed Bakker", "coordinator", "correct horse battery")
        handoff, _ = handoffs.request_handoff(session, handoffs.HandoffRequest(sender, "webchat", "ti", "asked"))
        handoffs.take(session, member, handoff.id)
        return member.id, handoff.id


def test_staff_replies_are_relayed_once_with_the_author(action_database):
    staff_id, handoff_id = taken_handoff(action_database)
    with transaction(action_database) as session:
        member = session.get(Staff, staff_id)
        first = handoffs.add_staff_message(session, member, handoff_id, "ሰላም! I can help.").id
    _, _, messages = run(ActionRelayStaffMessages(), tracker())
    assert [(m["text"], m["staff_author"], m["staff_message_id"]) for m in messages] == [
        ("ሰላም! I can help.", "Ahmed Bakker", first)]
    again, _, messages = run(ActionRelayStaffMessages(), tracker())
    assert messages == []
    with transaction(action_database) as session:
        assert session.get(StaffMessage, first).status == "sent"


def test_a_new_session_stays_paused_while_a_person_has_the_conversation(action_database):
    domain = {"session_config": {"carry_over_slots_to_new_session": True}}
    _, events, _ = run(ActionSessionStart(), tracker(slots={"law": "wi2021"}), domain)
    assert [e["event"] for e in events] == ["session_started", "slot", "slot", "action"]
    taken_handoff(action_database)
    _, events, _ = run(ActionSessionStart(), tracker(slots={"law": "wi2021"}), domain)
    assert [e["event"] for e in events] == ["session_started", "slot", "slot", "pause", "action"]
