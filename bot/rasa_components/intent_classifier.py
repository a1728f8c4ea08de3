"""Rasa NLU component wrapping `bot.nlu.intent_model.IntentModel` (features are computed inside it)."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.intent_model import IntentModel, IntentModelConfig

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TfidfSvmIntentClassifier(GraphComponent, IntentClassifier):
    """Linear SVM over TF-IDF character and word n-grams, with calibrated confidences."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        defaults = IntentModelConfig()
        return {
            "C": defaults.C,
            "char_ngram_range": list(defaults.char_ngram_range),
            "calibration_folds": defaults.calibration_folds,
            "random_state": defaults.random_state,
            "ranking_length": 10,
        }

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "TfidfSvmIntentClassifier":
        return cls(config, model_storage, resource)

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[IntentModel] = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.model = model

    def _model_config(self) -> IntentModelConfig:
        return IntentModelConfig(
            C=self.config["C"],
            char_ngram_range=tuple(self.config["char_ngram_range"]),
            calibration_folds=self.config["calibration_folds"],
            random_state=self.config["random_state"],
        )

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        if not examples:
            logger.warning("No intent examples: the intent classifier is not trained.")
            return self._resource
        self.model = IntentModel.train(
            [m.get(TEXT) for m in examples], [m.get(INTENT) for m in examples], self._model_config()
        )
        self.persist()
        return self._resource

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            self.model.save(directory)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "TfidfSvmIntentClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                model = IntentModel.load(directory)
        except (ValueError, FileNotFoundError):
            logger.warning("No trained intent classifier in the model: every message will fall back.")
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, model)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        if self.model is None or not messages:
            return messages
        for message, ranking in zip(messages, self.model.rankings([m.get(TEXT) or "" for m in messages])):
            message.set(INTENT, ranking[0], add_to_output=True)
            if self.config["ranking_length"] > 0:
                ranking = ranking[: self.config["ranking_length"]]
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
