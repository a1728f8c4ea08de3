"""Keeps the `language` and `language_guess` slots up to date after each user message.

A policy may attach events to its prediction, and Rasa applies them whichever policy wins, before the
predicted action runs (so its answer is already in the new language). This one never predicts an action:
it only carries `bot.language.reply_language`'s rule into the tracker, in-process and without an action
server round trip.
"""
from __future__ import annotations

from typing import Any, List, Optional

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.language.reply_language import REQUESTED_LANGUAGE_ENTITY, language_slot_updates

EXAM_LANGUAGE_ANSWER = "utter_exam_language"


def _about_the_exam_language(tracker: DialogueStateTracker) -> bool:
    """True when the assistant's latest message was the answer about the exam's language."""
    for event in reversed(tracker.events):
        if isinstance(event, BotUttered):
            return (event.metadata or {}).get("utter_action") == EXAM_LANGUAGE_ANSWER
    return False


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class LanguagePolicy(Policy):
    """Sets the language slots from the NLU component's detection; predicts no action."""

    @staticmethod
    def get_default_config() -> dict:
        # Lowest priority: its all-zero prediction must never win a tie.
        return {"priority": 0}

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[dict] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        slots = {name: tracker.get_slot(name) for name in ("language", "language_guess")}
        latest = tracker.latest_message.parse_data if tracker.latest_message else {}
        if _about_the_exam_language(tracker):
            # "and in English?" right after the exam-language answer asks about the exam, not for a switch.
            latest = {**latest, "entities": [e for e in latest.get("entities") or []
                                             if e.get("entity") != REQUESTED_LANGUAGE_ENTITY]}
        events = [SlotSet(name, value) for name, value in language_slot_updates(slots, latest).items()]
        return self._prediction(self._default_predictions(domain), events=events)
