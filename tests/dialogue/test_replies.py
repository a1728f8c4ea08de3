import pytest

from bot.dialogue.replies import LAW_SPECIFIC_ANSWERS, answer_by_law, misunderstanding_reply


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


def summary(**changes):
    import datetime as dt

    from bot.cases import CaseSummary

    values = dict(
        deadline=dt.date(2027, 3, 11), extended=False, days_left=103, open_items=["writing", "knm", "map"],
        loan_left_cents=None, contact_name="Sanne de Vries", contact_email="s@example.nl", contact_phone="020",
        municipality="Voorbeeldstad", law="wi2021",
    )
    values.update(changes)
    return CaseSummary(**values)


def test_case_status_replies_in_order():
    from bot.dialogue.replies import case_status_replies

    replies = case_status_replies(summary(loan_left_cents=275050))
    assert [r.response for r in replies] == [
        "utter_case_deadline", "utter_case_open_items", "utter_case_loan_left", "utter_case_contact",
    ]
    assert replies[0].arguments == {"deadline": "11-03-2027", "days_left": "103", "months_left": "3"}
    assert replies[1].arguments == {"items": ["label_item_writing", "label_item_knm", "label_item_map"]}
    assert replies[2].arguments == {"loan_left": "2750.50"}


def test_case_status_replies_for_extended_passed_unknown_and_done():
    from bot.dialogue.replies import case_status_replies

    assert case_status_replies(summary(extended=True))[0].response == "utter_case_deadline_extended"
    assert case_status_replies(summary(days_left=-2))[0].response == "utter_case_deadline_passed"
    assert case_status_replies(summary(deadline=None, days_left=None))[0].response == "utter_case_deadline_unknown"
    done = case_status_replies(summary(open_items=[], contact_email=""))
    assert done[1].response == "utter_case_nothing_open"
    assert done[-1].arguments["contact_email"] == "-"
