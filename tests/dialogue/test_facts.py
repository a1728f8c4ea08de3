"""Facts said along the way: the law from a year, a route or "old/new law"; the person's situation."""
import pytest

from bot.dialogue.facts import find_facts, law_from_text, normalise_words, situation_from_text


@pytest.mark.parametrize("text, law", [
    ("ik ben in 2023 gekomen", "wi2021"),
    ("I came in 2019, what does the exam cost?", "wi2013"),
    ("new law", "wi2021"),
    ("nieuwe wet", "wi2021"),
    ("niewe wet", "wi2021"),  # a typo
    ("after 2022", "wi2021"),
    ("vóór 2022", "wi2013"),
    ("no, the old law", "wi2013"),
    ("niet de oude wet maar de nieuwe wet", "wi2021"),  # the one named last
    ("ik zit in de onderwijsroute", "wi2021"),
    ("Z-route", "wi2021"),
    ("القانون الجديد", "wi2021"),
    ("eski yasa", "wi2013"),
    ("я приїхав у 2023 році", "wi2021"),
    ("ሓድሽ ሕጊ", "wi2021"),
    ("qaanuunka? sharciga cusub", "wi2021"),
    ("قانون قدیم", "wi2013"),
    ("ik ben in ٢٠٢٣ gekomen", "wi2021"),  # Arabic-Indic digits
    ("в мене закон 2021", "wi2021"),  # a law word beside the year in its name
    ("de wet van 2013", "wi2013"),
])
def test_the_law_is_read_from_what_people_say(text, law):
    assert law_from_text(text) == law


@pytest.mark.parametrize("text", ["wat kost het examen in 2025?", "hallo", "2021", "the new one", "B1"])
def test_nothing_is_read_into_a_year_or_word_alone(text):
    assert law_from_text(text) is None


@pytest.mark.parametrize("text, law", [("2021", "wi2021"), ("2013", "wi2013"), ("2019", "wi2013"),
                                       ("2024", "wi2021"), ("the new one", "wi2021"), ("de oude", "wi2013")])
def test_as_the_answer_to_which_law_a_bare_year_or_word_counts(text, law):
    assert law_from_text(text, asked=True) == law


@pytest.mark.parametrize("text, situation", [
    ("ik ben statushouder", "status_holder"),
    ("ik ben statushoudr", "status_holder"),
    ("I came for family reunification", "family_migrant"),
    ("ik ben eu-burger uit polen", "eu_citizen"),
    ("I have Turkish nationality", "turkish_national"),
    ("я з України, маю тимчасовий захист", "ukrainian_tp"),
    ("انا لاجئ", "status_holder"),
])
def test_the_situation_is_read_from_what_people_say(text, situation):
    assert situation_from_text(text) == situation


def test_find_facts_gives_entities():
    assert find_facts("ik ben statushouder en in 2023 gekomen") == [("law", "wi2021"), ("situation", "status_holder")]


def test_words_are_normalised_without_accents_and_in_ascii_digits():
    assert normalise_words("Vóór ٢٠٢٢!") == ["voor", "2022"]


@pytest.mark.parametrize("text", ["2021 ayaan sharciga helay", "ik heb mijn verblijfsvergunning in 2021 gekregen"])
def test_getting_a_permit_in_2021_is_a_date_even_beside_a_word_for_law(text):
    assert law_from_text(text, asked=True) == "wi2013"
