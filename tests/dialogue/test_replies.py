"""What a verified newcomer is told about their case, and about a handoff."""


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
