"""The case-lookup actions, with rasa_sdk's own Tracker and dispatcher, on SQLite and PostgreSQL."""
import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.case_lookup import ActionEndVerification, ActionShowCase, ValidateCaseLookupForm
from actions.services import sessions as action_database_sessions
from bot.cases import import_cases
from bot.db import transaction
from bot.models import Handoff
from tests.support.cases import csv_text, row


@pytest.fixture
def actions_db(action_database):
    with transaction(action_database) as session:
        import_cases(session, csv_text(row()))


def tracker(slots, sender="sender-1", intent="check_case_status", events=None):
    if events is None and slots.get("verified_case"):
        events = [
            {"event": "session_started"},
            {"event": "user", "text": "x"},
            {"event": "slot", "name": "verified_case", "value": slots["verified_case"]},
        ]
    latest = {"intent": {"name": intent}, "entities": [], "text": "x"}
    return Tracker(sender, slots, latest, events or [], False, None, {}, "action_listen")


def run(action, the_tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, the_tracker, {}))
    return [m["response"] for m in dispatcher.messages], events, dispatcher.messages


def test_the_right_details_verify_and_show_the_case(actions_db):
    responses, events, _ = run(ActionShowCase(), tracker({"case_number": "INB-100001", "date_of_birth": "1990-05-17"}))
    assert responses[0] == "utter_case_deadline" and responses[-1] == "utter_case_contact"
    assert {"event": "slot", "timestamp": None, "name": "verified_case", "value": "INB-100001"} in events
    # The typed details are cleared.
    assert {"event": "slot", "timestamp": None, "name": "case_number", "value": None} in events


def test_wrong_details_are_refused_then_locked(actions_db):
    wrong = tracker({"case_number": "INB-100001", "date_of_birth": "1990-05-18"})
    first, events, _ = run(ActionShowCase(), wrong)
    assert first == ["utter_case_not_verified"]
    assert not any(e.get("name") == "verified_case" for e in events)
    run(ActionShowCase(), wrong)
    third, _, messages = run(ActionShowCase(), wrong)
    assert third[0] == "utter_case_locked" and messages[0]["minutes"] == 15
    # Locked out: a person takes over (stored in the shared queue: the user is not verified).
    assert third[1] in ("utter_handoff_colleague", "utter_handoff_after_hours")
    with transaction(action_database_sessions()) as session:
        stored = session.scalars(select(Handoff)).one()
        assert (stored.reason, stored.sender_id, stored.assigned_to_id) == ("verification_locked", "sender-1", None)


def test_a_database_failure_gets_an_honest_answer(broken_action_database):
    responses, _, _ = run(ActionShowCase(), tracker({"case_number": "INB-100001", "date_of_birth": "1990-05-17"}))
    assert responses == ["utter_case_service_unavailable"]


def test_the_form_asks_nothing_once_verified():
    form = ValidateCaseLookupForm()
    slots = asyncio.run(form.required_slots(
        ["case_number", "date_of_birth"], CollectingDispatcher(), tracker({"verified_case": "INB-100001"}), {}
    ))
    assert slots == []


@pytest.mark.parametrize(
    "slot, value, stored, response",
    [
        ("case_number", "inb 123456", "INB-123456", None),
        ("case_number", "12345", None, "utter_case_number_invalid"),
        ("date_of_birth", "17/05/1990", "1990-05-17", None),
        ("date_of_birth", "yesterday", None, "utter_date_of_birth_invalid"),
    ],
)
def test_form_validation_reasks_clearly(slot, value, stored, response):
    dispatcher = CollectingDispatcher()
    validate = getattr(ValidateCaseLookupForm(), f"validate_{slot}")
    assert validate(value, dispatcher, tracker({}), {}) == {slot: stored}
    assert [m["response"] for m in dispatcher.messages] == ([response] if response else [])


def test_ending_forgets_the_verification():
    slots = {"verified_case": "INB-100001", "language": "ar", "law": "wi2021", "case_number": None}
    _, ended, _ = run(ActionEndVerification(), tracker(slots))
    assert ended == [{"event": "slot", "timestamp": None, "name": "verified_case", "value": None}]


def test_a_verification_from_an_earlier_session_does_not_count():
    from actions.case_lookup import verified_case

    verified = {"event": "slot", "name": "verified_case", "value": "INB-100001"}
    this_session = [{"event": "session_started"}, {"event": "user", "text": "x"}, verified]
    # A new session: Rasa sets the carried-over slots again right after session_started.
    earlier = this_session + [{"event": "session_started"}, verified, {"event": "action", "name": "action_listen"}]
    assert verified_case(tracker({"verified_case": "INB-100001"}, events=this_session)) == "INB-100001"
    assert verified_case(tracker({"verified_case": "INB-100001"}, events=earlier)) is None
    form = ValidateCaseLookupForm()
    slots = asyncio.run(form.required_slots(["case_number", "date_of_birth"], CollectingDispatcher(),
                                            tracker({"verified_case": "INB-100001"}, events=earlier), {}))
    assert slots == ["case_number", "date_of_birth"]
