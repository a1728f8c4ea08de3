"""A typed answer presses the button it names, in any language, with typos, by number or by the fact."""
import pytest

from bot.dialogue.typed_answers import offered_since_previous_message, parse_payload, press_for, replayed_parse_data

LAW_BUTTONS = [
    {"title": "Before 2022 (old law, 2013)", "payload": '/ask_deadline{"law":"wi2013"}'},
    {"title": "From 2022 (new law, 2021)", "payload": '/ask_deadline{"law":"wi2021"}'},
    {"title": "I don't know", "payload": "/dont_know"},
]
BODY_BUTTONS = [
    {"title": "My municipality", "payload": '/choose{"complaint_body":"municipality"}'},
    {"title": "DUO", "payload": '/choose{"complaint_body":"duo"}'},
    {"title": "My language school", "payload": '/choose{"complaint_body":"school"}'},
]


@pytest.mark.parametrize("text, law", [
    ("new law", "wi2021"), ("2021", "wi2021"), ("nieuwe wet", "wi2021"), ("after 2022", "wi2021"),
    ("ik ben in 2023 gekomen", "wi2021"), ("the old one", "wi2013"), ("2019", "wi2013"), ("1", "wi2013"),
])
def test_the_law_question_takes_typed_answers(text, law):
    press = press_for(text, LAW_BUTTONS)
    assert press is not None and press.intent == "ask_deadline" and press.entities == {"law": law}


@pytest.mark.parametrize("text", ["I don't know", "i dont know", "I dont kno"])
def test_i_dont_know_presses_its_button(text):
    assert press_for(text, LAW_BUTTONS).intent == "dont_know"


@pytest.mark.parametrize("text, body", [
    ("the municipality", "municipality"), ("municipality", "municipality"), ("Municipalty", "municipality"),
    ("duo", "duo"), ("language school", "school"), ("3", "school"),
])
def test_choices_take_their_titles_loosely(text, body):
    assert press_for(text, BODY_BUTTONS).entities == {"complaint_body": body}


@pytest.mark.parametrize("text", ["hello", "what does the exam cost?", "/choose", "", "12", "my"])
def test_anything_else_presses_nothing(text):
    assert press_for(text, BODY_BUTTONS) is None


def test_payloads_parse_to_intent_and_entities():
    press = parse_payload('/choose{"complaint_body":"duo"}')
    assert (press.intent, press.entities) == ("choose", {"complaint_body": "duo"})
    assert parse_payload("/choose{not json}") is None and parse_payload("plain text") is None


def test_the_buttons_are_those_asked_since_the_previous_user_message():
    events = [
        {"event": "user", "text": "hi"},
        {"event": "bot", "data": {"buttons": [{"title": "Old", "payload": "/a"}]}},
        {"event": "user", "text": "x"},
        {"event": "bot", "data": {"buttons": [{"title": "New", "payload": "/b"}]},
         "metadata": {"utter_action": "utter_x"}},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "new"},
    ]
    assert offered_since_previous_message(events) == [("utter_x", [{"title": "New", "payload": "/b"}])]


def test_a_replayed_press_keeps_the_language_and_is_marked():
    press = press_for("new law", LAW_BUTTONS)
    replayed = replayed_parse_data({"text": "new law", "language": {"code": "en"}, "intent": {"name": "inform"}}, press)
    assert replayed["intent"]["name"] == "ask_deadline" and replayed["language"] == {"code": "en"}
    assert replayed["entities"] == [{"entity": "law", "value": "wi2021"}] and replayed["typed_answer"]


def test_the_catalogue_s_other_names_of_a_button_press_it_in_every_language():
    """`also` words and the button's titles in English and Dutch count as its name ("شهرداری", "gemeente")."""
    from bot.config import PROJECT_ROOT
    from bot.content.catalogue import Catalogue
    from bot.dialogue.typed_answers import with_synonyms

    catalogue = Catalogue.load(PROJECT_ROOT / "data" / "content")
    question = "utter_ask_complaint_form_complaint_kind"
    for language, typed in [("fa", "رفتاری که باهام کردن"), ("uk", "як до мене ставились"),
                            ("tr", "bana kotu davrandilar"), ("ar", "عاملوني بشكل سيء"), ("so", "dhaqan xun")]:
        shown = [{"title": b.title, "payload": b.payload} for b in catalogue.get(question, language).buttons]
        assert press_for(typed, shown) is None or language == "tr"  # the shown titles alone are not enough
        press = press_for(typed, with_synonyms([(question, shown)], catalogue, (language, "en", "nl")))
        assert press is not None and press.entities == {"complaint_kind": "treatment"}, (language, typed)
    shown = [{"title": b.title, "payload": b.payload}
             for b in catalogue.get("utter_ask_complaint_form_complaint_body", "ti").buttons]
    press = press_for("gemeente", with_synonyms([("utter_ask_complaint_form_complaint_body", shown)], catalogue,
                                                ("ti", "en", "nl")))
    assert press is not None and press.entities == {"complaint_body": "municipality"}
