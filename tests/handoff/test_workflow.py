"""bot/handoff/workflow.py: the queue, routing, the state machine, staff replies and sending failed ones
again, and what the console's pages read, on SQLite and PostgreSQL."""
import datetime as dt
import io
import threading

import pytest
from sqlalchemy import select

from bot.authorization import Refused
from bot.cases import export_cases, import_cases
from bot.console.accounts import create_staff, disable_staff
from bot.db import transaction
from bot.handoff import workflow as handoffs
from bot.handoff.workflow import HandoffConflict, HandoffError, HandoffRequest, can_move
from bot.models import AuditEntry, Handoff, StaffMessage, utc_now
from bot.patterns import parse_phone_number
from tests.support.cases import HEADER, csv_text, row

PASSWORD = "correct horse battery"


@pytest.fixture
def team(sessions):
    """A case whose contact person has an account, another contact person, and a coordinator."""
    with transaction(sessions) as session:
        import_cases(session, csv_text(row(contact_name="Sanne de Vries")))
        ids = {
            name: create_staff(session, name, display, role, PASSWORD).id
            for name, display, role in [("sanne", "Sanne de Vries", "contact_person"),
                                        ("ahmed", "Ahmed Bakker", "contact_person"),
                                        ("coco", "Coco Coordinator", "coordinator")]
        }
    return ids


def staff(session, team, name):
    from bot.models import Staff

    return session.get(Staff, team[name])


def request(sender="sender-1", case_number=None, reason="asked"):
    return HandoffRequest(sender, "webchat", "ti", reason, case_number)


def new_handoff(sessions, **kwargs):
    with transaction(sessions) as session:
        handoff, created = handoffs.request_handoff(session, request(**kwargs))
        assert created
        return handoff.id


def test_state_machine():
    assert can_move("waiting", "taken") and can_move("waiting", "closed")
    assert can_move("taken", "handed_back") and can_move("taken", "closed")
    assert not can_move("waiting", "handed_back")
    for final in ("handed_back", "closed"):
        assert not any(can_move(final, other) for other in handoffs.TRANSITIONS)


def test_a_verified_newcomer_goes_to_their_own_contact_person(sessions, team):
    with transaction(sessions) as session:
        handoff, created = handoffs.request_handoff(session, request(case_number="INB-100001"))
        assert created and handoff.assigned_to_id == team["sanne"] and handoff.status == "waiting"


def test_others_go_to_the_shared_queue_and_a_second_request_finds_the_first(sessions, team):
    first = new_handoff(sessions)
    with transaction(sessions) as session:
        handoff = session.get(Handoff, first)
        assert handoff.assigned_to_id is None
        again, created = handoffs.request_handoff(session, request(case_number="INB-100001"))
        # Verified since: the open handoff now goes to the contact person.
        assert not created and again.id == first and again.assigned_to_id == team["sanne"]


def test_unknown_reasons_are_refused(sessions):
    with transaction(sessions) as session, pytest.raises(ValueError):
        handoffs.request_handoff(session, request(reason="bored"))


def test_who_sees_what(sessions, team):
    own = new_handoff(sessions, sender="a", case_number="INB-100001")
    shared = new_handoff(sessions, sender="b")
    with transaction(sessions) as session:
        ahmed, sanne, coco = (staff(session, team, n) for n in ("ahmed", "sanne", "coco"))
        assert [h.id for h in handoffs.queue(session, ahmed, "waiting")] == [shared]
        assert {h.id for h in handoffs.queue(session, sanne, "waiting")} == {own, shared}
        assert [h.id for h in handoffs.queue(session, sanne, "mine")] == [own]
        assert {h.id for h in handoffs.queue(session, coco, "all")} == {own, shared}
        with pytest.raises(Refused, match="not_yours"):
            handoffs.get_handoff(session, ahmed, own)
        with pytest.raises(Refused, match="not_yours"):
            handoffs.take(session, ahmed, own)
        assert handoffs.may_see(ahmed, session.get(Handoff, shared))
        assert not handoffs.may_see(ahmed, session.get(Handoff, own))


