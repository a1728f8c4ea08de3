"""Which answer fits a question: the most specific one for the person's law and situation, or a question back.

Answers are named `<base>[_<law>][_<situation>]` in the catalogue ("utter_costs_wi2021_status_holder").
The most specific one that exists is given; when a question's answers differ per law and the law is not
known yet, the assistant asks it first (once: the `law` slot remembers it).
"""
from __future__ import annotations

from typing import Any, Callable, Collection, Dict, Iterable, List, Mapping, Optional, Sequence

from bot.dialogue.replies import Reply
from bot.models import LAWS

# Questions answered through `answer_for` (the others have one answer, chosen by a rule).
ANSWER_BASES: Dict[str, str] = {
    "ask_obligation": "utter_obligation",
    "ask_deadline": "utter_deadline",
    "ask_fine": "utter_fine",
    "ask_learning_route": "utter_learning_route",
    "ask_pvt_map": "utter_pvt_map",
    "ask_exam": "utter_exam",
    "ask_exam_retake": "utter_exam_retake",
    "ask_costs": "utter_costs",
    "ask_loan": "utter_loan",
    "ask_loan_repayment": "utter_loan_repayment",
}
# The topics "Did you mean …?" may offer (each has a label_topic_<intent> in the catalogue).
TOPIC_INTENTS = (
    "ask_obligation", "ask_exemption", "ask_deadline", "ask_extension", "ask_fine", "ask_learning_route",
    "ask_pvt_map", "ask_exam", "ask_costs", "ask_loan", "ask_loan_repayment", "ask_complaint_process",
    "ask_contact_info", "check_case_status", "file_complaint", "check_complaint_status", "request_human",
    "delete_my_data", "ask_exam_retake", "ask_duo_letter", "ask_moving", "ask_ontzorgen",
    "ask_residence_naturalisation", "ask_exam_abroad", "ask_staatsexamen", "ask_voluntary",
    "ask_help_own_language", "ask_pregnancy_illness", "ask_diploma_exemption", "ask_exam_language",
)
FALLBACK_INTENT = "nlu_fallback"
CLARIFY_MIN_CONFIDENCE = 0.08  # a topic this likely is worth offering in "Did you mean …?"
CLARIFY_MAX_TOPICS = 3


def answer_for(intent: str, law: Optional[str], situation: Optional[str], known: Collection[str]) -> Reply:
    """The most specific known answer to `intent` for this law and situation, or the question which law applies.

    `known` holds the response names that exist (the domain's). The question's buttons repeat `intent`.
    """
    base = ANSWER_BASES.get(intent)
    if base is None:
        raise ValueError(f"{intent!r} is answered by a rule, not by answer_for")
    law = law if law in LAWS else None
    candidates = []
    if law:
        candidates += [f"{base}_{law}_{situation}", f"{base}_{law}"]
    candidates += [f"{base}_{situation}", base]
    for name in candidates:
        if "None" not in name and name in known:
            return Reply(name)
    if law is None and any(f"{base}_{each}" in known for each in LAWS):
        return Reply("utter_ask_law", {"intent": intent})
    raise ValueError(f"no answer for {intent!r} ({law}, {situation})")


def misunderstanding_reply(earlier_user_intents: Iterable[Optional[str]]) -> Reply:
    """First miss: the main topics. A second miss in a row: offer a person.

    `earlier_user_intents` are the intents of the user's messages before the current one, newest first.
    """
    previous = next(iter(earlier_user_intents), None)
    if previous == FALLBACK_INTENT:
        return Reply("utter_fallback_human")
    return Reply("utter_fallback")


def likely_topics(ranking: Sequence[Mapping[str, Any]]) -> List[str]:
    """The two or three topics a message most likely asks about, from the intent ranking (best first)."""
    topics = []
    for candidate in ranking:
        name, confidence = candidate.get("name"), float(candidate.get("confidence") or 0.0)
        if name in TOPIC_INTENTS and confidence >= CLARIFY_MIN_CONFIDENCE and name not in topics:
            topics.append(name)
    return topics[:CLARIFY_MAX_TOPICS]


def clarification(ranking: Sequence[Mapping[str, Any]], earlier_user_intents: Iterable[Optional[str]]) -> Reply:
    """Not sure: "Did you mean …?" with the likeliest topics; not understood when none is likely; a person
    after a second miss in a row (a clarification that did not help counts as a miss)."""
    first = misunderstanding_reply(earlier_user_intents)
    if first.response == "utter_fallback_human":
        return first
    topics = likely_topics(ranking)
    if len(topics) >= 1:
        return Reply("utter_did_you_mean", {"topics": topics})
    return first


def topic_buttons(topics: Sequence[str], label: Callable[[str], str]) -> List[Dict[str, str]]:
    """Buttons for "Did you mean …?": each topic's label in the user's language, pressing the topic."""
    return [{"title": label(f"label_topic_{topic}"), "payload": f"/{topic}"} for topic in topics]


LAW_QUESTIONS = ("utter_ask_law", "utter_ask_law_start")


def answers_again(topic: Optional[str], last_response: Optional[str]) -> bool:
    """True when a new fact should re-answer `topic`: the assistant just asked the law for it, or just
    answered it ("and for the old law?" right after the 2021 answer)."""
    base = ANSWER_BASES.get(topic or "")
    if base is None or not last_response:
        return False
    return last_response in LAW_QUESTIONS or last_response == base or last_response.startswith(base + "_")


def last_bot_response(events: Sequence[Mapping[str, Any]]) -> Optional[str]:
    """The response name of the assistant's latest message (Rasa keeps it as `utter_action`)."""
    for event in reversed(events):
        if event.get("event") == "bot":
            return (event.get("metadata") or {}).get("utter_action")
    return None


QUESTION_MIN_CONFIDENCE = 0.08  # a question asked beside a fact ("ik kwam in 2023, wat kost het?")


def question_beside_fact(ranking: Sequence[Mapping[str, Any]], text: str) -> Optional[str]:
    """The law- or situation-dependent question a message asks besides stating a fact, if it clearly asks one."""
    asks = "?" in text or len(text.split()) >= 6
    for candidate in ranking:
        name, confidence = candidate.get("name"), float(candidate.get("confidence") or 0.0)
        if name in ANSWER_BASES and confidence >= QUESTION_MIN_CONFIDENCE and asks:
            return name
    return None
