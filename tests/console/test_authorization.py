"""bot/authorization.py, the console's one need-to-know policy, on SQLite and PostgreSQL: what each role may
use, and that a list shows exactly what the single-item check allows (handoffs, complaints, conversations).
Over HTTP (403 pages, the audit log): test_console.py."""
import datetime as dt

import pytest
from sqlalchemy import select

from bot import authorization
from bot.authorization import PERMISSIONS, Refused, may
from bot.complaints import register
from bot.complaints.register import ComplaintDraft, ComplaintFilter, file_complaint, record_referral
from bot.console.accounts import create_staff
from bot.db import transaction
from bot.handoff import workflow
from bot.models import STAFF_ROLES, Complaint, Handoff, Staff, StaffMessage

PASSWORD = "correct horse battery"
SECRET = "a-secret-for-tests"
TEAM = [("ahmed", "Ahmed Bakker", "contact_person"), ("sanne", "Sanne de Vries", "contact_person"),
        ("klaas", "Klaas Klacht", "complaints"), ("coco", "Coco Coordinator", "coordinator"),
        ("cora", "Cora Coordinator", "coordinator")]
# What each role may use; a permission or role added to the policy must show up here.
EXPECTED = {
    "contact_person": {"any_staff", "numbers", "handoffs"},
    "complaints": {"any_staff", "numbers", "complaints"},
    "coordinator": set(PERMISSIONS),
}


@pytest.fixture
def team(sessions):
    with transaction(sessions) as session:
        return {name: create_staff(session, name, display, role, PASSWORD).id for name, display, role in TEAM}


def person(session, team, name) -> Staff:
    return session.get(Staff, team[name])


def handoff(session, sender, status="waiting", assigned=None, taken=None):
    item, _ = workflow.request_handoff(session, workflow.HandoffRequest(sender, "webchat", "nl", "asked"))
    item.status, item.assigned_to_id, item.taken_by_id = status, assigned, taken
    if status in ("handed_back", "closed"):
        item.closed_at = dt.datetime(2026, 11, 3, 12, 0)
    session.flush()
    return item.id


def complaint(session, sender):
    draft = ComplaintDraft(sender_id=sender, channel="webchat", language="nl", theme="treatment",
                           what="The person I spoke to was rude to me.", happened_when="Monday",
                           wish="An apology", contact="chat")
    return file_complaint(session, SECRET, draft)[0].id


def test_each_role_has_only_its_permissions():
    assert set(STAFF_ROLES) == set(EXPECTED) == {"contact_person", "complaints", "coordinator"}
    for role, allowed in EXPECTED.items():
        staff = Staff(id=1, role=role)
        assert {p for p in PERMISSIONS if may(staff, p)} == allowed, role
    assert not any(may(Staff(id=1, role="coordinator", disabled_at=dt.datetime(2026, 1, 1)), p) for p in PERMISSIONS)
    assert not may(None, "numbers")
    with pytest.raises(Refused) as refused:
        authorization.require(Staff(id=1, role="complaints"), "handoffs")
    assert refused.value.reason == "role"


@pytest.fixture
def handoffs(sessions, team):
    """Handoffs in every situation a contact person's view distinguishes."""
    with transaction(sessions) as session:
        return {
            "shared waiting": handoff(session, "s1"),
            "shared taken by sanne": handoff(session, "s2", "taken", taken=team["sanne"]),
            "shared closed by sanne": handoff(session, "s3", "closed", taken=team["sanne"]),
            "sanne's waiting": handoff(session, "s4", assigned=team["sanne"]),
            "sanne's closed": handoff(session, "s5", "closed", assigned=team["sanne"], taken=team["coco"]),
            "ahmed's closed": handoff(session, "s6", "handed_back", assigned=team["ahmed"], taken=team["ahmed"]),
            "taken by ahmed": handoff(session, "s7", "closed", assigned=team["sanne"], taken=team["ahmed"]),
        }


