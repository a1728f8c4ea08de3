"""Rasa NLU component: the facts a message reveals along the way, as entities (`law`, `situation`).

"ik ben in 2023 gekomen, wat kost het?" carries `law: wi2021`; "ik ben statushouder" carries
`situation: status_holder`. The slots of the same names fill from them (domain.yml), in any intent, so a
fact once said is never asked again. The rules themselves are in bot/dialogue/facts.py.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.dialogue.facts import find_facts


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class FactsExtractor(GraphComponent, EntityExtractorMixin):
    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "FactsExtractor":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue  # button payloads carry their own entities
            # A fact is read from the message as a whole (a year with "gekomen", "old" with "law"): it spans it.
            entities = [{"entity": name, "value": value, "start": 0, "end": len(text)}
                        for name, value in find_facts(text)]
            if entities:
                message.set(
                    ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(entities), add_to_output=True
                )
        return messages
