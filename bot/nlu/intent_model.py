"""Intent classification for all eight languages at once: TF-IDF over character n-grams and words, a
linear SVM, and a softmax temperature fitted by cross-validation so that confidences mean something
(the fallback threshold in config.yml depends on them).

Why not Rasa's stock classifiers: on the held-out data this is more accurate than LogisticRegression on
count vectors in every language, trains in seconds instead of a minute, and needs no TensorFlow at
prediction time. The Rasa component in `bot.rasa_components.intent_classifier` wraps it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

TEMPERATURES = tuple(float(t) for t in range(1, 21))


@dataclass
class IntentModelConfig:
    C: float = 0.5
    char_ngram_range: Tuple[int, int] = (2, 5)
    calibration_folds: int = 5
    random_state: int = 0


def build_pipeline(config: IntentModelConfig) -> Pipeline:
    features = FeatureUnion(
        [
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(config.char_ngram_range),
                                      sublinear_tf=True)),
            ("words", TfidfVectorizer(analyzer="word", sublinear_tf=True)),
        ]
    )
    svm = LinearSVC(C=config.C, class_weight="balanced", random_state=config.random_state)
    return Pipeline([("features", features), ("svm", svm)])


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    scaled = (scores - scores.max(axis=1, keepdims=True)) * temperature
    exp = np.exp(scaled)
    return exp / exp.sum(axis=1, keepdims=True)


def fit_temperature(texts: Sequence[str], labels: Sequence[str], config: IntentModelConfig) -> float:
    """The temperature with the lowest log-loss on held-out folds of the training data."""
    labels = np.asarray(labels)
    classes = np.unique(labels)
    folds = min(config.calibration_folds, int(min(np.sum(labels == c) for c in classes)))
    if folds < 2:
        return 1.0
    scores = np.zeros((len(labels), len(classes)))
    splitter = StratifiedKFold(folds, shuffle=True, random_state=config.random_state)
    texts = np.asarray(texts, dtype=object)
    for train, test in splitter.split(texts, labels):
        fold_model = build_pipeline(config).fit(texts[train], labels[train])
        columns = np.searchsorted(classes, fold_model.classes_)
        scores[np.ix_(test, columns)] = fold_model.decision_function(texts[test])
    gold = np.searchsorted(classes, labels)

    def log_loss(temperature: float) -> float:
        probabilities = softmax(scores, temperature)[np.arange(len(gold)), gold]
        return float(-np.log(probabilities + 1e-12).mean())

    return min(TEMPERATURES, key=log_loss)


class IntentModel:
    """A trained model: the two TF-IDF vectorizers, the SVM's weights and the softmax temperature.

    Kept as plain arrays (not a pickled pipeline) so that it saves to JSON and NumPy files and loads in a
    fraction of a second, without unpickling anything.
    """

    def __init__(
        self,
        vectorizers: Sequence[TfidfVectorizer],
        coef: np.ndarray,
        intercept: np.ndarray,
        intents: Sequence[str],
        temperature: float,
    ) -> None:
        self.vectorizers = list(vectorizers)
        self.coef = coef
        self.intercept = intercept
        self.intents = [str(i) for i in intents]
        self.temperature = temperature

    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[str], config: IntentModelConfig) -> "IntentModel":
        pipeline = build_pipeline(config).fit(list(texts), list(labels))
        svm = pipeline.named_steps["svm"]
        vectorizers = [v for _, v in pipeline.named_steps["features"].transformer_list]
        coef, intercept = svm.coef_, svm.intercept_
        if coef.shape[0] == 1:  # two intents: sklearn keeps one row
            coef, intercept = np.vstack([-coef, coef]), np.array([-intercept[0], intercept[0]])
        return cls(vectorizers, coef.astype(np.float32), intercept.astype(np.float32), svm.classes_,
                   fit_temperature(texts, labels, config))

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        features = hstack([v.transform(list(texts)) for v in self.vectorizers]).tocsr()
        return np.asarray(features @ self.coef.T) + self.intercept

    def rankings(self, texts: Sequence[str]) -> List[List[Dict[str, float]]]:
        """For each text, every intent with its confidence, most likely first."""
        probabilities = softmax(self.scores(texts), self.temperature)
        rankings = []
        for row in probabilities:
            order = np.argsort(-row, kind="stable")
            rankings.append([{"name": self.intents[i], "confidence": float(row[i])} for i in order])
        return rankings

    def save(self, directory: Path) -> None:
        meta = {
            "intents": self.intents,
            "temperature": self.temperature,
            "vectorizers": [
                {"params": _vectorizer_params(v), "vocabulary": {t: int(i) for t, i in v.vocabulary_.items()}}
                for v in self.vectorizers
            ],
        }
        (directory / "intent_model.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        np.savez(directory / "intent_model.npz", coef=self.coef, intercept=self.intercept,
                 **{f"idf_{i}": v.idf_ for i, v in enumerate(self.vectorizers)})

    @classmethod
    def load(cls, directory: Path) -> "IntentModel":
        meta = json.loads((directory / "intent_model.json").read_text(encoding="utf-8"))
        arrays = np.load(directory / "intent_model.npz", allow_pickle=False)
        vectorizers = []
        for i, spec in enumerate(meta["vectorizers"]):
            vectorizer = TfidfVectorizer(**spec["params"])
            vectorizer.vocabulary_ = spec["vocabulary"]
            vectorizer.idf_ = arrays[f"idf_{i}"]
            vectorizers.append(vectorizer)
        return cls(vectorizers, arrays["coef"], arrays["intercept"], meta["intents"], meta["temperature"])


def _vectorizer_params(vectorizer: TfidfVectorizer) -> Dict[str, object]:
    params = {k: vectorizer.get_params()[k] for k in ("analyzer", "ngram_range", "sublinear_tf", "lowercase")}
    params["ngram_range"] = list(params["ngram_range"])
    return params
