"""The content catalogue in the conversation: an answer again in Dutch or English (the buttons on the notice that
a translation is not yet checked by a native speaker). The decisions are in bot/content/originals.py."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import live_catalogue
from bot.content.nlg import SHOW_LANGUAGE
from bot.content.originals import original_to_show

# Named here as Rasa's data validation looks for it (bot.content.originals passes over it: NOT_AVAILABLE).
NOT_AVAILABLE = "utter_original_not_available"


class ActionShowOriginal(Action):
    """Re-sends the assistant's last answer in the language of the button ("nl" or "en"), or says it cannot."""

    def name(self) -> Text:
        return "action_show_original"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        language = next(tracker.get_latest_entity_values(SHOW_LANGUAGE), None)
        name = original_to_show(tracker.events, live_catalogue().get(), language)
        if name is None:
            dispatcher.utter_message(response=NOT_AVAILABLE)
        else:
            dispatcher.utter_message(response=name, **{SHOW_LANGUAGE: language})
        return []
