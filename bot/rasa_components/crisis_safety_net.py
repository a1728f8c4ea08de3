"""Rasa NLU component: a message that names a real crisis is `signal_distress`, whatever the model guessed.

Runs right after the intent classifier and before the FallbackClassifier, so a crisis message is never
"not understood". The other intents stay in the ranking (staff see what the model thought).
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.dialogue.crisis import signals_crisis

DISTRESS_INTENT = "signal_distress"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CrisisSafetyNet(GraphComponent):
    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CrisisSafetyNet":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/") or not signals_crisis(text):
                continue
            distress = {"name": DISTRESS_INTENT, "confidence": 1.0}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != DISTRESS_INTENT]
            message.set(INTENT, distress, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [distress, *ranking], add_to_output=True)
        return messages
