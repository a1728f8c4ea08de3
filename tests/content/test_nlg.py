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


# --- translations not yet checked by a native speaker ---------------------------------------------------------

UNREVIEWED = """
language: {lang}
messages:
  utter_hello:
    text: "{hello}"
    checked: 2026-12-04
    reviewed: {reviewed}
  utter_deadline:
    text: "{deadline}"
    checked: 2026-12-04
    reviewed: {reviewed}
  utter_error:
    text: "x"
  label_source:
    text: "Source"
  notice_language_fallback:
    text: "n"
  notice_unreviewed_translation:
    text: "{notice}"
    buttons:
      - title: "Nederlands"
        payload: '/show_original{{"show_language":"nl"}}'
      - title: "English"
        payload: '/show_original{{"show_language":"en"}}'
"""
UNREVIEWED_TEXTS = {
    "en": dict(hello="Hello", deadline="Your last day is {deadline}.", notice="Not checked yet.", reviewed="true"),
    "nl": dict(hello="Hallo", deadline="Uw laatste dag is {deadline}.", notice="Nog niet gecontroleerd.",
               reviewed="true"),
    "so": dict(hello="Salaan", deadline="Maalintaada ugu dambaysa waa {deadline}.",
               notice="Turjumaaddan weli lama hubin.", reviewed="false"),
    "ar": dict(hello="مرحبا", deadline="آخر يوم {deadline}.", notice="لم تُراجع الترجمة بعد.", reviewed="false"),
}


@pytest.fixture
def unreviewed_catalogue(tmp_path):
    for lang, texts in UNREVIEWED_TEXTS.items():
        (tmp_path / f"{lang}.yml").write_text(UNREVIEWED.format(lang=lang, **texts), encoding="utf-8")
    return Catalogue.load(tmp_path)


def conversation(name, language, events=(), arguments=None, **slots):
    return {"response": name, "arguments": arguments or {}, "channel": {"name": "rest"},
            "tracker": {"sender_id": "s", "slots": {"language": language, **slots}, "events": list(events)}}


def bot_event(reply):
    """The bot event Rasa makes of a reply: what is not text or buttons goes into the metadata."""
    return {"event": "bot", "text": reply["text"],
            "metadata": {k: v for k, v in reply.items() if k not in ("text", "buttons", "image", "elements")}}


def test_an_unreviewed_translation_says_so_once_per_conversation(unreviewed_catalogue):
    first = nlg_response(conversation("utter_hello", "so"), unreviewed_catalogue, "nl")
    assert first["text"] == "Salaan\n\nTurjumaaddan weli lama hubin."
    assert [b["payload"] for b in first["buttons"]] == ['/show_original{"show_language":"nl"}',
                                                       '/show_original{"show_language":"en"}']
    assert first["translation_notice"] == "so"
    events = [{"event": "user", "text": "hi"}, bot_event(first), {"event": "user", "text": "more"}]
    again = nlg_response(conversation("utter_hello", "so", events), unreviewed_catalogue, "nl")
    assert again["text"] == "Salaan" and again["buttons"] == [] and "translation_notice" not in again
    # A new session (Rasa's session_started) is a new conversation: said once more.
    later = events + [{"event": "session_started"}, {"event": "user", "text": "hi"}]
    assert nlg_response(conversation("utter_hello", "so", later), unreviewed_catalogue, "nl")["translation_notice"]


def test_the_notice_is_in_the_language_of_the_answer_and_right_to_left_there(unreviewed_catalogue):
    first = nlg_response(conversation("utter_hello", "so"), unreviewed_catalogue, "nl")
    arabic = nlg_response(conversation("utter_hello", "ar", [bot_event(first)]), unreviewed_catalogue, "nl")
    assert arabic["text"] == "\u200fمرحبا\n\n\u200fلم تُراجع الترجمة بعد."  # said again: the first was in Somali
    assert all(b["title"].startswith("\u200f") for b in arabic["buttons"])


