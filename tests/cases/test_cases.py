"""Case data: parsing what people type, deadline rules, CSV import/export, verification and lock-out."""
import datetime as dt
import io

import pytest

from bot.cases import (
    add_years,
    deadline,
    export_cases,
    find_case_details,
    import_cases,
    parse_case_number,
    parse_date_of_birth,
    summarise,
    verify,
)
from bot.db import transaction
from bot.models import Case
from tests.support.cases import HEADER, csv_text, row

SECRET = "test-secret"
# --- parsing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("INB-123456", "INB-123456"),
        ("my number is inb 123456 thanks", "INB-123456"),
        ("INB123456", "INB-123456"),
        ("رقمي INB-١٢٣٤٥٦", "INB-123456"),  # Arabic-Indic digits
        ("INB-12345", None),
        ("INB-1234567", None),
        ("123456", None),
        ("", None),
    ],
)
def test_parse_case_number(text, expected):
    assert parse_case_number(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("17-05-1990", dt.date(1990, 5, 17)),
        ("7-5-1990", dt.date(1990, 5, 7)),
        ("17/05/1990", dt.date(1990, 5, 17)),
        ("1990-05-17", dt.date(1990, 5, 17)),
        ("born on 29-02-2000", dt.date(2000, 2, 29)),
        ("۱۷-۰۵-۱۹۹۰", dt.date(1990, 5, 17)),  # Persian digits
        ("29-02-2001", None),  # no such day
        ("31-13-1990", None),
        ("17-05-2090", None),  # in the future
        ("17-05-1850", None),
        ("17 mei 1990", None),
    ],
)
def test_parse_date_of_birth(text, expected):
    assert parse_date_of_birth(text, today=dt.date(2026, 11, 28)) == expected


def test_find_case_details_gives_positions():
    text = "INB 123456 en 17-05-1990"
    found = find_case_details(text, today=dt.date(2026, 11, 28))
    assert found == [("case_number", "INB-123456", 0, 10), ("date_of_birth", "1990-05-17", 14, 24)]


# --- deadline rules -------------------------------------------------------------------------------


def test_wi2021_term_is_three_years_from_the_day_after_the_pip():
    case = Case(law="wi2021", pip_date=dt.date(2024, 3, 10))
    assert deadline(case) == dt.date(2027, 3, 11)


def test_wi2013_term_is_three_years_from_the_duty_start():
    case = Case(law="wi2013", duty_start_date=dt.date(2022, 9, 1))
    assert deadline(case) == dt.date(2025, 9, 1)


def test_an_extension_replaces_the_deadline():
    case = Case(law="wi2021", pip_date=dt.date(2024, 3, 10), extension_until=dt.date(2027, 12, 1))
    assert deadline(case) == dt.date(2027, 12, 1)


def test_leap_days():
    # The term starts on 29 February: three years later there is no 29 February.
    assert deadline(Case(law="wi2021", pip_date=dt.date(2024, 2, 28))) == dt.date(2027, 2, 28)
    assert deadline(Case(law="wi2013", duty_start_date=dt.date(2024, 2, 29))) == dt.date(2027, 2, 28)
    # A PIP on 28 February 2023 starts the term on 1 March 2023.
    assert deadline(Case(law="wi2021", pip_date=dt.date(2023, 2, 28))) == dt.date(2026, 3, 1)
    assert add_years(dt.date(2028, 2, 29), 4) == dt.date(2032, 2, 29)


def test_unknown_start_means_unknown_deadline():
    assert deadline(Case(law="wi2021")) is None


def test_summary_lists_open_items_and_loan_left():
    case = Case(
        law="wi2013", duty_start_date=dt.date(2024, 1, 1), reading="passed", listening="open", writing="exempt",
        speaking="open", knm=None, pvt_done=False, map_done=None, loan_granted_cents=1000000, loan_used_cents=725000,
    )
    summary = summarise(case, today=dt.date(2026, 11, 28))
    assert summary.open_items == ["listening", "speaking", "pvt"]
    assert summary.loan_left_cents == 275000
    assert summary.days_left == (dt.date(2027, 1, 1) - dt.date(2026, 11, 28)).days


# --- CSV import and export (SQLite and PostgreSQL) ---------------------------------------------------


