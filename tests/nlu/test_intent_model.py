"""The intent model: learns, calibrates, and saves and loads without pickling."""
import numpy as np

from bot.nlu.intent_model import IntentModel, IntentModelConfig, softmax

TEXTS = ["hello there", "hi friend", "good morning all", "goodbye now", "bye bye", "see you later",
         "how much is the fine", "what is the boete", "fine for being late"]
LABELS = ["greet"] * 3 + ["goodbye"] * 3 + ["ask_fine"] * 3


def test_learns_and_ranks():
    model = IntentModel.train(TEXTS, LABELS, IntentModelConfig(calibration_folds=3))
    ranking = model.rankings(["hello"])[0]
    assert ranking[0]["name"] == "greet"
    assert abs(sum(r["confidence"] for r in ranking) - 1) < 1e-6
    assert model.temperature >= 1


def test_save_and_load_give_the_same_rankings(tmp_path):
    model = IntentModel.train(TEXTS, LABELS, IntentModelConfig(calibration_folds=3))
    model.save(tmp_path)
    again = IntentModel.load(tmp_path)
    texts = ["hello there friend", "the fine?", "cya"]
    assert np.allclose(model.scores(texts), again.scores(texts))
    assert not list(tmp_path.glob("*.pkl"))


def test_softmax_temperature_sharpens():
    scores = np.array([[1.0, 0.0]])
    assert softmax(scores, 10)[0, 0] > softmax(scores, 1)[0, 0] > 0.5
