"""The facts in the answers (issue 15): official sources, today's Wi2013 and Keren situation, objection terms per
decision-maker, plain English, and numbers that right-to-left texts show the right way round.

The facts come from the shared fact sheets (inburgering-facts.md and its 2026-12-04 update). What a test cannot hold
(that a sentence says the right thing) is checked by a person; these tests hold what must not slip back.
"""
import datetime as dt
import re
import unicodedata
from urllib.parse import urlsplit

import pytest

LANGUAGES = ("nl", "en", "ar", "tr", "ti", "fa", "so", "uk")
RIGHT_TO_LEFT = ("ar", "fa")
LEFT_TO_RIGHT_MARK = "\u200e"

# Hosts an answer may cite (a host or any of its subdomains). Derived from the fact sheets' official sources.
OFFICIAL_HOSTS = {
    # DUO, its integration site and the national government
    "inburgeren.nl", "duo.nl", "rijksoverheid.nl", "government.nl",
    # law texts and official publications (wetten.overheid.nl, zoek.officielebekendmakingen.nl, ...)
    "overheid.nl", "officielebekendmakingen.nl",
    # the other public bodies the answers send people to
    "ind.nl", "coa.nl", "naarnederland.nl", "nationaleombudsman.nl",
    # courts: the Raad van State, the Dutch courts, the EU Court
    "raadvanstate.nl", "rechtspraak.nl", "europa.eu",
    # the quality-mark body for language schools (Blik op Werk), which the law designates
    "zoekinburgerschool.nl", "blikopwerk.nl",
    # municipal pages the fact sheet names for the local ombudsman
    "alkmaar.nl", "ombudsmanrotterdam.nl",
}
# Not in the fact sheets: the national suicide-prevention line the distress answer gives (funded by the state).
CRISIS_LINES = {"113.nl"}
ALLOWED_HOSTS = OFFICIAL_HOSTS | CRISIS_LINES

URL = re.compile(r"https?://[^\s)\"'<>]+")
KEREN_ANSWERS = ("utter_fine_wi2013", "utter_loan_repayment_wi2013")
KEREN_RULINGS = ("9-7-2025", "18-2-2026")  # Raad van State: fine and repayment annulled; unenforceable even if final
FACTS_UPDATE = dt.date(2026, 12, 4)
OBJECTION_TEXTS = ("utter_objection_info", "utter_objection_deadline", "utter_complaint_process",
                   "utter_complaint_refer_ind")
RUNNING_WI2013_TERM = re.compile(r"\byou have 3 years\b|\b3 years to\b|\byour 3 years\b|\bplan (?:your exams )?early\b",
                                 re.IGNORECASE)
# A phone number or a date in a right-to-left text: digit groups joined by spaces or dashes ("050 599 96 00",
# "+31 (0)88 043 0470", "9-7-2025", "9:00–17:00"). Without a left-to-right mark they can show reversed.
DIGIT_GROUP = r"(?:\(\d+\))?\d+(?:[:.,]\d+)*"
DIGIT_SEQUENCE = re.compile(r"\+?" + DIGIT_GROUP + r"(?:[ \-\u2013]" + DIGIT_GROUP + r")+")
DATE_OR_PHONE_PLACEHOLDERS = ("{deadline}", "{decision_date}", "{date}", "{phone}", "{contact_phone}", "{reference}")
EXPLAINED_TERMS = ("DUO", "PIP", "KNM", "MAP", "PVT", "bijstand")
LONGEST_SENTENCE = 25  # words


