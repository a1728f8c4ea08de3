"""Rasa NLU component: detects each message's language, and the language a user asks for.

It runs last in the pipeline and adds to every message the `language` attribute
({"code", "confidence", "clear", "grounded"}), which stays in the tracker (staff see it; `LanguagePolicy` turns it
into the sticky `language` slot). On `change_language` it adds the `requested_language` entity when the
message names a language ("English please", "بالعربي").
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, METADATA, METADATA_INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.language.detection import LanguageDetector, NgramModel, find_requested_language
from bot.language.reply_language import DETECTION_ATTRIBUTE, REQUESTED_LANGUAGE_ENTITY, UNOFFERED_LANGUAGE
from bot.nlu.training_data import LANGUAGE_NAME_LOOKUP_PREFIX

CHANGE_LANGUAGE_INTENT = "change_language"
# "spreek je ook pools?" is often taken for one of these: a short message naming a language not on offer is a
# request for it (answered kindly with the eight on offer), never a switch.
UNSURE_INTENTS = ("nlu_fallback", "bot_challenge", "out_of_scope", "help", "greet")
SHORT_REQUEST_WORDS = 5


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class LanguageDetectorComponent(GraphComponent, EntityExtractorMixin):
    """Wraps `bot.language.detection.LanguageDetector` for Rasa's graph."""

    MODEL_FILE = "language_model.json"
    NAMES_FILE = "language_names.json"

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LanguageDetectorComponent":
        return cls(model_storage, resource)

    def __init__(
        self,
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[NgramModel] = None,
        names: Optional[Dict[str, List[str]]] = None,
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.detector = LanguageDetector(model)
        self.names = names or {}

    def train(self, training_data: TrainingData) -> Resource:
        """Learn n-gram statistics from the language-labelled examples and keep the name lexicon."""
        examples = []
        for message in training_data.intent_examples:
            intent_metadata = (message.get(METADATA) or {}).get(METADATA_INTENT) or {}
            examples.append((message.get(TEXT), intent_metadata.get("language", "")))
        names: Dict[str, List[str]] = {}
        for table in training_data.lookup_tables:
            name = table.get("name", "")
            if name.startswith(LANGUAGE_NAME_LOOKUP_PREFIX) and isinstance(table.get("elements"), list):
                names.setdefault(name[len(LANGUAGE_NAME_LOOKUP_PREFIX) :], []).extend(table["elements"])
        with self._model_storage.write_to(self._resource) as directory:
            (directory / self.MODEL_FILE).write_text(NgramModel.train(examples).to_json(), encoding="utf-8")
            (directory / self.NAMES_FILE).write_text(json.dumps(names, ensure_ascii=False), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LanguageDetectorComponent":
        try:
            with model_storage.read_from(resource) as directory:
                model = NgramModel.from_json((directory / cls.MODEL_FILE).read_text(encoding="utf-8"))
                names = json.loads((directory / cls.NAMES_FILE).read_text(encoding="utf-8"))
        except ValueError:
            # Not trained (a model without NLU data): script rules and langdetect still work.
            return cls(model_storage, resource)
        return cls(model_storage, resource, model, names)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Add the language attribute (and a requested language) to each message."""
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue  # a button payload, not something the user wrote
            detection = self.detector.detect(text)
            message.set(
                DETECTION_ATTRIBUTE,
                {
                    "code": detection.language,
                    "confidence": detection.confidence,
                    "clear": detection.clear,
                    "grounded": detection.grounded,
                },
                add_to_output=True,
            )
            intent = (message.get(INTENT) or {}).get("name")
            if intent == CHANGE_LANGUAGE_INTENT:
                self._add_requested_language(message, text)
            elif intent in UNSURE_INTENTS and len(text.split()) <= SHORT_REQUEST_WORDS:
                self._take_unoffered_language_request(message, text)
        return messages

    def _take_unoffered_language_request(self, message: Message, text: str) -> None:
        found = find_requested_language(text, self.names)
        if found is None or found[0] != UNOFFERED_LANGUAGE:
            return
        message.set(INTENT, {"name": CHANGE_LANGUAGE_INTENT, "confidence": 1.0}, add_to_output=True)
        self._add_requested_language(message, text)

    def _add_requested_language(self, message: Message, text: str) -> None:
        found = find_requested_language(text, self.names)
        if found is None:
            return
        code, start, end = found
        entity = {"entity": REQUESTED_LANGUAGE_ENTITY, "value": code, "start": start, "end": end}
        message.set(ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name([entity]), add_to_output=True)
