"""Whole conversations in every language, played over the REST channel against the real servers.

The dialogues (tests/data/dialogues/) are written apart from the training data and never trained on.
`python -m bot dialogue evaluate` prints the same figures against a running `make run`.
"""
import subprocess
import sys

import pytest

from bot.config import PROJECT_ROOT
from bot.devservers import Servers
from bot.dialogue.evaluation import RestPlayer, evaluate, format_report, load_dialogues
from bot.language.detection import SUPPORTED_LANGUAGES

pytestmark = pytest.mark.slow
DIALOGUES = PROJECT_ROOT / "tests" / "data" / "dialogues"
# The goal (issue "Hold the conversation"): 0.90 in every language. Measured 2026-12-04: 0.90 (tr) to 1.00.
MIN_TURN_SUCCESS = 0.90
MIN_DIALOGUES = 12
# The evaluation sends a few hundred messages from 127.0.0.1: the per-address limit is for the public.
LIMITS = {"WEGWIJS_RATE_LIMIT_PER_IP": "100000", "WEGWIJS_RATE_LIMIT_PER_SENDER": "1000",
          "WEGWIJS_OFFICE_HOURS": "mon-sun 00:00-23:59"}


@pytest.fixture(scope="module")
def reports(tmp_path_factory, model_path):
    servers = Servers(tmp_path_factory.mktemp("dialogues"), extra_env=LIMITS)
    imported = subprocess.run(
        [sys.executable, "-m", "bot", "cases", "import", str(PROJECT_ROOT / "data" / "demo" / "cases.csv")],
        cwd=PROJECT_ROOT, env=servers.env(), capture_output=True, text=True,
    )
    assert imported.returncode == 0, imported.stderr
    servers.start()
    try:
        result = evaluate(load_dialogues(DIALOGUES), RestPlayer(servers.rasa_url, servers.rasa_token))
    finally:
        servers.stop()
    return result


def test_every_language_has_enough_dialogues():
    counts = {}
    for dialogue in load_dialogues(DIALOGUES):
        counts[dialogue.language] = counts.get(dialogue.language, 0) + 1
        assert 3 <= len(dialogue.turns) <= 5, dialogue.name
    assert all(counts.get(language, 0) >= MIN_DIALOGUES for language in SUPPORTED_LANGUAGES), counts


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_turn_success_per_language(reports, language):
    report = reports[language]
    assert report.turn_success >= MIN_TURN_SUCCESS, "\n".join([format_report(reports), *report.failures])