@pytest.mark.parametrize("name, visible", [
    ("ahmed", {"shared waiting", "shared taken by sanne", "ahmed's closed", "taken by ahmed"}),
    ("sanne", {"shared waiting", "shared taken by sanne", "shared closed by sanne", "sanne's waiting",
               "sanne's closed", "taken by ahmed"}),
    ("klaas", set()),
    ("coco", {"shared waiting", "shared taken by sanne", "shared closed by sanne", "sanne's waiting",
              "sanne's closed", "ahmed's closed", "taken by ahmed"}),
])
def test_the_queue_shows_exactly_the_handoffs_a_page_allows(sessions, team, handoffs, name, visible):
    """The bug this fixes: a finished handoff from the shared queue stayed open to every contact person, with
    the conversation behind it, for ever."""
    with transaction(sessions) as session:
        staff = person(session, team, name)
        listed = {h.id for h in workflow.queue(session, staff, "all")} if may(staff, "handoffs") else set()
        allowed = set()
        for label, handoff_id in handoffs.items():
            try:
                workflow.get_handoff(session, staff, handoff_id)
                allowed.add(label)
            except Refused as refusal:
                assert refusal.handoff_id == handoff_id and refusal.sender_id.startswith("s")
        assert allowed == visible
        assert listed == {handoffs[label] for label in visible}


def test_a_finished_handoffs_transcript_ends_with_it(sessions, team, handoffs):
    with transaction(sessions) as session:
        closed = session.get(Handoff, handoffs["ahmed's closed"])
        assert authorization.transcript_until(closed) == closed.closed_at
        assert authorization.transcript_until(session.get(Handoff, handoffs["shared waiting"])) is None


@pytest.fixture
def about_ahmed(sessions, team):
    """A complaint from a conversation Ahmed took, one from a conversation Coco replied in, and one about
    nobody here; and a referral."""
    with transaction(sessions) as session:
        handoff(session, "complainant-a", "closed", taken=team["ahmed"])
        replied = handoff(session, "complainant-c", "closed", taken=team["cora"])
        session.add(StaffMessage(handoff_id=replied, staff_id=team["coco"], text="Hello", status="sent"))
        ids = {"about ahmed": complaint(session, "complainant-a"), "about coco and cora": complaint(session,
                                                                                                     "complainant-c"),
               "about nobody": complaint(session, "complainant-n")}
        record_referral(session, "complainant-r", "webchat", "nl", "coa")
    return ids


@pytest.mark.parametrize("name, handles", [
    ("klaas", {"about ahmed", "about coco and cora", "about nobody"}),
    ("coco", {"about ahmed", "about nobody"}),  # he replied in the other one's conversation
    ("cora", {"about ahmed", "about nobody"}),  # she took that handoff
    ("ahmed", set()),  # a contact person handles no complaints
])
def test_nobody_handles_a_complaint_about_themselves(sessions, team, about_ahmed, name, handles):
    """The bug this fixes: every staff member could read, answer and close every complaint, also one about
    themselves."""
    with transaction(sessions) as session:
        staff = person(session, team, name)
        listed = {c.id for c in register.find_complaints(session, staff, ComplaintFilter())}
        assert listed == {about_ahmed[label] for label in handles}
        for label, complaint_id in about_ahmed.items():
            if label in handles:
                assert register.view_complaint(session, staff, complaint_id).id == complaint_id
                continue
            for action, arguments in ((register.view_complaint, ()), (register.change_status, ("closed", "")),
                                      (register.set_theme, ("other",))):
                with pytest.raises(Refused) as refused:
                    action(session, staff, complaint_id, *arguments)
                assert refused.value.reason == ("role" if name == "ahmed" else "about_you")
    with transaction(sessions) as session:  # nothing refused was changed
        assert {c.status for c in session.scalars(select(Complaint).where(Complaint.kind == "complaint"))} == {
            "received"}


def test_a_conversation_with_a_complaint_about_them_is_hidden_from_that_coordinator(sessions, team, about_ahmed):
    with transaction(sessions) as session:
        coco, cora, ahmed = (person(session, team, n) for n in ("coco", "cora", "ahmed"))
        assert authorization.hidden_conversations(session, coco) == {"complainant-c"}
        with pytest.raises(Refused, match="about_you"):
            authorization.check_conversation(session, coco, "complainant-c")
        with pytest.raises(Refused, match="about_you"):
            authorization.check_conversation(session, cora, "complainant-c", permission="erase")
        authorization.check_conversation(session, coco, "complainant-a")
        authorization.check_conversation(session, coco, "complainant-r")  # a referral is about nobody
        with pytest.raises(Refused, match="role"):  # conversations are for coordinators
            authorization.check_conversation(session, ahmed, "complainant-n")


def test_a_refusal_names_a_known_reason():
    with pytest.raises(ValueError):
        Refused("because", "x")