def western_digits(text: str) -> str:
    """Arabic-Indic and Persian digits as 0-9, so a date reads the same in every script."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def answers(catalogue, language):
    return {name: entry for name, entry in catalogue.entries[language].items() if name.startswith("utter_")}


def sentences(text: str):
    for line in text.split("\n"):
        for sentence in re.split(r"(?<=[.!?])\s+", line.strip()):
            if sentence:
                yield sentence


def test_all_eight_languages_are_there(catalogue):
    assert sorted(catalogue.languages) == sorted(LANGUAGES)


def _allowed(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == allowed or host.endswith("." + allowed) for allowed in ALLOWED_HOSTS)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_source_is_an_official_page(catalogue, language):
    wrong = {name: entry.source for name, entry in catalogue.entries[language].items()
             if entry.source and not (entry.source.startswith("https://") and _allowed(entry.source))}
    assert wrong == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_links_in_the_answers_are_official_pages_too(catalogue, language):
    wrong = [(name, url) for name, entry in catalogue.entries[language].items()
             for url in URL.findall(entry.text) if not (url.startswith("https://") and _allowed(url))]
    assert wrong == []


def test_the_allow_list_rejects_look_alikes():
    assert _allowed("https://wetten.overheid.nl/jci1.3:c:BWBR0044770&artikel=11")
    assert _allowed("https://www.inburgeren.nl/extra-tijd/andere-reden.jsp")
    assert not _allowed("https://iamsterdam.com/en/live-work-study/living/official-procedures/civic-integration")
    assert not _allowed("https://wetten.legaltools.nl/wet-inburgering-2021/artikel-11")
    assert not _allowed("https://inburgeren.nl.example.com/")
    assert not _allowed("https://notinburgeren.nl/")


def test_no_wi2013_answer_speaks_of_a_running_three_year_term(catalogue):
    running = {name: RUNNING_WI2013_TERM.findall(entry.text) for name, entry in answers(catalogue, "en").items()
               if name.endswith("_wi2013") and RUNNING_WI2013_TERM.search(entry.text)}
    assert running == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_wi2013_deadline_answer_says_the_first_terms_ended_by_2024(catalogue, language):
    assert "31-12-2024" in western_digits(catalogue.get("utter_deadline_wi2013", language).text)


def test_the_ind_referral_gives_the_ind_terms(catalogue):
    text = catalogue.get("utter_complaint_refer_ind", "en").text
    assert re.search(r"\b4 weeks\b", text)
    assert re.search(r"asylum decision.*\b1 or 4 weeks\b", text, re.IGNORECASE | re.DOTALL)


@pytest.mark.parametrize("name", OBJECTION_TEXTS)
def test_objection_texts_give_the_term_per_decision_maker(catalogue, name):
    text = catalogue.get(name, "en").text
    assert re.search(r"\b6 weeks\b", text), "DUO and the municipality: 6 weeks"
    assert re.search(r"\bIND\b", text) and re.search(r"\b4 weeks\b", text), "IND, regular decisions: 4 weeks"
    assert re.search(r"asylum.*\b1 or 4 weeks\b", text, re.IGNORECASE | re.DOTALL), "asylum: court in 1 or 4 weeks"


def test_a_passed_objection_term_is_not_only_the_six_week_one(catalogue):
    text = catalogue.get("utter_objection_deadline_passed", "en").text
    assert "IND" in text and re.search(r"\b4 weeks\b", text) and "asylum" in text.lower()


@pytest.mark.parametrize("language", RIGHT_TO_LEFT)
def test_phone_numbers_and_dates_in_right_to_left_texts_start_with_a_left_to_right_mark(catalogue, language):
    unmarked = []
    for name, entry in catalogue.entries[language].items():
        text = URL.sub(lambda m: " " * len(m.group()), entry.text)  # digits inside links are not shown on their own
        text = re.sub(r"\S+@\S+", lambda m: " " * len(m.group()), text)
        for match in DIGIT_SEQUENCE.finditer(text):
            word_start = max(text.rfind(" ", 0, match.start()), text.rfind("\n", 0, match.start())) + 1
            if LEFT_TO_RIGHT_MARK not in text[word_start:match.start()]:
                unmarked.append((name, match.group()))
        for placeholder in DATE_OR_PHONE_PLACEHOLDERS:
            for found in re.finditer(re.escape(placeholder), entry.text):
                if not entry.text[:found.start()].endswith(LEFT_TO_RIGHT_MARK):
                    unmarked.append((name, placeholder))
    assert unmarked == []


def test_the_mark_check_finds_what_it_should():
    assert [m.group() for m in DIGIT_SEQUENCE.finditer("اتصل 050 599 96 00 أو +31 (0)88 043 0470، في 9-7-2025")] == [
        "050 599 96 00", "+31 (0)88 043 0470", "9-7-2025"]
    assert DIGIT_SEQUENCE.search("خلال 6 أسابيع، 1,250 يورو، 0612345678") is None


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", KEREN_ANSWERS)
def test_the_keren_answers_name_both_raad_van_state_rulings(catalogue, language, name):
    text = western_digits(catalogue.get(name, language).text)
    assert [ruling for ruling in KEREN_RULINGS if ruling not in text] == []


@pytest.mark.parametrize("name", KEREN_ANSWERS)
def test_the_keren_answers_say_family_migrants_are_not_covered_and_were_checked_after_the_update(catalogue, name):
    entry = catalogue.get(name, "en")
    assert "Family migrants" in entry.text
    assert "not yet clear" in entry.text  # refunds of what was paid are unconfirmed
    for language in LANGUAGES:
        assert catalogue.get(name, language).checked >= FACTS_UPDATE, language


def test_no_english_sentence_is_too_long(catalogue):
    long = [(name, len(sentence.split()), sentence) for name, entry in answers(catalogue, "en").items()
            for sentence in sentences(entry.text) if len(sentence.split()) > LONGEST_SENTENCE]
    assert long == []


def test_terms_are_explained_the_first_time_an_english_answer_uses_them(catalogue):
    unexplained = []
    for name, entry in answers(catalogue, "en").items():
        for term in EXPLAINED_TERMS:
            first = re.search(rf"\b{term}\b", entry.text)
            if first and not re.match(r"\s*\(", entry.text[first.end():]):
                unexplained.append((name, term))
    assert unexplained == []


# Issue 15, point by point: what each English answer must still say.
MUST_SAY = {
    "utter_obligation": ["1-1-2022", "1-1-2025", "asylum status holders", "IND", "mbo level 2"],
    "utter_exemption": ["2013 law", "Aanvraag vrijstelling", "Aanvraag ontheffing bij ziekte", "€225"],
    "utter_extension": ["Only under the 2021 law", "Aanvraag ontheffing bij ziekte", "Argonaut", "€225"],
    "utter_learning_route_wi2021": ["Family migrants", "choose your own course and pay for it yourself"],
    "utter_pvt_map_wi2021": ["€340", "Asylum status holders", "not yet clear"],
    "utter_complaint_process": ["own ombudsman", "does not handle"],
    "utter_complaint_filed": ["own ombudsman"],
}


@pytest.mark.parametrize("name", sorted(MUST_SAY))
def test_the_corrected_answers_keep_their_corrections(catalogue, name):
    text = catalogue.get(name, "en").text
    assert [phrase for phrase in MUST_SAY[name] if phrase not in text] == []


@pytest.mark.parametrize("language", ("ar", "tr", "ti", "fa", "so", "uk"))
def test_translations_stay_unreviewed_until_a_native_speaker_checks_them(catalogue, language):
    assert [name for name, entry in catalogue.entries[language].items() if entry.reviewed] == []