def test_take_reply_hand_back(sessions, team):
    handoff_id = new_handoff(sessions)
    with transaction(sessions) as session:
        ahmed, sanne = staff(session, team, "ahmed"), staff(session, team, "sanne")
        with pytest.raises(HandoffError, match="take the handoff"):
            handoffs.add_staff_message(session, ahmed, handoff_id, "Hello")
        taken = handoffs.take(session, ahmed, handoff_id)
        assert (taken.status, taken.taken_by_id) == ("taken", ahmed.id)
        with pytest.raises(HandoffConflict, match="taken by Ahmed Bakker"):
            handoffs.take(session, sanne, handoff_id)
        with pytest.raises(HandoffConflict):
            handoffs.add_staff_message(session, sanne, handoff_id, "Me too")
        with pytest.raises(HandoffError, match="empty"):
            handoffs.add_staff_message(session, ahmed, handoff_id, "   ")
        with pytest.raises(HandoffError, match="longer"):
            handoffs.add_staff_message(session, ahmed, handoff_id, "x" * 4001)
        message = handoffs.add_staff_message(session, ahmed, handoff_id, "  Hello, I can help.  ")
        assert message.text == "Hello, I can help."
        assert [m.id for m in handoffs.pending_messages(session, "sender-1")] == [message.id]
        handoffs.mark_relayed(session, [message.id])
    with transaction(sessions) as session:
        assert handoffs.pending_messages(session, "sender-1") == []
        assert session.get(StaffMessage, message.id).status == "sent"
        assert session.get(Handoff, handoff_id).first_reply_at is not None
        back = handoffs.hand_back(session, staff(session, team, "ahmed"), handoff_id)
        assert back.status == "handed_back" and back.closed_at is not None
        with pytest.raises(HandoffConflict):
            handoffs.close(session, staff(session, team, "ahmed"), handoff_id, "answered")
        actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert actions == ["take", "reply", "hand_back"]


def test_a_failed_relay_is_kept_with_its_reason(sessions, team):
    handoff_id = new_handoff(sessions)
    with transaction(sessions) as session:
        ahmed = staff(session, team, "ahmed")
        handoffs.take(session, ahmed, handoff_id)
        message = handoffs.add_staff_message(session, ahmed, handoff_id, "Hello")
        handoffs.mark_relayed(session, [message.id], error="outside WhatsApp's 24-hour window")
    with transaction(sessions) as session:
        stored = session.get(StaffMessage, message.id)
        assert (stored.status, stored.error) == ("failed", "outside WhatsApp's 24-hour window")
        assert session.get(Handoff, handoff_id).first_reply_at is None
        assert handoffs.pending_messages(session, "sender-1") == []  # not resent until asked


def failed_reply(sessions, team, holder="ahmed"):
    """A handoff taken by `holder` with one reply whose relay failed; (handoff id, message id)."""
    handoff_id = new_handoff(sessions)
    with transaction(sessions) as session:
        person = staff(session, team, holder)
        handoffs.take(session, person, handoff_id)
        message = handoffs.add_staff_message(session, person, handoff_id, "Hello")
        handoffs.mark_relayed(session, [message.id], error="outside WhatsApp's 24-hour window")
    return handoff_id, message.id


def status_of(sessions, message_id):
    with transaction(sessions) as session:
        return session.get(StaffMessage, message_id).status


def test_send_again_puts_the_holders_failed_replies_back_in_line(sessions, team):
    handoff_id, message_id = failed_reply(sessions, team)
    with transaction(sessions) as session:
        handoff, ids = handoffs.send_again(session, staff(session, team, "ahmed"), handoff_id)
        assert (handoff.id, ids) == (handoff_id, [message_id])
        assert [m.id for m in handoffs.pending_messages(session, "sender-1")] == [message_id]
        actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert actions[-1] == "send_again"
    with transaction(sessions) as session:  # nothing failed any more: nothing to put back
        assert handoffs.send_again(session, staff(session, team, "ahmed"), handoff_id)[1] == []


def test_a_coordinator_may_send_again_for_a_colleague(sessions, team):
    handoff_id, message_id = failed_reply(sessions, team)
    with transaction(sessions) as session:
        assert handoffs.send_again(session, staff(session, team, "coco"), handoff_id)[1] == [message_id]
    assert status_of(sessions, message_id) == "pending"