def test_import_loads_good_rows_and_reports_bad_ones_by_line(sessions):
    text = csv_text(
        row(),
        row(case_number="INB-100002", date_of_birth="17-05-1990"),  # line 3: wrong date format
        row(case_number="INB-100003", law="wi2030"),  # line 4
        row(case_number="XYZ-1"),  # line 5
        row(case_number="INB-100006", loan_granted_eur="lots"),  # line 6
        row(case_number="INB-100007", pip_date=""),  # line 7: wi2021 without a PIP date
        row(case_number="INB-100001"),  # line 8: twice in one file
        row(case_number="INB-100009", reading="maybe"),  # line 9
        row(case_number="INB-100010", law="wi2013", pip_date="", duty_start_date="2022-09-01"),
    )
    with transaction(sessions) as session:
        report = import_cases(session, text)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert [line for line, _ in report.errors] == [3, 4, 5, 6, 7, 8, 9]
    assert "date_of_birth" in report.errors[0][1]


def test_import_is_idempotent_and_updates_changed_rows(sessions):
    with transaction(sessions) as session:
        first = import_cases(session, csv_text(row(), row(case_number="INB-100002")))
    with transaction(sessions) as session:
        second = import_cases(session, csv_text(row(), row(case_number="INB-100002")))
    with transaction(sessions) as session:
        third = import_cases(session, csv_text(row(), row(case_number="INB-100002", knm="passed")))
    assert (first.created, second.unchanged, third.updated, third.unchanged) == (2, 2, 1, 1)


def test_extra_columns_are_ignored_and_a_missing_column_is_reported(sessions):
    with transaction(sessions) as session:
        extra = import_cases(session, csv_text(row() + ",extra", header=HEADER + ",notes"))
        missing = import_cases(session, io.StringIO("case_number,date_of_birth\nINB-100001,1990-05-17\n"))
    assert extra.created == 1 and not extra.errors
    assert missing.errors and missing.errors[0][0] == 1


def test_export_writes_the_import_format(sessions):
    original = csv_text(row(loan_granted_eur="10000.00", loan_used_eur="7250.50"),
                        row(case_number="INB-100002")).getvalue()
    with transaction(sessions) as session:
        import_cases(session, io.StringIO(original))
    out = io.StringIO()
    with transaction(sessions) as session:
        assert export_cases(session, out) == 2
    assert out.getvalue() == original


# --- verification and lock-out (SQLite and PostgreSQL) ------------------------------------------------


@pytest.fixture
def one_case(sessions):
    with transaction(sessions) as session:
        import_cases(session, csv_text(row(), row(case_number="INB-100002", date_of_birth="1985-11-02")))
    return sessions


def test_verifies_the_right_details(one_case):
    with transaction(one_case) as session:
        result = verify(session, SECRET, "sender-a", "INB-100001", dt.date(1990, 5, 17))
    assert result.verified and result.case_number == "INB-100001"


def test_a_wrong_number_and_a_wrong_birth_date_fail_the_same_way(one_case):
    with transaction(one_case) as session:
        wrong_date = verify(session, SECRET, "sender-a", "INB-100001", dt.date(1990, 5, 18))
    with transaction(one_case) as session:
        wrong_number = verify(session, SECRET, "sender-b", "INB-999999", dt.date(1990, 5, 17))
    assert wrong_date == wrong_number
    assert not wrong_date.verified and wrong_date.locked_until is None


def test_three_failures_lock_the_sender_for_fifteen_minutes(one_case):
    now = dt.datetime(2026, 11, 28, 12, 0)
    results = []
    for minute in range(3):
        with transaction(one_case) as session:
            results.append(verify(session, SECRET, "sender-a", "INB-100001", dt.date(2000, 1, 1),
                                  now + dt.timedelta(minutes=minute)))
    assert [r.locked_until is not None for r in results] == [False, False, True]
    with transaction(one_case) as session:
        # Even the right details are refused now, for this sender...
        locked = verify(session, SECRET, "sender-a", "INB-100002", dt.date(1985, 11, 2), now + dt.timedelta(minutes=5))
    assert not locked.verified and locked.locked_until == now + dt.timedelta(minutes=17)
    with transaction(one_case) as session:
        # ...and for that case number from any sender.
        other = verify(session, SECRET, "sender-z", "INB-100001", dt.date(1990, 5, 17), now + dt.timedelta(minutes=5))
    assert not other.verified
    with transaction(one_case) as session:
        later = verify(session, SECRET, "sender-a", "INB-100001", dt.date(1990, 5, 17), now + dt.timedelta(minutes=18))
    assert later.verified


def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock(one_case):
    now = dt.datetime(2026, 11, 28, 12, 0)
    for minute in (0, 10, 20):
        with transaction(one_case) as session:
            result = verify(session, SECRET, "sender-a", "INB-100001", dt.date(2000, 1, 1),
                            now + dt.timedelta(minutes=minute))
    assert result.locked_until is None


