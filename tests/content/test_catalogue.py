"""The content catalogue: complete in every language, with identical facts across translations."""
import pytest
import yaml

from bot.config import PROJECT_ROOT
from bot.content.catalogue import (
    LABEL_SOURCE,
    NOTICE_LANGUAGE_FALLBACK,
    Catalogue,
    ContentError,
    inconsistencies,
    missing_entries,
    numbers_in,
)
from bot.language.detection import SUPPORTED_LANGUAGES

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
DOMAIN_RESPONSES = sorted(a for a in DOMAIN["actions"] if a.startswith("utter_"))
NOTICES = [NOTICE_LANGUAGE_FALLBACK, LABEL_SOURCE]


def test_every_response_in_the_domain_has_english_content(catalogue):
    assert missing_entries(catalogue, "en", DOMAIN_RESPONSES + NOTICES) == []


def test_the_catalogue_has_no_responses_the_domain_lacks(catalogue):
    responses = [n for n in catalogue.names("en") if n.startswith("utter_")]
    assert sorted(set(responses) - set(DOMAIN_RESPONSES)) == []
    assert all(n.startswith(("utter_", "label_", "notice_")) for n in catalogue.names("en"))


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_language_has_every_response(catalogue, language):
    # A missing translation would fall back to English with a notice: visible, but reported here.
    assert language in catalogue.languages, f"data/content/{language}.yml is missing"
    assert missing_entries(catalogue, language, DOMAIN_RESPONSES + NOTICES) == []


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_numbers_urls_and_buttons_match_english(catalogue, language):
    if language in catalogue.languages:
        assert inconsistencies(catalogue, language) == []


def test_information_answers_name_their_source(catalogue):
    unsourced = [
        name
        for name, entry in catalogue.entries["en"].items()
        if name.startswith("utter_")
        and any(name.startswith(f"utter_{t}") for t in ("obligation", "exemption", "deadline", "extension",
                                                          "fine", "learning_route", "pvt_map", "exam", "costs",
                                                          "loan", "complaint_process", "contact_info"))
        and not (entry.source or "").startswith("https://")
    ]
    assert unsourced == []


def test_button_payloads_name_known_intents(catalogue):
    intents = set(DOMAIN["intents"])
    for entry in catalogue.entries["en"].values():
        for button in entry.buttons:
            payload = button.payload.replace("{intent}", "ask_deadline")  # utter_ask_law's placeholder
            assert payload.lstrip("/").split("{")[0] in intents, (entry.name, button.payload)


def test_numbers_ignore_separators_and_digit_scripts():
    assert numbers_in("€1,250 en €1.250") == ["1250", "1250"]
    assert numbers_in("050 599 96 00") == ["0505999600"]
    assert numbers_in("٣ سنوات") == numbers_in("3 years") == ["3"]
    assert numbers_in("۳ سال") == ["3"]


def test_loading_rejects_malformed_files(tmp_path):
    (tmp_path / "en.yml").write_text("language: en\nmessages:\n  utter_x: {}\n", encoding="utf-8")
    with pytest.raises(ContentError):
        Catalogue.load(tmp_path)
    (tmp_path / "en.yml").write_text("language: nl\nmessages: {}\n", encoding="utf-8")
    with pytest.raises(ContentError):
        Catalogue.load(tmp_path)


def test_arabic_and_persian_lines_start_right_to_left(catalogue):
    for language in ("ar", "fa"):
        rendered = catalogue.render("utter_deadline_wi2021", language)
        assert rendered.to_rasa()["direction"] == "rtl"
        assert all(line.startswith("\u200f") for line in rendered.text.split("\n") if line)
        assert all(b["title"].startswith("\u200f") for b in rendered.buttons)
    dutch = catalogue.render("utter_deadline_wi2021", "nl")
    assert dutch.to_rasa()["direction"] == "ltr" and "\u200f" not in dutch.text


def test_ukrainians_read_that_temporary_protection_means_no_duty(catalogue):
    text = catalogue.get("utter_obligation", "uk").text.lower()
    assert "тимчасов" in text and "захист" in text


def test_translations_are_marked_unreviewed_until_a_native_speaker_checks_them(catalogue):
    from bot.content.catalogue import content_status

    statuses = {s.language: s for s in content_status(catalogue, max_age_days=100000)}
    for language in ("nl", "en"):
        assert statuses[language].unreviewed == []
    for language in ("ar", "tr", "ti", "fa", "so", "uk"):
        assert statuses[language].missing == []


def test_content_status_reports_unreviewed_and_out_of_date_entries(tmp_path):
    import datetime as dt

    from bot.content.catalogue import content_status

    entry = ("  utter_a:\n    text: \"{text}\"\n    source: https://www.inburgeren.nl/\n"
             "    checked: {checked}\n    reviewed: {reviewed}\n")
    (tmp_path / "en.yml").write_text(
        "language: en\nmessages:\n" + entry.format(text="A", checked="2026-06-01", reviewed="true")
        + "  utter_error:\n    text: x\n  label_source:\n    text: Source\n  notice_language_fallback:\n    text: n\n",
        encoding="utf-8",
    )
    (tmp_path / "ar.yml").write_text(
        "language: ar\nmessages:\n" + entry.format(text="أ", checked="2026-05-01", reviewed="false"), encoding="utf-8"
    )
    statuses = {s.language: s for s in content_status(Catalogue.load(tmp_path), 365, today=dt.date(2026, 11, 28))}
    assert statuses["ar"].unreviewed == ["utter_a"]
    assert statuses["ar"].out_of_date == ["utter_a"]  # checked before the English text last changed
    assert statuses["ar"].missing == ["label_source", "notice_language_fallback", "utter_error"]
    assert statuses["en"].out_of_date == []
    later = {s.language: s for s in content_status(Catalogue.load(tmp_path), 30, today=dt.date(2026, 11, 28))}
    assert later["en"].out_of_date == ["utter_a"]  # older than 30 days


WHATSAPP_BUTTON_BODY_LIMIT = 1024  # the same limit as MAX_INTERACTIVE_BODY in bot/channels/whatsapp.py


def test_every_answer_with_buttons_fits_in_one_whatsapp_message(catalogue):
    """WhatsApp refuses a message with buttons whose body is over 1024 characters, so a longer answer is split
    and its buttons come apart from most of the text. Measured as rendered, with the source line."""
    too_long = [
        (language, name, len(catalogue.render(name, language).text))
        for language in catalogue.languages
        for name, entry in catalogue.entries[language].items()
        if entry.buttons and len(catalogue.render(name, language).text) > WHATSAPP_BUTTON_BODY_LIMIT
    ]
    assert too_long == []