def test_send_again_has_the_checks_of_a_reply(sessions, team):
    """The bug this fixes: the console reset failed replies itself, for anyone who could see the handoff and
    whatever its state; pending replies of a finished handoff were then never relayed nor shown as failed."""
    handoff_id, message_id = failed_reply(sessions, team)
    with transaction(sessions) as session, pytest.raises(HandoffConflict, match="taken by Ahmed Bakker"):
        handoffs.send_again(session, staff(session, team, "sanne"), handoff_id)
    assert status_of(sessions, message_id) == "failed"
    with transaction(sessions) as session:
        handoffs.hand_back(session, staff(session, team, "ahmed"), handoff_id)
    with transaction(sessions) as session, pytest.raises(HandoffError, match="take the handoff"):
        handoffs.send_again(session, staff(session, team, "ahmed"), handoff_id)
    assert status_of(sessions, message_id) == "failed"
    waiting = new_handoff(sessions, sender="sender-2")
    with transaction(sessions) as session, pytest.raises(HandoffError, match="take the handoff"):
        handoffs.send_again(session, staff(session, team, "ahmed"), waiting)
    with transaction(sessions) as session, pytest.raises(HandoffError, match="no such handoff"):
        handoffs.send_again(session, staff(session, team, "ahmed"), 10**6)
    with transaction(sessions) as session:
        assert "send_again" not in [e.action for e in session.scalars(select(AuditEntry))]


def test_what_a_handoffs_page_reads(sessions, team):
    handoff_id, message_id = failed_reply(sessions, team)
    with transaction(sessions) as session:
        details = handoffs.handoff_details(session, staff(session, team, "ahmed"), handoff_id)
        assert details.handoff.id == handoff_id and details.case is None
        assert [m.id for m in details.messages] == [message_id]
        assert [c.display_name for c in details.colleagues] == ["Ahmed Bakker", "Coco Coordinator", "Sanne de Vries"]
    verified = new_handoff(sessions, sender="verified", case_number="INB-100001")
    with transaction(sessions) as session:
        details = handoffs.handoff_details(session, staff(session, team, "sanne"), verified)
        assert details.case.case_number == "INB-100001" and details.messages == []
        with pytest.raises(Refused):  # Sanne's own: not in Ahmed's view
            handoffs.handoff_details(session, staff(session, team, "ahmed"), verified)


def test_what_the_review_and_the_numbers_read(sessions, team):
    old = new_handoff(sessions, sender="last-year")
    new_handoff(sessions, sender="today")
    with transaction(sessions) as session:
        session.get(Handoff, old).created_at -= dt.timedelta(days=365)
    with transaction(sessions) as session:
        assert handoffs.senders_with_handoffs(session) == {"last-year", "today"}
        since = utc_now() - dt.timedelta(days=14)
        assert [h.sender_id for h in handoffs.handoffs_since(session, since)] == ["today"]


def test_close_needs_an_outcome_and_ends_the_handoff(sessions, team):
    handoff_id = new_handoff(sessions)
    with transaction(sessions) as session:
        coco = staff(session, team, "coco")
        with pytest.raises(HandoffError, match="outcome"):
            handoffs.close(session, coco, handoff_id, "whatever")
        closed = handoffs.close(session, coco, handoff_id, "called_back")
        assert (closed.status, closed.outcome) == ("closed", "called_back")
        assert handoffs.open_handoff(session, "sender-1") is None
        with pytest.raises(HandoffConflict):
            handoffs.take(session, coco, handoff_id)


def test_only_a_coordinator_reassigns(sessions, team):
    handoff_id = new_handoff(sessions)
    with transaction(sessions) as session:
        with pytest.raises(Refused, match="role"):
            handoffs.reassign(session, staff(session, team, "ahmed"), handoff_id, team["sanne"])
        moved = handoffs.reassign(session, staff(session, team, "coco"), handoff_id, team["sanne"])
        assert moved.assigned_to_id == team["sanne"]
        with pytest.raises(Refused):  # no longer in Ahmed's view
            handoffs.get_handoff(session, staff(session, team, "ahmed"), handoff_id)


def cases_with_usernames(*rows):
    """A case file with the optional contact_username column: (contact_name, contact_username) per case."""
    lines = [HEADER + ",contact_username"]
    for number, (name, username) in enumerate(rows, start=1):
        lines.append(row(case_number=f"INB-20000{number}", contact_name=name) + f",{username}")
    return io.StringIO("\n".join(lines) + "\n")


