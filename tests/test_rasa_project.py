"""The Rasa project as a whole: data validation, conversation tests and held-out NLU accuracy."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.channels.common import UNSUPPORTED_PAYLOAD
from bot.config import PROJECT_ROOT
from bot.dialogue.answers import ANSWER_BASES
from bot.language.detection import SUPPORTED_LANGUAGES
from bot.nlu.evaluation import evaluate_distress, evaluate_nlu

RASA = str(Path(sys.executable).parent / "rasa")
DATA = ["data/nlu", "data/rules", "data/stories"]
# Responses only custom actions (or the console through Rasa's API, or the Rasa-side answer to a failing
# action server) send — Rasa's validator cannot see that
# they are used: the ones their code names, the law-specific answers it composes, the error message the NLG
# uses, and Rasa's own utter_default.
SENT_BY_ACTIONS = (
    {  # the answers composed from a base, the law and the situation (bot/dialogue/answers.py)
        name
        for name in yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["actions"]
        if any(name == base or name.startswith(base + "_") for base in ANSWER_BASES.values())
    }
    | {
        name
        for path in [*PROJECT_ROOT.glob("actions/*.py"), *PROJECT_ROOT.glob("bot/dialogue/*.py"),
                     *PROJECT_ROOT.glob("bot/console/**/*.py"),
                     PROJECT_ROOT / "bot" / "rasa_components" / "action_failures.py"]
        for name in re.findall(r"utter_[a-z0-9_]+", path.read_text(encoding="utf-8"))
    }
    | {"utter_error", "utter_default"}
    | {  # the questions forms ask
        f"utter_ask_{form}_{slot}"
        for form, spec in yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["forms"].items()
        for slot in spec["required_slots"]
    }
)
# Intents that are never typed, so have no training examples: sent by channels, by buttons only, or by
# Rasa's reminders.
SENT_BY_CHANNELS = {UNSUPPORTED_PAYLOAD.lstrip("/"), "request_callback", "leave_question", "choose",
                    "EXTERNAL_retry_handoff", "show_original"}  # show_original: the buttons of the translation notice
# Intents that only answer a form's question (its buttons), so no story or rule names them.
ANSWERED_IN_FORMS = {"choose"}
# Targets for held-out intent classification, in every language.
# Regression floors, below the goal of 0.93 accuracy (issue "Hold the conversation"): since 2026-12-04 the held-out
# set has no copies of training lines any more (up to 99 per language were) and 15 intents more. Measured
# 2026-12-04 (evening): 0.883 (ar) to 0.954 (en). Raise these as the data gets better; never lower them.
MIN_ACCURACY = 0.87
MIN_MACRO_F1 = 0.88

pytestmark = pytest.mark.slow


def run_rasa(*args, cwd=PROJECT_ROOT):
    return subprocess.run([RASA, *args], cwd=cwd, capture_output=True, text=True, timeout=900)


def test_rasa_data_validate(tmp_path, catalogue):
    """`rasa data validate`, with the content catalogue standing in for the domain's responses.

    Rasa gets every text from the NLG endpoint, so the domain lists only response names; the validator
    is given the catalogue's English texts so that it can check each response exists.
    """
    (tmp_path / "domain.yml").write_text((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"), encoding="utf-8")
    responses = {name: [{"text": e.text}] for name, e in catalogue.entries["en"].items() if name.startswith("utter_")}
    (tmp_path / "responses.yml").write_text(yaml.safe_dump({"version": "3.1", "responses": responses}),
                                            encoding="utf-8")
    result = run_rasa("data", "validate", "--domain", str(tmp_path), "--data", *DATA)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    warnings = [line for line in output.splitlines() if "UserWarning" in line]
    accepted = (
        [f"'{name}' is not used in any story or rule" for name in SENT_BY_ACTIONS]
        + [f"'{intent}' is listed in the domain file, but is not found in the NLU training data"
           for intent in SENT_BY_CHANNELS]
        + [f"The intent '{intent}' is not used in any story or rule" for intent in ANSWERED_IN_FORMS]
    )
    unexpected = [w for w in warnings if not any(text in w for text in accepted)]
    assert unexpected == [], "\n".join(unexpected)


def test_conversation_stories(tmp_path, model_path):
    """`rasa test` on tests/conversations: user text through the real NLU model, every action checked."""
    result = run_rasa(
        "test", "core", "--e2e", "--model", str(model_path), "--stories", "tests/conversations", "--out", str(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    failed = (tmp_path / "failed_test_stories.yml").read_text(encoding="utf-8")
    assert "None of the test stories failed" in failed, failed


@pytest.fixture(scope="module")
def nlu_report(model_path):
    return evaluate_nlu(model_path, PROJECT_ROOT / "tests" / "data" / "nlu_heldout")


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_held_out_intent_accuracy(nlu_report, language):
    assert nlu_report[language]["examples"] >= 27 * 10, nlu_report
    assert nlu_report[language]["accuracy"] >= MIN_ACCURACY, nlu_report
    assert nlu_report[language]["macro_f1"] >= MIN_MACRO_F1, nlu_report


# Goal: recall 0.9 or more and false alarms 0.1 or less in every language. Measured 2026-12-04 (evening): recall
# 0.92 to 1.0 (goal met), false alarms 0 in seven languages and 0.17 (2 of 12) in Somali: that floor stays until
# Somali meets the goal.
MIN_DISTRESS_RECALL = 0.9  # a real crisis signal must get the crisis answer and a person
MAX_DISTRESS_FALSE_ALARMS = 0.2  # plain frustration is not distress


@pytest.fixture(scope="module")
def distress_report(model_path):
    return evaluate_distress(model_path, PROJECT_ROOT / "tests" / "data" / "distress")


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_distress_is_recognised_without_false_alarms(distress_report, language):
    figures = distress_report[language]
    assert figures["crisis"] >= 10 and figures["frustration"] >= 10, figures
    assert figures["recall"] >= MIN_DISTRESS_RECALL, distress_report
    assert figures["false_alarms"] <= MAX_DISTRESS_FALSE_ALARMS, distress_report
