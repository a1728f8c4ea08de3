"""The custom actions, run with rasa_sdk's own Tracker and dispatcher."""
import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import ActionAnswerByLaw, ActionChangeLanguage, ActionFallback


def tracker(intent="greet", slots=None, entities=(), events=()):
    return Tracker(
        sender_id="test",
        slots=slots or {},
        latest_message={"intent": {"name": intent, "confidence": 0.9}, "entities": list(entities), "text": "x"},
        events=list(events),
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run(action, the_tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, the_tracker, {}))
    return dispatcher.messages, events


def test_answer_by_law_asks_which_law_first():
    messages, events = run(ActionAnswerByLaw(), tracker("ask_fine"))
    assert [m["response"] for m in messages] == ["utter_ask_law"]
    assert messages[0]["intent"] == "ask_fine"
    assert events == []


@pytest.mark.parametrize("law", ["wi2013", "wi2021"])
def test_answer_by_law_uses_the_remembered_law(law):
    messages, _ = run(ActionAnswerByLaw(), tracker("ask_loan", {"law": law}))
    assert [m["response"] for m in messages] == [f"utter_loan_{law}"]


def test_change_language_confirms_a_named_language():
    entity = {"entity": "requested_language", "value": "ar", "start": 7, "end": 14}
    messages, _ = run(ActionChangeLanguage(), tracker("change_language", {"language": "ar"}, [entity]))
    assert [m["response"] for m in messages] == ["utter_language_changed"]


def test_change_language_asks_which_when_none_named():
    messages, _ = run(ActionChangeLanguage(), tracker("change_language"))
    assert [m["response"] for m in messages] == ["utter_ask_which_language"]


def user(intent):
    return {"event": "user", "text": "x", "parse_data": {"intent": {"name": intent}}}


def test_fallback_offers_topics_first():
    # The second miss in a row hands over to a person: tests/actions/test_handoff.py.
    first, events = run(ActionFallback(), tracker("nlu_fallback", events=[user("greet"), user("nlu_fallback")]))
    assert [m["response"] for m in first] == ["utter_fallback"] and events == []
