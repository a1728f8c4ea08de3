"""The part every pattern-based entity extractor shares: typed text in, entities added; payloads skipped."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message


class TextEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Subclasses say which entities a text holds (`entities_in`); nothing to train or to store."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "TextEntityExtractor":
        return cls()

    def entities_in(self, text: str) -> List[Dict[str, Any]]:
        raise NotImplementedError

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue  # button payloads carry their own entities
            entities = self.entities_in(text)
            if entities:
                message.set(
                    ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(entities), add_to_output=True
                )
        return messages
