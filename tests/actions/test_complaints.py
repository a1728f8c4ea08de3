"""The complaint actions with rasa_sdk's own Tracker and dispatcher, on SQLite and PostgreSQL."""
import asyncio
import datetime as dt

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.complaints import (
    ActionAnnounceComplaintUpdates,
    ActionFinishComplaint,
    ActionShowComplaintStatus,
    ValidateComplaintForm,
    ValidateComplaintStatusForm,
)
from actions.services import settings
from bot.complaints.register import ComplaintDraft, change_status, file_complaint
from bot.console.accounts import create_staff
from bot.db import transaction
from bot.models import Complaint

STORY = {"complaint_kind": "treatment", "complaint_body": "municipality", "complaint_theme": "information",
         "complaint_what": "The letter about my PIP was wrong twice.", "complaint_when": "October 2026",
         "complaint_wish": "A correct letter", "complaint_contact": "chat", "complaint_review": "send"}


def tracker(slots=None, sender="sender-1", intent="choose"):
    latest = {"intent": {"name": intent}, "entities": [], "text": "x"}
    events = [{"event": "user", "text": "x", "input_channel": "webchat", "parse_data": latest}]
    return Tracker(sender, {"language": "en", **(slots or {})}, latest, events, False, None, {}, "action_listen")


def run(action, the_tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, the_tracker, {}))
    return [m.get("response") for m in dispatcher.messages], events, dispatcher.messages


def validate(slot, value, slots=None):
    dispatcher = CollectingDispatcher()
    result = getattr(ValidateComplaintForm(), f"validate_{slot}")(value, dispatcher, tracker(slots), {})
    return result, [m["response"] for m in dispatcher.messages], dispatcher.messages


def required(slots, action=ValidateComplaintForm(), domain_slots=None):
    domain_slots = domain_slots or ["complaint_kind", "decision_date", "complaint_body", "complaint_theme",
                                    "complaint_what", "complaint_when", "complaint_wish", "complaint_contact",
                                    "complaint_review"]
    return asyncio.run(action.required_slots(domain_slots, CollectingDispatcher(), tracker(slots), {}))


def test_the_form_asks_only_what_the_chosen_way_needs():
    assert required({}) == ["complaint_kind", "complaint_body"]
    assert required({"complaint_kind": "decision"}) == ["complaint_kind", "decision_date"]
    assert required({"complaint_kind": "treatment", "complaint_body": "duo"}) == ["complaint_kind", "complaint_body"]
    assert required({"complaint_kind": "treatment", "complaint_body": "municipality"})[2:] == [
        "complaint_theme", "complaint_what", "complaint_when", "complaint_wish", "complaint_contact",
        "complaint_review"]


def test_choices_come_from_buttons_or_their_typed_titles():
    assert validate("complaint_kind", "decision")[0] == {"complaint_kind": "decision"}
    assert validate("complaint_kind", "how i was treated")[0] == {"complaint_kind": "treatment"}
    result, responses, _ = validate("complaint_kind", "whatever")
    assert result == {"complaint_kind": None} and responses == ["utter_choose_a_button"]
    assert validate("complaint_body", "COA")[0] == {"complaint_body": "coa"}


def test_bad_story_answers_are_asked_again_clearly():
    assert validate("complaint_what", "  The letter was wrong twice.  ")[0] == {
        "complaint_what": "The letter was wrong twice."}
    result, responses, messages = validate("complaint_what", "x" * 5000)
    assert result == {"complaint_what": None} and responses == ["utter_complaint_text_too_long"]
    assert messages[0]["maximum"] == 3000
    assert validate("complaint_wish", "👍👍")[1] == ["utter_complaint_text_invalid"]
    assert validate("complaint_contact", "tomorrow")[1] == ["utter_complaint_contact_invalid"]
    assert validate("complaint_contact", "06 12345678")[0] == {"complaint_contact": "0612345678"}
    assert validate("decision_date", "15-10-2026")[0] == {"decision_date": "2026-10-15"}
    assert validate("decision_date", "soon")[1] == ["utter_decision_date_invalid"]


def test_a_part_can_be_changed_from_the_summary():
    assert validate("complaint_review", "complaint_when", STORY)[0] == {
        "complaint_review": None, "complaint_when": None}
    assert validate("complaint_review", "Send the complaint", STORY)[0] == {"complaint_review": "send"}


def test_a_complaint_to_the_municipality_is_filed_with_a_reference(action_database):
    responses, events, messages = run(ActionFinishComplaint(), tracker(STORY))
    assert responses == ["utter_complaint_filed"] and messages[0]["weeks"] == 6
    assert messages[0]["reference"].startswith("KL-") and len(messages[0]["code"]) == 6
    assert all(e["value"] is None for e in events)  # the story is not kept in the conversation
    with transaction(action_database) as session:
        stored = session.scalars(select(Complaint)).one()
        assert (stored.reference, stored.theme, stored.channel) == (messages[0]["reference"], "information", "webchat")


def test_other_bodies_get_their_own_address_and_the_referral_is_recorded(action_database):
    responses, _, _ = run(ActionFinishComplaint(), tracker({"complaint_kind": "treatment", "complaint_body": "ind"}))
    assert responses == ["utter_complaint_refer_ind"]
    with transaction(action_database) as session:
        referral = session.scalars(select(Complaint)).one()
        assert (referral.kind, referral.body, referral.what) == ("referral", "ind", None)