def test_a_case_routes_by_its_contact_persons_username(sessions, team):
    """The bug this fixes: routing matched display names, so a namesake (or a renamed colleague) got the
    newcomer; with a username in the case file the account is unambiguous."""
    with transaction(sessions) as session:
        other_sanne = create_staff(session, "sanne2", "Sanne de Vries", "contact_person", PASSWORD).id
        report = import_cases(session, cases_with_usernames(("Sanne de Vries", "SANNE2"), ("Sanne de Vries", ""),
                                                            ("Ahmed Bakker", "nobody")))
        assert (report.created, report.errors) == (3, [])
    with transaction(sessions) as session:
        assert handoffs.contact_person_for(session, "INB-200001").id == other_sanne  # by username
        assert handoffs.contact_person_for(session, "INB-200002") is None  # two namesakes: the shared queue
        assert handoffs.contact_person_for(session, "INB-200003") is None  # an unknown username: no guessing
        assert handoffs.contact_person_for(session, "INB-100001") is None  # the old file's case: namesakes too
        out = io.StringIO()
        export_cases(session, out)
    assert out.getvalue().splitlines()[0] == HEADER + ",contact_username"
    assert ",sanne2" in out.getvalue()


def test_files_without_usernames_keep_working_and_keep_what_was_imported(sessions, team):
    with transaction(sessions) as session:
        import_cases(session, cases_with_usernames(("Ahmed Bakker", "sanne")))
        # The same case again from a file without the column: the username stays.
        report = import_cases(session, csv_text(row(case_number="INB-200001", contact_name="Ahmed Bakker")))
        assert report.errors == [] and report.unchanged == 1
    with transaction(sessions) as session:
        assert handoffs.contact_person_for(session, "INB-200001").id == team["sanne"]
        assert handoffs.contact_person_for(session, "INB-100001").id == team["sanne"]  # by name, as before
        too_long = import_cases(session, cases_with_usernames(("Ahmed Bakker", "x" * 81)))
        assert too_long.errors and "contact_username" in too_long.errors[0][1]


def test_a_disabled_account_gets_no_new_handoffs(sessions, team):
    with transaction(sessions) as session:
        disable_staff(session, "sanne")
    with transaction(sessions) as session:
        handoff, _ = handoffs.request_handoff(session, request(case_number="INB-100001"))
        assert handoff.assigned_to_id is None  # the shared queue, not a colleague who left
        coco = staff(session, team, "coco")
        assert "Sanne de Vries" not in [c.display_name for c in handoffs.handoff_details(session, coco,
                                                                                          handoff.id).colleagues]
        with pytest.raises(HandoffError, match="no such colleague"):
            handoffs.reassign(session, coco, handoff.id, team["sanne"])


def test_two_staff_members_cannot_both_take_a_handoff(sessions, team):
    """Both try at the same moment, each in their own transaction: exactly one wins."""
    handoff_id = new_handoff(sessions)
    start = threading.Barrier(2)
    results = {}

    def attempt(name):
        start.wait()
        try:
            with transaction(sessions) as session:
                handoffs.take(session, staff(session, team, name), handoff_id)
            results[name] = "taken"
        except HandoffConflict as conflict:
            results[name] = str(conflict)

    threads = [threading.Thread(target=attempt, args=(name,)) for name in ("ahmed", "coco")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 2 and list(results.values()).count("taken") == 1
    loser = next(v for v in results.values() if v != "taken")
    assert loser.startswith("taken by ")


def test_waiting_time_stops_when_taken(sessions, team):
    handoff_id = new_handoff(sessions)
    with transaction(sessions) as session:
        handoff = session.get(Handoff, handoff_id)
        handoff.created_at -= dt.timedelta(minutes=42)
        assert handoffs.waiting_minutes(handoff) == 42
        handoff.taken_at = handoff.created_at + dt.timedelta(minutes=5)
        assert handoffs.waiting_minutes(handoff) == 5


@pytest.mark.parametrize("text, expected", [
    ("0612345678", "0612345678"),
    ("06-12 34 56 78", "0612345678"),
    ("+31 6 1234 5678", "+31612345678"),
    ("0031 (0)6?", None),
    ("0031612345678", "+31612345678"),
    ("٠٦١٢٣٤٥٦٧٨", "0612345678"),
    ("call me", None),
    ("12345", None),
    ("", None),
])
def test_phone_numbers(text, expected):
    assert parse_phone_number(text) == expected


def test_whatsapp_replies_only_within_24_hours_of_the_last_message():
    now = dt.datetime(2026, 11, 28, 12, 0)
    assert not handoffs.reply_window_closed("whatsapp", now - dt.timedelta(hours=23, minutes=59), now)
    assert handoffs.reply_window_closed("whatsapp", now - dt.timedelta(hours=24, minutes=1), now)
    assert handoffs.reply_window_closed("whatsapp", None, now)
    assert not handoffs.reply_window_closed("telegram", now - dt.timedelta(days=3), now)
