"""actions/content.py: the last answer again in Dutch or English (the buttons of the notice that a translation is
not yet checked by a native speaker), with rasa_sdk's own Tracker and dispatcher and the real catalogue."""
import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.content import ActionShowOriginal
from bot.content.nlg import TRANSLATION_NOTICE, nlg_response
from bot.content.originals import NOT_AVAILABLE, last_answer
from bot.dialogue.typed_answers import press_for

TRANSLATED = ("ar", "tr", "ti", "fa", "so", "uk")


def bot(name, **metadata):
    return {"event": "bot", "text": "...", "metadata": {"utter_action": name, "language": "so", **metadata}}


def press(language, earlier):
    """The user pressed "Nederlands" / "English" (`language`) after the `earlier` events."""
    latest = {"intent": {"name": "show_original"}, "text": f'/show_original{{"show_language":"{language}"}}',
              "entities": [{"entity": "show_language", "value": language}] if language else []}
    now = {"event": "user", "text": latest["text"], "parse_data": latest}
    events = [{"event": "user", "text": "hi"}, *earlier, now]
    tracker = Tracker("sender-1", {"language": "so"}, latest, events, False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    assert asyncio.run(ActionShowOriginal().run(dispatcher, tracker, {})) == []
    return dispatcher.messages


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_last_answer_is_sent_again_in_the_language_pressed(language):
    messages = press(language, [bot("utter_greet"), bot("utter_obligation", translation_notice="so")])
    assert [(m["response"], m.get("show_language")) for m in messages] == [("utter_obligation", language)]


def test_an_answer_sent_again_can_be_sent_again_in_the_other_language():
    earlier = [bot("utter_exam_wi2021", translation_notice="so"), bot("utter_exam_wi2021", show_language="nl")]
    message = press("en", earlier)[0]
    assert (message["response"], message["show_language"]) == ("utter_exam_wi2021", "en")


@pytest.mark.parametrize("earlier, language", [
    ([bot("utter_objection_deadline_term")], "nl"),  # filled in from the conversation: a date, a term
    ([bot("utter_complaint_summary")], "en"),  # the person's own complaint: never rendered again
    ([], "nl"),  # nothing to show yet
    ([bot("utter_greet")], "fr"),  # a hand-made payload: only Dutch and English
    ([bot("utter_greet")], None),
])
def test_what_cannot_be_shown_again_gets_a_short_answer(earlier, language):
    assert [m["response"] for m in press(language, earlier)] == [NOT_AVAILABLE]


def test_a_not_available_answer_is_passed_over():
    from actions import content

    assert content.NOT_AVAILABLE == NOT_AVAILABLE
    assert last_answer([bot("utter_greet"), bot(NOT_AVAILABLE), {"event": "user"}]) == "utter_greet"
    assert press("nl", [bot("utter_greet"), bot(NOT_AVAILABLE)])[0]["response"] == "utter_greet"


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("typed, shown", [("Nederlands", "nl"), ("English", "en"), ("in het Nederlands", "nl")])
def test_typed_words_press_the_notices_buttons_in_every_language(catalogue, language, typed, shown):
    """The typed-answer policy presses a button whose title the message names; the notice's buttons name the
    two languages in their own words, in every language."""
    reply = nlg_response({"response": "utter_greet", "tracker": {"slots": {"language": language}}}, catalogue, "nl")
    assert reply["translation_notice"] == language
    assert catalogue.get(TRANSLATION_NOTICE, language).text in reply["text"].replace("\u200f", "")
    pressed = press_for(typed, reply["buttons"])
    assert (pressed.intent, pressed.entities) == ("show_original", {"show_language": shown})


def test_every_answer_without_placeholders_can_be_shown_in_dutch_and_english(catalogue):
    from bot.content.catalogue import placeholders

    names = [n for n, e in catalogue.entries["en"].items() if n.startswith("utter_") and not placeholders(e)]
    assert len(names) > 100
    assert [n for n in names if catalogue.get(n, "nl") is None] == []
