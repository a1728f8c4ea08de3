"""Issue 15 end to end over Rasa's REST channel, with the real servers: a Somali or Tigrinya conversation is told
once that its translation is not yet checked, can see the last answer in Dutch or English, and a decision's
objection help asks who decided."""
import uuid

import pytest

from bot.client import send
from bot.content.nlg import TRANSLATION_NOTICE

pytestmark = pytest.mark.slow

NOTICE_PAYLOADS = ['/show_original{"show_language":"nl"}', '/show_original{"show_language":"en"}']
GREETINGS = {"so": "Subax wanaagsan", "ti": "ሰላም ከመይ ኣለኹም"}
QUESTION = "Waxaan ka imid Ukraine, ma waajib baa inaan sameeyo inburgering?"


def new_sender(language):
    return f"notice-{language}-{uuid.uuid4().hex[:8]}"


def text(replies):
    """Rasa's REST channel sends each paragraph of a text without buttons apart: the reply as one text."""
    return "\n\n".join(r.get("text", "") for r in replies)


def buttons(replies):
    return [b["payload"] for r in replies for b in r.get("buttons") or []]


def with_notice(catalogue, name, language):
    return f"{catalogue.render(name, language).text}\n\n{catalogue.render(TRANSLATION_NOTICE, language).text}"


@pytest.mark.parametrize("language", sorted(GREETINGS))
def test_the_first_unreviewed_answer_says_so_with_dutch_and_english_buttons(servers, catalogue, language):
    sender = new_sender(language)
    replies = send(servers.rasa_url, sender, GREETINGS[language])
    assert text(replies) == with_notice(catalogue, "utter_greet", language)
    assert buttons(replies) == [b.payload for b in catalogue.get("utter_greet", language).buttons] + NOTICE_PAYLOADS
    # Pressing "Nederlands": the greeting again, in Dutch.
    assert text(send(servers.rasa_url, sender, NOTICE_PAYLOADS[0])) == catalogue.render("utter_greet", "nl").text


def test_said_once_and_any_answer_can_be_seen_in_dutch_or_english(servers, catalogue):
    sender = new_sender("so")
    assert text(send(servers.rasa_url, sender, GREETINGS["so"])) == with_notice(catalogue, "utter_greet", "so")
    replies = send(servers.rasa_url, sender, QUESTION)
    assert text(replies) == catalogue.render("utter_obligation", "so").text  # no second notice
    assert not set(buttons(replies)) & set(NOTICE_PAYLOADS)
    # The notice's old buttons show the latest answer: in Dutch, then in English.
    assert text(send(servers.rasa_url, sender, NOTICE_PAYLOADS[0])) == catalogue.render("utter_obligation", "nl").text
    assert text(send(servers.rasa_url, sender, NOTICE_PAYLOADS[1])) == catalogue.render("utter_obligation", "en").text
    # The conversation itself stays in Somali.
    assert text(send(servers.rasa_url, sender, QUESTION)) == catalogue.render("utter_obligation", "so").text


def test_typing_the_buttons_title_works_like_pressing_it(servers, catalogue):
    sender = new_sender("so")
    send(servers.rasa_url, sender, GREETINGS["so"])
    assert text(send(servers.rasa_url, sender, "English")) == catalogue.render("utter_greet", "en").text
    assert text(send(servers.rasa_url, sender, QUESTION)) == catalogue.render("utter_obligation", "so").text


def test_an_answer_filled_in_from_the_conversation_is_not_shown_again(servers, catalogue):
    sender = new_sender("so")
    send(servers.rasa_url, sender, GREETINGS["so"])
    send(servers.rasa_url, sender, "/file_complaint")
    send(servers.rasa_url, sender, '/choose{"complaint_kind":"decision"}')
    send(servers.rasa_url, sender, '/choose{"decision_body":"duo"}')
    replies = send(servers.rasa_url, sender, "15-10-2026")
    assert "15-10-2026" in text(replies) and "26-11-2026" in text(replies)  # DUO: 6 weeks
    assert text(send(servers.rasa_url, sender, NOTICE_PAYLOADS[1])) == catalogue.render(
        "utter_original_not_available", "so").text


def test_the_decision_path_asks_who_decided_and_an_asylum_decision_goes_to_the_court(servers, catalogue):
    sender = new_sender("so")
    send(servers.rasa_url, sender, "Waxaan rabaa inaan cabasho sameeyo")
    assert text(send(servers.rasa_url, sender, '/choose{"complaint_kind":"decision"}')) == catalogue.render(
        "utter_ask_complaint_form_decision_body", "so").text  # a form's question: no notice with it
    # Typed, in Somali: no date is asked, the answer is the appeal to the court (and, the first time, the notice).
    replies = send(servers.rasa_url, sender, "Magangalyo")
    assert text(replies) == with_notice(catalogue, "utter_objection_asylum", "so")
    assert buttons(replies) == ["/request_human"] + NOTICE_PAYLOADS


def test_an_ind_regular_decision_gets_four_weeks(servers, catalogue):
    sender = new_sender("en")
    send(servers.rasa_url, sender, "I want to complain")
    send(servers.rasa_url, sender, '/choose{"complaint_kind":"decision"}')
    assert text(send(servers.rasa_url, sender, "residence permit")) == catalogue.render(
        "utter_ask_complaint_form_decision_date", "en").text
    replies = send(servers.rasa_url, sender, "15-10-2026")
    expected = catalogue.render("utter_objection_deadline_term_passed", "en",
                                {"decision_date": "15-10-2026", "deadline": "12-11-2026", "weeks": 4}).text
    assert text(replies) == catalogue.render("utter_objection_info", "en").text + "\n\n" + expected
