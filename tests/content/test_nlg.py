"""The NLG endpoint: the right language, sources, fallbacks and live reloading of the catalogue."""
import json
import os
import time
import urllib.request

import pytest

from bot.config import PROJECT_ROOT, Settings
from bot.content.catalogue import Catalogue
from bot.content.nlg import LiveCatalogue, nlg_response
from bot.devservers import free_port

CONTENT = """
language: {lang}
messages:
  utter_hello:
    text: "{hello}"
    buttons:
      - title: "{more}"
        payload: "/{{intent}}{{\\"law\\":\\"wi2021\\"}}"
    source: https://www.inburgeren.nl/
    checked: 2026-11-28
  utter_error:
    text: "{error}"
  label_source:
    text: "{source}"
  notice_language_fallback:
    text: "{notice}"
"""


def write_catalogue(directory, languages=("en", "nl")):
    texts = {
        "en": dict(hello="Hello", more="More", error="Something went wrong", source="Source",
                   notice="Not in your language yet."),
        "nl": dict(hello="Hallo", more="Meer", error="Er ging iets mis", source="Bron", notice="Nog niet in uw taal."),
    }
    for lang in languages:
        (directory / f"{lang}.yml").write_text(CONTENT.format(lang=lang, **texts[lang]), encoding="utf-8")
    return directory


def request(name, slots=None, arguments=None):
    return {"response": name, "arguments": arguments or {}, "tracker": {"slots": slots or {}},
            "channel": {"name": "rest"}}


@pytest.fixture
def small_catalogue(tmp_path):
    return Catalogue.load(write_catalogue(tmp_path))


def test_answers_in_the_language_slot(small_catalogue):
    reply = nlg_response(request("utter_hello", {"language": "nl"}), small_catalogue, "en")
    assert reply["text"] == "Hallo\n\nBron: https://www.inburgeren.nl/"


def test_uses_the_guess_then_the_default(small_catalogue):
    assert nlg_response(request("utter_hello", {"language_guess": "nl"}), small_catalogue, "en")["text"].startswith(
        "Hallo")
    assert nlg_response(request("utter_hello"), small_catalogue, "nl")["text"].startswith("Hallo")


def test_fills_the_intent_into_button_payloads(small_catalogue):
    reply = nlg_response(request("utter_hello", {"language": "en"}, {"intent": "ask_fine"}), small_catalogue, "en")
    assert reply["buttons"] == [{"title": "More", "payload": '/ask_fine{"law":"wi2021"}'}]


def test_a_language_without_content_gets_english_with_a_notice_in_english_and_dutch(small_catalogue):
    reply = nlg_response(request("utter_hello", {"language": "so"}), small_catalogue, "nl")
    assert reply["text"].startswith("Not in your language yet.\nNog niet in uw taal.\n\nHello")


def test_an_unknown_response_sends_the_error_message_not_a_crash(small_catalogue):
    reply = nlg_response(request("utter_does_not_exist", {"language": "nl"}), small_catalogue, "en")
    assert reply["text"] == "Er ging iets mis"


def test_the_answer_matches_rasas_response_schema(small_catalogue):
    from jsonschema import validate
    from rasa.core.nlg.callback import nlg_response_format_spec

    validate(nlg_response(request("utter_hello", {"language": "en"}), small_catalogue, "en"),
             nlg_response_format_spec())


def test_edited_content_goes_live_without_restart(tmp_path):
    live = LiveCatalogue(write_catalogue(tmp_path))
    assert live.get().get("utter_hello", "en").text == "Hello"
    path = tmp_path / "en.yml"
    path.write_text(path.read_text().replace('"Hello"', '"Hello again"'), encoding="utf-8")
    os.utime(path, (time.time() + 5, time.time() + 5))
    assert live.get().get("utter_hello", "en").text == "Hello again"


def test_a_broken_edit_keeps_the_last_good_catalogue(tmp_path):
    live = LiveCatalogue(write_catalogue(tmp_path))
    path = tmp_path / "en.yml"
    path.write_text("language: en\nmessages: [broken", encoding="utf-8")
    os.utime(path, (time.time() + 5, time.time() + 5))
    assert live.get().get("utter_hello", "en").text == "Hello"


def test_the_real_endpoint_over_http(tmp_path):
    """The web app answers Rasa's NLG request format on loopback."""
    import subprocess
    import sys

    port = free_port()
    env = dict(os.environ, WEGWIJS_WEB_PORT=str(port), WEGWIJS_VAR_DIR=str(tmp_path), PYTHONPATH=str(PROJECT_ROOT))
    process = subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        body = json.dumps(request("utter_greet", {"language": "nl"})).encode()
        reply = json.loads(urllib.request.urlopen(urllib.request.Request(f"{url}/nlg", data=body), timeout=5).read())
        assert reply["text"] == Catalogue.load(Settings.from_env({}).content_dir).render("utter_greet", "nl").text
        bad = urllib.request.Request(f"{url}/nlg", data=b"[1, 2]", headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(bad, timeout=5)
        assert error.value.code == 400
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"response": 5},
        {"response": "utter_hello", "tracker": {"slots": "x"}},
        {"response": "utter_hello", "tracker": [], "arguments": "y"},
    ],
)
def test_malformed_requests_still_get_an_answer(small_catalogue, body):
    assert nlg_response(body, small_catalogue, "en")["text"]