@pytest.mark.parametrize("days_ago, response",
                         [(10, "utter_objection_deadline"), (60, "utter_objection_deadline_passed")])
def test_a_decision_gets_the_objection_way_and_its_last_day(action_database, days_ago, response):
    decided = dt.date.today() - dt.timedelta(days=days_ago)
    responses, _, messages = run(ActionFinishComplaint(),
                                 tracker({"complaint_kind": "decision", "decision_date": decided.isoformat()}))
    assert responses == ["utter_objection_info", response]
    assert messages[1]["deadline"] == (decided + dt.timedelta(weeks=6)).strftime("%d-%m-%Y")


def test_nothing_is_half_saved_when_the_database_is_down(broken_action_database):
    responses, _, _ = run(ActionFinishComplaint(), tracker(STORY))
    assert responses == ["utter_complaint_service_unavailable"]


def test_the_status_check_needs_the_code_only_from_another_conversation(action_database):
    with transaction(action_database) as session:
        complaint, code = file_complaint(session, settings().secret_key, ComplaintDraft(
            "sender-1", "webchat", "en", "waiting", "Nobody answered my emails.", "May", "An answer", "chat"))
        reference = complaint.reference
    slots = ["complaint_reference", "complaint_code"]
    assert required({"complaint_reference": reference}, ValidateComplaintStatusForm(), slots) == ["complaint_reference"]
    other = asyncio.run(ValidateComplaintStatusForm().required_slots(
        slots, CollectingDispatcher(), tracker({"complaint_reference": reference}, sender="other"), {}))
    assert other == slots
    responses, _, messages = run(ActionShowComplaintStatus(), tracker({"complaint_reference": reference}))
    assert responses == ["utter_complaint_status"] and messages[0]["status"] == ["label_complaint_status_received"]
    wrong, _, _ = run(ActionShowComplaintStatus(),
                      tracker({"complaint_reference": reference,
                               "complaint_code": "999999" if code != "999999" else "000000"},
                              sender="other"))
    assert wrong == ["utter_complaint_not_found"]
    right, _, _ = run(ActionShowComplaintStatus(),
                      tracker({"complaint_reference": reference, "complaint_code": code}, sender="other"))
    assert right == ["utter_complaint_status"]


def test_staff_changes_are_announced_once_with_the_answer(action_database):
    with transaction(action_database) as session:
        staff = create_staff(session, "coco", "Coco", "coordinator", "correct horse battery")
        complaint, _ = file_complaint(session, settings().secret_key, ComplaintDraft(
            "sender-1", "webchat", "en", "waiting", "Nobody answered my emails.", "May", "An answer", "chat"))
        change_status(session, staff, complaint.id, "answered", "Sorry: we call you on Monday.")
    responses, _, messages = run(ActionAnnounceComplaintUpdates(), tracker())
    assert responses == ["utter_complaint_update", "utter_complaint_answer"]
    assert messages[1]["answer"] == "Sorry: we call you on Monday."
    assert run(ActionAnnounceComplaintUpdates(), tracker())[0] == []


def story_tracker(intent, confidence):
    the_tracker = tracker({"complaint_kind": "treatment", "complaint_body": "municipality"}, intent=intent)
    the_tracker.latest_message["intent"]["confidence"] = confidence
    return the_tracker


def test_a_story_that_reads_like_no_is_kept_and_a_clear_stop_ends_the_form():
    form = ValidateComplaintForm()
    dispatcher = CollectingDispatcher()
    story = "they sent the wrong letter"  # NLU: deny, 0.31
    assert form.validate_complaint_what(story, dispatcher, story_tracker("deny", 0.31), {}) == {"complaint_what": story}
    assert form.validate_complaint_what("stop", dispatcher, story_tracker("deny", 0.97), {}) == {
        "complaint_what": None, "requested_slot": None}


def test_a_form_stopped_half_way_sends_nothing(action_database):
    half = {"complaint_kind": "treatment", "complaint_body": "municipality", "complaint_theme": "waiting"}
    responses, _, _ = run(ActionFinishComplaint(), tracker(half))
    assert responses == ["utter_complaint_stopped"]
    with transaction(action_database) as session:
        assert session.query(Complaint).count() == 0


def test_asking_about_a_complaint_past_its_term_brings_in_a_person(action_database, monkeypatch):
    from actions import handoff as handoff_actions
    from bot.models import Handoff
    from tests.support.clock import WEDNESDAY_NOON

    monkeypatch.setattr(handoff_actions, "current_time", lambda: WEDNESDAY_NOON)
    with transaction(action_database) as session:
        complaint, _ = file_complaint(session, settings().secret_key, ComplaintDraft(
            "sender-1", "webchat", "en", "waiting", "Nobody answered my emails.", "May", "An answer", "chat"))
        complaint.created_at -= dt.timedelta(weeks=7)
        reference = complaint.reference
    responses, _, _ = run(ActionShowComplaintStatus(), tracker({"complaint_reference": reference}))
    assert responses == ["utter_complaint_status", "utter_handoff_colleague"]
    with transaction(action_database) as session:
        assert session.scalars(select(Handoff.reason)).one() == "complaint_overdue"