@pytest.mark.parametrize("language", ["nl", "en"])
def test_reviewed_languages_get_no_notice(unreviewed_catalogue, language):
    reply = nlg_response(conversation("utter_hello", language), unreviewed_catalogue, "nl")
    assert reply["buttons"] == [] and "translation_notice" not in reply


def test_no_notice_while_a_form_asks_or_when_the_answer_fell_back(unreviewed_catalogue):
    asking = nlg_response(conversation("utter_hello", "so", requested_slot="decision_date"), unreviewed_catalogue, "nl")
    assert "translation_notice" not in asking  # the form's buttons answer the form
    fell_back = nlg_response(conversation("utter_hello", "uk"), unreviewed_catalogue, "nl")
    assert fell_back["language"] == "en" and "translation_notice" not in fell_back


def test_show_language_renders_the_answer_in_dutch_or_english(unreviewed_catalogue):
    noticed = [bot_event(nlg_response(conversation("utter_hello", "so"), unreviewed_catalogue, "nl"))]
    dutch = nlg_response(conversation("utter_hello", "so", noticed, {"show_language": "nl"}),
                         unreviewed_catalogue, "en")
    assert (dutch["text"], dutch["language"], dutch["direction"]) == ("Hallo", "nl", "ltr")
    english = nlg_response(conversation("utter_hello", "ar", arguments={"show_language": "en"}),
                           unreviewed_catalogue, "nl")
    assert english["text"] == "Hello" and "translation_notice" not in english
    # Only Dutch and English: any other value is ignored, the conversation's language stays.
    other = nlg_response(conversation("utter_hello", "so", noticed, {"show_language": "xx"}),
                         unreviewed_catalogue, "nl")
    assert other["text"] == "Salaan"


def test_the_answer_with_the_notice_matches_rasas_response_schema(unreviewed_catalogue):
    from jsonschema import validate
    from rasa.core.nlg.callback import nlg_response_format_spec

    validate(nlg_response(conversation("utter_hello", "so"), unreviewed_catalogue, "nl"), nlg_response_format_spec())


def test_the_nlg_client_sends_the_notices_of_this_session_and_of_this_action(unreviewed_catalogue):
    """bot/rasa_components/nlg_client.py: Rasa asks for all messages of one action with the same tracker, so the
    client remembers a notice given for that tracker; later turns see it in the bot event's metadata."""
    import asyncio

    from rasa.shared.core.events import BotUttered, SessionStarted, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    from bot.rasa_components.nlg_client import CatalogueNLGClient

    client = CatalogueNLGClient(EndpointConfig("http://127.0.0.1:9/nlg"))
    sent = []

    async def answer(method, json, timeout):
        sent.append(json["tracker"]["events"])
        return nlg_response(json, unreviewed_catalogue, "nl")

    client.nlg_endpoint.request = answer
    tracker = DialogueStateTracker.from_events("s", [SessionStarted(), SlotSet("language", "so"), UserUttered("hi")])
    first = asyncio.run(client.generate("utter_hello", tracker, "rest"))
    second = asyncio.run(client.generate("utter_deadline", tracker, "rest", deadline="1-1-2027"))  # same action
    assert first.get("translation_notice") == "so" and "translation_notice" not in second
    tracker.update(BotUttered(first["text"], {}, {"translation_notice": "so"}))
    tracker.update(UserUttered("more"))
    assert "translation_notice" not in asyncio.run(client.generate("utter_hello", tracker, "rest"))
    assert sent[-1] == [{"event": "bot", "metadata": {"translation_notice": "so"}}]  # only the mark, not every event
    for event in (SessionStarted(), SlotSet("language", "so"), UserUttered("hi")):  # slots carried over
        tracker.update(event)
    assert asyncio.run(client.generate("utter_hello", tracker, "rest"))["translation_notice"] == "so"
