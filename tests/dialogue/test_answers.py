"""The most specific answer for the person's law and situation, asking the law once, and asking back."""
import pytest

from bot.dialogue.answers import (
    ANSWER_BASES,
    answer_for,
    answers_again,
    clarification,
    likely_topics,
    topic_buttons,
)

KNOWN = {
    "utter_deadline_wi2013", "utter_deadline_wi2021", "utter_costs_wi2013", "utter_costs_wi2021",
    "utter_costs_wi2021_status_holder", "utter_obligation", "utter_obligation_eu_citizen",
}


def test_asks_which_law_when_unknown_and_repeats_the_question_in_the_buttons():
    reply = answer_for("ask_deadline", None, None, KNOWN)
    assert reply.response == "utter_ask_law" and reply.arguments == {"intent": "ask_deadline"}


@pytest.mark.parametrize("law", ["wi2013", "wi2021"])
def test_answers_for_the_known_law(law):
    assert answer_for("ask_deadline", law, None, KNOWN).response == f"utter_deadline_{law}"


def test_the_situation_picks_the_most_specific_answer():
    assert answer_for("ask_costs", "wi2021", "status_holder", KNOWN).response == "utter_costs_wi2021_status_holder"
    assert answer_for("ask_costs", "wi2021", "family_migrant", KNOWN).response == "utter_costs_wi2021"
    assert answer_for("ask_obligation", None, "eu_citizen", KNOWN).response == "utter_obligation_eu_citizen"
    assert answer_for("ask_obligation", "wi2021", None, KNOWN).response == "utter_obligation"


def test_rejects_questions_answered_by_rules():
    with pytest.raises(ValueError):
        answer_for("ask_contact_info", "wi2021", None, KNOWN)


def test_every_base_is_a_response_of_the_domain():
    import yaml

    from bot.config import PROJECT_ROOT

    actions = set(yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["actions"])
    for intent in ANSWER_BASES:
        assert answer_for(intent, "wi2021", None, actions).response in actions
        assert answer_for(intent, "wi2013", None, actions).response in actions


def test_a_new_fact_re_answers_the_question_just_asked_or_answered():
    assert answers_again("ask_deadline", "utter_ask_law")
    assert answers_again("ask_deadline", "utter_deadline_wi2021")
    assert not answers_again("ask_deadline", "utter_greet")
    assert not answers_again(None, "utter_ask_law")


RANKING = [{"name": "nlu_fallback", "confidence": 0.25}, {"name": "ask_costs", "confidence": 0.21},
           {"name": "greet", "confidence": 0.2}, {"name": "ask_loan", "confidence": 0.12},
           {"name": "ask_exam", "confidence": 0.09}, {"name": "ask_fine", "confidence": 0.02}]


def test_asking_back_offers_the_likeliest_topics():
    assert likely_topics(RANKING) == ["ask_costs", "ask_loan", "ask_exam"]
    reply = clarification(RANKING, [])
    assert reply.response == "utter_did_you_mean" and reply.arguments["topics"] == ["ask_costs", "ask_loan", "ask_exam"]


def test_not_understood_when_no_topic_is_likely_and_a_person_after_a_second_miss():
    assert clarification([{"name": "greet", "confidence": 0.5}], []).response == "utter_fallback"
    assert clarification(RANKING, ["nlu_fallback"]).response == "utter_fallback_human"


def test_topic_buttons_press_the_topic_with_its_label():
    assert topic_buttons(["ask_costs"], lambda name: name.upper()) == [
        {"title": "LABEL_TOPIC_ASK_COSTS", "payload": "/ask_costs"}]
