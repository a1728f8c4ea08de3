"""Typed answers replayed as presses, facts taken in, and "I don't know" to the law question."""
import asyncio

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import ActionDontKnow, ActionNoteFacts, ActionPressTypedButton
from bot.config import PROJECT_ROOT

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
LAW_BUTTONS = [{"title": "Before 2022 (old law, 2013)", "payload": '/ask_fine{"law":"wi2013"}'},
               {"title": "From 2022 (new law, 2021)", "payload": '/ask_fine{"law":"wi2021"}'},
               {"title": "I don't know", "payload": "/dont_know"}]


def bot(response, buttons=()):
    return {"event": "bot", "text": "...", "data": {"buttons": list(buttons)}, "metadata": {"utter_action": response}}


def tracker(text, intent="inform", slots=None, last_bot=bot("utter_ask_law", LAW_BUTTONS), entities=()):
    latest = {"intent": {"name": intent, "confidence": 0.5}, "entities": list(entities), "text": text,
              "language": {"code": "en"}}
    events = [{"event": "user", "text": "what is the fine?"}, last_bot, {"event": "user", "text": text,
                                                                         "parse_data": latest}]
    return Tracker("someone", {"language": "en", **(slots or {})}, latest, events, False, None, {}, "action_listen")


def run(action, the_tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, the_tracker, DOMAIN))
    return [m.get("response") for m in dispatcher.messages], events, dispatcher.messages


def test_a_typed_answer_is_replayed_as_the_button_it_presses():
    _, events, _ = run(ActionPressTypedButton(), tracker("new law", intent="ask_learning_route"))
    assert [e["event"] for e in events] == ["rewind", "action", "user", "slot"]
    replayed = events[2]
    assert replayed["text"] == "new law" and replayed["parse_data"]["intent"]["name"] == "ask_fine"
    assert replayed["parse_data"]["language"] == {"code": "en"} and replayed["parse_data"]["typed_answer"]
    assert events[3] == SlotSet("law", "wi2021")


def test_a_message_that_presses_nothing_goes_on_unchanged():
    _, events, _ = run(ActionPressTypedButton(), tracker("what about my exam?", intent="ask_exam"))
    assert [e["event"] for e in events] == ["rewind", "action", "user"]
    assert events[2]["parse_data"]["intent"]["name"] == "ask_exam" and events[2]["parse_data"]["typed_answer"]


@pytest.mark.parametrize("last", ["utter_ask_law", "utter_fine_wi2013"])
def test_a_fact_answers_the_question_just_asked_or_answered(last):
    the_tracker = tracker("new law", slots={"law": "wi2021", "topic": "ask_fine"}, last_bot=bot(last))
    responses, events, _ = run(ActionNoteFacts(), the_tracker)
    assert responses == ["utter_fine_wi2021"] and events == [SlotSet("topic", "ask_fine")]


def test_a_fact_alone_is_acknowledged():
    law = {"entity": "law", "value": "wi2021"}
    responses, _, _ = run(ActionNoteFacts(), tracker("new law", slots={"law": "wi2021"}, last_bot=bot("utter_greet"),
                                                     entities=[law]))
    assert responses == ["utter_law_noted_wi2021"]
    situation = {"entity": "situation", "value": "status_holder"}
    responses, _, _ = run(ActionNoteFacts(), tracker("statushouder", last_bot=bot("utter_greet"), entities=[situation]))
    assert responses == ["utter_situation_noted"]


def test_i_dont_know_gets_a_guided_check_then_where_to_look():
    responses, _, messages = run(ActionDontKnow(), tracker("no idea", "dont_know", {"topic": "ask_fine"}))
    assert responses == ["utter_ask_law_start"] and messages[0]["intent"] == "ask_fine"
    responses, _, _ = run(ActionDontKnow(), tracker("no idea", "dont_know", {"topic": "ask_fine"},
                                                    last_bot=bot("utter_ask_law_start")))
    assert responses == ["utter_law_where_to_find"]


def test_a_fact_with_a_question_beside_it_answers_the_question():
    law = {"entity": "law", "value": "wi2021"}
    the_tracker = tracker("ik ben in 2023 gekomen, welke lening geeft DUO?", slots={"law": "wi2021"},
                          last_bot=bot("utter_greet"), entities=[law])
    the_tracker.latest_message["intent_ranking"] = [{"name": "inform", "confidence": 0.5},
                                                    {"name": "ask_loan", "confidence": 0.3}]
    responses, events, _ = run(ActionNoteFacts(), the_tracker)
    assert responses == ["utter_loan_wi2021"] and events == [SlotSet("topic", "ask_loan")]
