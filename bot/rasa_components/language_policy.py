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
from rasa.shared.core.events import SlotSet
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.language.reply_language import language_slot_updates


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
        events = [SlotSet(name, value) for name, value in language_slot_updates(slots, latest).items()]
        return self._prediction(self._default_predictions(domain), events=events)
