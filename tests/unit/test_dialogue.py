import pytest

from bot.dialogue import LAW_SPECIFIC_ANSWERS, answer_by_law, misunderstanding_reply


def test_asks_which_law_when_unknown_and_repeats_the_question_in_the_buttons():
    reply = answer_by_law("ask_deadline", None)
    assert reply.response == "utter_ask_law"
    assert reply.arguments == {"intent": "ask_deadline"}


@pytest.mark.parametrize("law", ["wi2013", "wi2021"])
@pytest.mark.parametrize("intent", sorted(LAW_SPECIFIC_ANSWERS))
def test_answers_for_the_known_law(intent, law):
    assert answer_by_law(intent, law).response == f"{LAW_SPECIFIC_ANSWERS[intent]}_{law}"


def test_rejects_questions_without_law_specific_answers():
    with pytest.raises(ValueError):
        answer_by_law("ask_contact_info", "wi2021")


def test_first_miss_offers_topics_second_in_a_row_offers_a_person():
    assert misunderstanding_reply([]).response == "utter_fallback"
    assert misunderstanding_reply(["ask_exam", "nlu_fallback"]).response == "utter_fallback"
    assert misunderstanding_reply(["nlu_fallback"]).response == "utter_fallback_human"
