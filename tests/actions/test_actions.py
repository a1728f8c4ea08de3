"""The custom actions, run with rasa_sdk's own Tracker and dispatcher."""
import asyncio

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import ActionAnswerByLaw, ActionChangeLanguage, ActionFallback
from bot.config import PROJECT_ROOT

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


def tracker(intent="greet", slots=None, entities=(), events=(), ranking=()):
    return Tracker(
        sender_id="test",
        slots=slots or {},
        latest_message={"intent": {"name": intent, "confidence": 0.9}, "entities": list(entities), "text": "x",
                        "intent_ranking": list(ranking)},
        events=list(events),
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run(action, the_tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, the_tracker, DOMAIN))
    return dispatcher.messages, events


def test_answer_by_law_asks_which_law_first():
    messages, events = run(ActionAnswerByLaw(), tracker("ask_fine"))
    assert [m["response"] for m in messages] == ["utter_ask_law"]
    assert messages[0]["intent"] == "ask_fine"
    assert events == [SlotSet("topic", "ask_fine")]  # remembered for the typed answer and follow-ups


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


@pytest.mark.parametrize("situation, response", [("status_holder", "utter_costs_wi2021_status_holder"),
                                                 ("family_migrant", "utter_costs_wi2021_family_migrant"),
                                                 (None, "utter_costs_wi2021")])
def test_answer_by_law_uses_the_situation_too(situation, response):
    messages, _ = run(ActionAnswerByLaw(), tracker("ask_costs", {"law": "wi2021", "situation": situation}))
    assert [m["response"] for m in messages] == [response]


def test_change_language_to_one_not_offered_lists_the_eight():
    entity = {"entity": "requested_language", "value": "other"}
    messages, _ = run(ActionChangeLanguage(), tracker("change_language", {"language": "nl"}, [entity]))
    assert [m["response"] for m in messages] == ["utter_language_not_offered"]


def test_fallback_asks_back_with_the_likeliest_topics_as_buttons():
    ranking = [{"name": "nlu_fallback", "confidence": 0.25}, {"name": "ask_costs", "confidence": 0.2},
               {"name": "ask_loan", "confidence": 0.15}]
    messages, events = run(ActionFallback(), tracker("nlu_fallback", {"language": "nl"}, ranking=ranking,
                                                       events=[user("greet"), user("nlu_fallback")]))
    assert [m["response"] for m in messages] == ["utter_did_you_mean"] and events == []
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/ask_costs", "/ask_loan"]
    assert all(b["title"] and not b["title"].startswith("label_") for b in messages[0]["buttons"])
