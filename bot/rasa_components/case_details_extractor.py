"""Rasa NLU component: finds a case number ("INB-123456"), a date of birth and a complaint reference
("KL-2026-7F3K9Q") in any language.

These are patterns, not words, so no training examples are needed; entities come out normalised
(`INB-123456`, `1990-05-17`, `KL-2026-7F3K9Q`) with their position in the text, for the forms.
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

from bot.cases import find_case_details
from bot.complaints.register import find_complaint_reference


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class CaseDetailsExtractor(GraphComponent, EntityExtractorMixin):
    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CaseDetailsExtractor":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue  # button payloads carry their own entities
            entities = [
                {"entity": name, "value": value, "start": start, "end": end}
                for name, value, start, end in find_case_details(text) + find_complaint_reference(text)
            ]
            if entities:
                message.set(
                    ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(entities), add_to_output=True
                )
        return messages
