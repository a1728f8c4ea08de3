"""Custom actions. Thin: read the tracker, ask `bot` what to do, answer with response names."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import answer, label_in_reply_language
from actions.handoff import hand_over
from bot.dialogue.answers import clarification, last_bot_response, topic_buttons
from bot.language.detection import SUPPORTED_LANGUAGES
from bot.language.reply_language import REQUESTED_LANGUAGE_ENTITY, UNOFFERED_LANGUAGE


def _latest_entity(tracker: Tracker, entity: str) -> Optional[str]:
    return next(tracker.get_latest_entity_values(entity), None)


class ActionAnswerByLaw(Action):
    """Answers a question whose answer depends on the law or the person's situation (asking the law if needed)."""

    def name(self) -> Text:
        return "action_answer_by_law"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        return answer(dispatcher, tracker, domain, intent)


class ActionChangeLanguage(Action):
    """Confirms the switch to the language the user named, says which eight are on offer, or asks which one."""

    def name(self) -> Text:
        return "action_change_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        # LanguagePolicy has already switched the `language` slot when a language was named.
        requested = _latest_entity(tracker, REQUESTED_LANGUAGE_ENTITY)
        if last_bot_response(tracker.events) == "utter_exam_language":
            dispatcher.utter_message(response="utter_exam_language")  # "and in English?": still the exam
        elif requested in SUPPORTED_LANGUAGES:
            dispatcher.utter_message(response="utter_language_changed")
        elif requested == UNOFFERED_LANGUAGE:
            dispatcher.utter_message(response="utter_language_not_offered")
        else:
            dispatcher.utter_message(response="utter_ask_which_language")
        return []


class ActionFallback(Action):
    """Not sure: asks back with the likeliest topics; not understood; after a second miss in a row, a person."""

    def name(self) -> Text:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        user_events = [e for e in reversed(tracker.events) if e.get("event") == "user"]
        earlier = ((e.get("parse_data") or {}).get("intent", {}).get("name") for e in user_events[1:])
        reply = clarification(tracker.latest_message.get("intent_ranking") or [], earlier)
        if reply.response == "utter_did_you_mean":
            buttons = topic_buttons(reply.arguments["topics"], label_in_reply_language(tracker))
            dispatcher.utter_message(response=reply.response, buttons=buttons)
            return []
        dispatcher.utter_message(response=reply.response, **reply.arguments)
        if reply.response == "utter_fallback_human":
            return await hand_over(dispatcher, tracker, "not_understood")
        return []
