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
    domain_slots = domain_slots or ["complaint_kind", "decision_body", "decision_date", "complaint_body",
                                    "complaint_theme",
                                    "complaint_what", "complaint_when", "complaint_wish", "complaint_contact",
                                    "complaint_review"]
    return asyncio.run(action.required_slots(domain_slots, CollectingDispatcher(), tracker(slots), {}))


def test_the_form_asks_only_what_the_chosen_way_needs():
    assert required({}) == ["complaint_kind", "complaint_body"]
    assert required({"complaint_kind": "decision"}) == ["complaint_kind", "decision_body", "decision_date"]
    # Who decided comes first; an asylum decision has no objection, so no date is asked.
    assert required({"complaint_kind": "decision", "decision_body": "ind_regular"}) == [
        "complaint_kind", "decision_body", "decision_date"]
    assert required({"complaint_kind": "decision", "decision_body": "ind_asylum"}) == [
        "complaint_kind", "decision_body"]
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


@pytest.mark.parametrize("typed, slot, value", [
    ("the municipality", "complaint_body", "municipality"),  # loosely: words around the title
    ("municipalty", "complaint_body", "municipality"),  # a typo
    ("de gemeente", "complaint_body", "municipality"),  # the Dutch title in an English conversation
    ("about how I was treated", "complaint_kind", "treatment"),
    ("2", "complaint_kind", "treatment"),  # the button's number, as people answer on WhatsApp
])
def test_a_typed_answer_is_as_good_as_a_pressed_button(typed, slot, value):
    assert validate(slot, typed)[0] == {slot: value}


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


@pytest.mark.parametrize("body, days_ago, response, weeks", [
    ("duo", 10, "utter_objection_deadline_term", 6),
    ("municipality", 35, "utter_objection_deadline_term", 6),
    ("ind_regular", 10, "utter_objection_deadline_term", 4),
    ("ind_regular", 35, "utter_objection_deadline_term_passed", 4),  # within 6 weeks, but the IND gives 4
    ("duo", 60, "utter_objection_deadline_term_passed", 6),
    ("unknown", 10, "utter_objection_deadline", 6),  # not known who decided: the answer naming every term
    ("unknown", 60, "utter_objection_deadline_passed", 6),
])
def test_a_decision_gets_the_objection_way_and_the_last_day_of_whoever_decided(action_database, body, days_ago,
                                                                               response, weeks):
    decided = dt.date.today() - dt.timedelta(days=days_ago)
    responses, _, messages = run(ActionFinishComplaint(), tracker(
        {"complaint_kind": "decision", "decision_body": body, "decision_date": decided.isoformat()}))
    assert responses == ["utter_objection_info", response]
    assert messages[1]["deadline"] == (decided + dt.timedelta(weeks=weeks)).strftime("%d-%m-%Y")
    assert messages[1].get("weeks") == (None if body == "unknown" else weeks)


def test_an_asylum_decision_gets_the_way_to_the_court_and_no_date(action_database):
    responses, events, messages = run(ActionFinishComplaint(), tracker(
        {"complaint_kind": "decision", "decision_body": "ind_asylum"}))
    assert responses == ["utter_objection_asylum"] and "deadline" not in messages[0]
    assert all(e["value"] is None for e in events)
    with transaction(action_database) as session:
        assert session.scalars(select(Complaint.body)).all() == ["objection"]


@pytest.mark.parametrize("typed, language, body", [
    ("DUO", "en", "duo"),
    ("de gemeente", "en", "municipality"),  # the Dutch title in an English conversation
    ("an asylum decision of the IND", "en", "ind_asylum"),
    ("my residence permit", "en", "ind_regular"),
    ("asiel", "nl", "ind_asylum"),
    ("Magangalyo", "so", "ind_asylum"),
    ("4", "en", "ind_asylum"),  # the button's number
    ("I don't know", "en", "unknown"),
])
def test_who_decided_can_be_typed(typed, language, body):
    result, responses, _ = validate("decision_body", typed, {"language": language})
    assert result == {"decision_body": body} and responses == []


def test_who_decided_asks_again_for_an_answer_it_cannot_use():
    result, responses, _ = validate("decision_body", "the IND")  # regular or asylum? asked again
    assert result == {"decision_body": None} and responses == ["utter_choose_a_button"]
    assert validate("decision_body", "ind_asylum")[0] == {"decision_body": "ind_asylum"}  # a pressed button


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


def test_the_decision_path_over_the_validation_action(action_database):
    """Rasa's form loop, step by step: who decided (typed), the date, then the last day with that body's term."""
    import yaml

    from bot.config import PROJECT_ROOT

    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))

    def step(slots, candidate):
        """The validation action after the user answered: `candidate` is the slot value Rasa extracted."""
        user = {"event": "user", "text": "x", "input_channel": "webchat",
                "parse_data": {"intent": {"name": "inform"}, "entities": [], "text": "x"}}
        events = [user] + [{"event": "slot", "name": n, "value": v} for n, v in candidate.items()]
        latest = user["parse_data"]
        the_tracker = Tracker("sender-1", {"language": "en", **slots, **candidate}, latest, events, False, None,
                              {"name": "complaint_form"}, "action_listen")
        dispatcher = CollectingDispatcher()
        result = asyncio.run(ValidateComplaintForm().run(dispatcher, the_tracker, domain))
        return {e["name"]: e["value"] for e in result if e.get("event") == "slot"}, dispatcher.messages

    slots = {"complaint_kind": "decision"}
    assert step({}, slots)[0]["requested_slot"] == "decision_body"
    filled, _ = step(slots, {"decision_body": "a residence permit from the IND"})
    assert filled == {"decision_body": "ind_regular", "requested_slot": "decision_date"}
    slots.update(decision_body="ind_regular")
    filled, _ = step(slots, {"decision_date": "15-10-2026"})
    assert filled == {"decision_date": "2026-10-15", "requested_slot": None}  # the form ends
    slots.update(decision_date="2026-10-15")
    responses, _, messages = run(ActionFinishComplaint(), tracker(slots))
    assert responses[0] == "utter_objection_info"
    assert messages[1]["deadline"] == "12-11-2026" and messages[1]["weeks"] == 4  # 4 weeks, not 6

    # An asylum decision: no date is asked, and the answer is the way to the court.
    filled, _ = step({"complaint_kind": "decision"}, {"decision_body": "Asylum (IND)"})
    assert filled == {"decision_body": "ind_asylum", "requested_slot": None}
    # Something else gets "choose a button" and the same question again.
    filled, messages = step({"complaint_kind": "decision"}, {"decision_body": "yesterday"})
    assert filled == {"decision_body": None, "requested_slot": "decision_body"}
    assert [m["response"] for m in messages] == ["utter_choose_a_button"]
