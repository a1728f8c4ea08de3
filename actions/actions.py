"""Custom actions. Thin: read the tracker, ask `bot` what to do, answer with response names."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import hand_over
from bot.dialogue.replies import answer_by_law, misunderstanding_reply
from bot.language.detection import SUPPORTED_LANGUAGES
from bot.language.reply_language import REQUESTED_LANGUAGE_ENTITY


def _latest_entity(tracker: Tracker, entity: str) -> Optional[str]:
    return next(tracker.get_latest_entity_values(entity), None)


class ActionAnswerByLaw(Action):
    """Answers a question whose answer depends on the law, asking which law first if unknown."""

    def name(self) -> Text:
        return "action_answer_by_law"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        reply = answer_by_law(intent, tracker.get_slot("law"))
        dispatcher.utter_message(response=reply.response, **reply.arguments)
        return []


class ActionChangeLanguage(Action):
    """Confirms the switch to the language the user named, or asks which one."""

    def name(self) -> Text:
        return "action_change_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        # LanguagePolicy has already switched the `language` slot when a language was named.
        requested = _latest_entity(tracker, REQUESTED_LANGUAGE_ENTITY)
        if requested in SUPPORTED_LANGUAGES:
            dispatcher.utter_message(response="utter_language_changed")
        else:
            dispatcher.utter_message(response="utter_ask_which_language")
        return []


class ActionFallback(Action):
    """Says honestly that it did not understand; after a second miss in a row, hands over to a person."""

    def name(self) -> Text:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        user_events = [e for e in reversed(tracker.events) if e.get("event") == "user"]
        earlier = ((e.get("parse_data") or {}).get("intent", {}).get("name") for e in user_events[1:])
        reply = misunderstanding_reply(earlier)
        dispatcher.utter_message(response=reply.response, **reply.arguments)
        if reply.response == "utter_fallback_human":
            return await hand_over(dispatcher, tracker, "not_understood")
        return []
