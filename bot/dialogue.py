"""Dialogue decisions that do not need Rasa: which answer fits a question, and when to offer a person."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Iterable, Optional

LAWS = ("wi2013", "wi2021")

# Questions whose answer differs between the 2013 and the 2021 law; the answer is `<response>_<law>`.
LAW_SPECIFIC_ANSWERS: Dict[str, str] = {
    "ask_deadline": "utter_deadline",
    "ask_fine": "utter_fine",
    "ask_learning_route": "utter_learning_route",
    "ask_pvt_map": "utter_pvt_map",
    "ask_exam": "utter_exam",
    "ask_costs": "utter_costs",
    "ask_loan": "utter_loan",
    "ask_loan_repayment": "utter_loan_repayment",
}

FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True)
class Reply:
    """A response name and the arguments the NLG fills into it."""

    response: str
    arguments: Dict[str, str] = field(default_factory=dict)


def answer_by_law(intent: str, law: Optional[str]) -> Reply:
    """The law's own answer, or the question which law applies (its buttons repeat `intent`)."""
    base = LAW_SPECIFIC_ANSWERS.get(intent)
    if base is None:
        raise ValueError(f"{intent!r} has no law-specific answer")
    if law in LAWS:
        return Reply(f"{base}_{law}")
    return Reply("utter_ask_law", {"intent": intent})


def misunderstanding_reply(earlier_user_intents: Iterable[Optional[str]]) -> Reply:
    """First miss: the main topics. A second miss in a row: offer a person.

    `earlier_user_intents` are the intents of the user's messages before the current one, newest first.
    """
    previous = next(iter(earlier_user_intents), None)
    if previous == FALLBACK_INTENT:
        return Reply("utter_fallback_human")
    return Reply("utter_fallback")
