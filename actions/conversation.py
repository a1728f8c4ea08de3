"""Holding the conversation: typed answers to the assistant's questions, facts said along the way, and
"I don't know" to the question which law applies. The decisions are in bot/dialogue/."""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SlotSet, UserUtteranceReverted, UserUttered
from rasa_sdk.executor import CollectingDispatcher

from actions.services import settings
from bot.config import PROJECT_ROOT
from bot.content.nlg import LiveCatalogue
from bot.dialogue.answers import LAW_QUESTIONS, answer_for, answers_again, last_bot_response, question_beside_fact
from bot.dialogue.typed_answers import (
    TYPED_ANSWER_MARK,
    offered_since_previous_message,
    press_for,
    replayed_parse_data,
    synonym_languages,
    with_synonyms,
)
from bot.language.reply_language import reply_language

TOPIC_SLOT = "topic"
LAW_NOTED = {"wi2013": "utter_law_noted_wi2013", "wi2021": "utter_law_noted_wi2021"}
# Undo the message as it was read, and listen again: the replayed message then reaches the rules as if just sent
# (as Rasa's own two-stage fallback does).
REPLAY = (UserUtteranceReverted(), ActionExecuted("action_listen"))


@lru_cache(maxsize=1)
def live_catalogue() -> LiveCatalogue:
    """The content catalogue (reloaded when a file changes), for labels the actions put on buttons."""
    return LiveCatalogue(PROJECT_ROOT / "data" / "content")


def label_in_reply_language(tracker: Tracker) -> Callable[[str], str]:
    """Looks up catalogue labels in the language this conversation is answered in."""
    language = reply_language(tracker.current_slot_values(), settings().default_language)
    catalogue = live_catalogue().get()
    return lambda name: catalogue.label(name, language)


def known_responses(domain: Dict[Text, Any]) -> set:
    """The response names the domain lists (answers come from the NLG, so they are listed as actions)."""
    return {name for name in domain.get("actions", []) if name.startswith("utter_")} | set(domain.get("responses", {}))


def answer(dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any], intent: str) -> List[Dict]:
    """Answers `intent` for the known law and situation (or asks the law), and remembers it as the topic."""
    reply = answer_for(intent, tracker.get_slot("law"), tracker.get_slot("situation"), known_responses(domain))
    dispatcher.utter_message(response=reply.response, **reply.arguments)
    return [SlotSet(TOPIC_SLOT, intent)]


class ActionPressTypedButton(Action):
    """Replays a typed answer as the button it names, so everything after it works as for a press."""

    def name(self) -> Text:
        return "action_press_typed_button"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        latest = tracker.latest_message or {}
        language = reply_language(tracker.current_slot_values(), settings().default_language)
        buttons = with_synonyms(offered_since_previous_message(tracker.events), live_catalogue().get(),
                                synonym_languages(language))
        press = press_for(latest.get("text") or "", buttons)
        parse_data = dict(latest)
        if press is None:  # the message changed meaning in between: let it go on as it was
            parse_data[TYPED_ANSWER_MARK] = "none"
            return [*REPLAY, UserUttered(latest.get("text"), parse_data)]
        slots = set(domain.get("slots", {}))
        entity_slots = [SlotSet(name, value) for name, value in press.entities.items() if name in slots]
        return [*REPLAY, UserUttered(latest.get("text"), replayed_parse_data(parse_data, press)), *entity_slots]


class ActionNoteFacts(Action):
    """Takes in a fact ("new law", "ik ben statushouder"): answers the pending question with it, or says thanks."""

    def name(self) -> Text:
        return "action_note_facts"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        topic = tracker.get_slot(TOPIC_SLOT)
        if answers_again(topic, last_bot_response(tracker.events)):
            return answer(dispatcher, tracker, domain, topic)
        latest = tracker.latest_message or {}
        question = question_beside_fact(latest.get("intent_ranking") or [], latest.get("text") or "")
        if question:
            return answer(dispatcher, tracker, domain, question)
        entities = {e.get("entity"): e.get("value") for e in latest.get("entities") or []}
        law = entities.get("law") or None
        if law in LAW_NOTED:
            dispatcher.utter_message(response=LAW_NOTED[law])
        else:
            dispatcher.utter_message(response="utter_situation_noted")
        return []


class ActionDontKnow(Action):
    """"I don't know" which law applies: a short guided check, then where to find it, then a person."""

    def name(self) -> Text:
        return "action_dont_know"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        last = last_bot_response(tracker.events)
        topic = tracker.get_slot(TOPIC_SLOT)
        if last == LAW_QUESTIONS[0] and topic:
            dispatcher.utter_message(response="utter_ask_law_start", intent=topic)
        elif last in LAW_QUESTIONS:
            dispatcher.utter_message(response="utter_law_where_to_find")
        else:
            dispatcher.utter_message(response="utter_help")
        return []

