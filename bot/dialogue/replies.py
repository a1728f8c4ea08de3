"""What the assistant says about a newcomer's own case and about a handoff (information answers: answers.py)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from bot.cases import CaseSummary
from bot.handoff.office_hours import DAY_NAMES, OfficeHours
from bot.text import format_euros


@dataclass(frozen=True)
class Reply:
    """A response name and the arguments the NLG fills into it."""

    response: str
    arguments: Dict[str, Any] = field(default_factory=dict)


def _months(days: int) -> int:
    return round(days / 30.44)


def case_status_replies(summary: CaseSummary) -> List[Reply]:
    """What a verified newcomer is told about their case, in order: deadline, open items, loan, contact."""
    replies = []
    if summary.deadline is None:
        replies.append(Reply("utter_case_deadline_unknown"))
    else:
        dates = {"deadline": summary.deadline.strftime("%d-%m-%Y")}
        if summary.days_left < 0:
            replies.append(Reply("utter_case_deadline_passed", dates))
        else:
            left = {**dates, "days_left": str(summary.days_left), "months_left": str(_months(summary.days_left))}
            replies.append(Reply("utter_case_deadline_extended" if summary.extended else "utter_case_deadline", left))
    if summary.open_items:
        replies.append(Reply("utter_case_open_items", {"items": [f"label_item_{i}" for i in summary.open_items]}))
    else:
        replies.append(Reply("utter_case_nothing_open"))
    if summary.loan_left_cents:
        replies.append(Reply("utter_case_loan_left", {"loan_left": format_euros(summary.loan_left_cents)}))
    replies.append(
        Reply(
            "utter_case_contact",
            {
                "contact_name": summary.contact_name or "-",
                "municipality": summary.municipality or "-",
                "contact_email": summary.contact_email or "-",
                "contact_phone": summary.contact_phone or "-",
            },
        )
    )
    return replies


def opening_arguments(opens_at: dt.datetime) -> Dict[str, Any]:
    """{weekday} (a catalogue label, so it is said in the user's language), {date} and {time}."""
    return {
        "weekday": [f"label_weekday_{DAY_NAMES[opens_at.weekday()]}"],
        "date": opens_at.strftime("%d-%m-%Y"),
        "time": opens_at.strftime("%H:%M"),
    }


def handoff_replies(
    created: bool, contact_name: Optional[str], hours: OfficeHours, now: dt.datetime, reply_minutes: int
) -> List[Reply]:
    """What the newcomer is told once their handoff is stored: who answers, and roughly when."""
    if not created:
        return [Reply("utter_handoff_already_open")]
    if not hours.is_open(now):
        return [Reply("utter_handoff_after_hours", opening_arguments(hours.next_opening(now)))]
    if contact_name:
        return [Reply("utter_handoff_contact_person", {"contact_name": contact_name, "minutes": str(reply_minutes)})]
    return [Reply("utter_handoff_colleague", {"minutes": str(reply_minutes)})]