def test_attempts_store_only_hashes(one_case):
    from sqlalchemy import select

    from bot.models import VerificationAttempt

    with transaction(one_case) as session:
        verify(session, SECRET, "sender-a", "INB-100001", dt.date(2000, 1, 1))
    with transaction(one_case) as session:
        attempt = session.execute(select(VerificationAttempt)).scalar_one()
    assert "INB" not in attempt.subject_hash and "sender" not in attempt.sender_hash
    assert len(attempt.subject_hash) == 64


def test_exam_parts_given_as_true_or_false_mean_passed_or_open(sessions):
    # The contract municipalities were first given used true/false in the exam-part columns.
    with transaction(sessions) as session:
        report = import_cases(session, csv_text(row(reading="true", listening="false", writing="TRUE")))
    assert report.errors == []
    with transaction(sessions) as session:
        case = session.query(Case).one()
        assert (case.reading, case.listening, case.writing) == ("passed", "open", "passed")
    with transaction(sessions) as session:
        assert import_cases(session, csv_text(row(case_number="INB-100009", reading="yes"))).errors


def test_a_second_lock_out_of_the_same_case_lasts_longer(one_case):
    """Guessing slowly does not pay: each lock-out within a day lasts twice as long as the one before."""
    now = dt.datetime(2026, 11, 28, 12, 0)

    def attempt(minute, sender, birth=dt.date(2000, 1, 1)):
        with transaction(one_case) as session:
            return verify(session, SECRET, sender, "INB-100001", birth, now + dt.timedelta(minutes=minute))

    assert [attempt(m, f"s{m}").locked_until for m in (0, 1)] == [None, None]
    assert attempt(2, "s2").locked_until == now + dt.timedelta(minutes=17)  # the first: 15 minutes
    assert attempt(18, "s18").locked_until is None and attempt(19, "s19").locked_until is None
    assert attempt(20, "s20").locked_until == now + dt.timedelta(minutes=50)  # the second: 30 minutes
    assert attempt(45, "s45", dt.date(1990, 5, 17)).locked_until == now + dt.timedelta(minutes=50)  # refused
    assert attempt(51, "s51", dt.date(1990, 5, 17)).verified
    for minute in (52, 53):
        attempt(minute, f"s{minute}")
    assert attempt(54, "s54").locked_until == now + dt.timedelta(minutes=54 + 60)  # the third: an hour


def test_a_second_lock_out_of_the_same_sender_lasts_longer_too(one_case):
    now = dt.datetime(2026, 11, 28, 12, 0)
    cases = iter(f"INB-2000{n:02d}" for n in range(20))  # a new case number each time: only the sender repeats
    results = []
    for minute in (0, 1, 2, 20, 21, 22):
        with transaction(one_case) as session:
            results.append(verify(session, SECRET, "sender-a", next(cases), dt.date(2000, 1, 1),
                                  now + dt.timedelta(minutes=minute)).locked_until)
    assert results == [None, None, now + dt.timedelta(minutes=17), None, None, now + dt.timedelta(minutes=52)]


def test_many_failures_across_all_senders_slow_every_lookup_down_and_warn(one_case, monkeypatch, caplog):
    """Guesses spread over fresh conversations, one each: the failure budget of all senders together."""
    import logging

    from bot import attempts

    monkeypatch.setattr(attempts, "configured_budget", lambda: attempts.FailureBudget(5, dt.timedelta(minutes=10)))
    monkeypatch.setattr(attempts, "_last_warning", {})
    now = dt.datetime(2026, 11, 28, 12, 0)
    for n in range(5):  # five senders, five case numbers, the same known birth date: no lock-out of its own
        with transaction(one_case) as session:
            result = verify(session, SECRET, f"fresh-sender-{n}", f"INB-30000{n}", dt.date(1990, 5, 17),
                            now + dt.timedelta(minutes=n))
        assert result.locked_until is None and not result.verified
    with caplog.at_level(logging.WARNING, logger="bot.attempts"):
        with transaction(one_case) as session:
            refused = verify(session, SECRET, "an-honest-newcomer", "INB-100001", dt.date(1990, 5, 17),
                             now + dt.timedelta(minutes=6))
    assert not refused.verified and refused.locked_until == now + dt.timedelta(minutes=10)  # the locked answer
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "failure budget" in warnings[0] and "5 failed checks" in warnings[0]
    assert not any(word in warnings[0] for word in ("INB", "fresh-sender", "newcomer", "1990"))  # counts only
    with transaction(one_case) as session:  # once the oldest failures leave the window, lookups work again
        assert verify(session, SECRET, "an-honest-newcomer", "INB-100001", dt.date(1990, 5, 17),
                      now + dt.timedelta(minutes=11)).verified
