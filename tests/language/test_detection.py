"""The language detector: script rules, short messages, determinism, requested languages."""
import pytest

from bot.config import PROJECT_ROOT
from bot.language.detection import LanguageDetector, NgramModel, find_requested_language
from bot.nlu.evaluation import evaluate_language_detection
from bot.nlu.training_data import read_examples, read_language_names

NLU_DIR = PROJECT_ROOT / "data" / "nlu"


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    examples = read_examples([NLU_DIR])
    return LanguageDetector(NgramModel.train((e.text, e.language) for e in examples))


@pytest.mark.parametrize(
    "text, language",
    [
        ("ሰላም ከመይ ኣለኹም፡ መዓስ እዩ ናይ ኢንቡርገሪንግ ግዜይ ዝውዳእ", "ti"),  # Ge'ez script is Tigrinya
        ("Доброго дня, чи треба мені проходити інтеграцію?", "uk"),  # Cyrillic is Ukrainian
        ("سلام، من باید امتحان بدهم یا نه؟ چقدر وقت دارم", "fa"),  # Persian letters
        ("مرحبا، كيف أقدر أعرف متى ينتهي وقت الاندماج؟", "ar"),
        ("Hoe lang heb ik nog om mijn inburgering af te ronden?", "nl"),
        ("How long do I have to finish my integration exams?", "en"),
        ("Merhaba, entegrasyon sınavı için ne kadar zamanım var?", "tr"),
    ],
)
def test_detects_clear_messages(detector, text, language):
    detection = detector.detect(text)
    assert detection.language == language
    assert detection.clear


@pytest.mark.parametrize("text", ["ok", "DUO?", "👍", "123", "", "   ", "B1", "?!"])
def test_short_or_neutral_messages_are_never_clear(detector, text):
    assert not detector.detect(text).clear


def test_messages_without_letters_are_undetermined(detector):
    assert detector.detect("👍 123 !!").language == "und"


def test_detection_is_deterministic(detector):
    text = "ik wil weten hoeveel de boete is als ik te laat ben met inburgering"
    assert len({detector.detect(text) for _ in range(5)}) == 1


def test_works_without_a_trained_model():
    # Before training, script rules and langdetect still give an answer.
    assert LanguageDetector().detect("Чи можу я отримати більше часу?").language == "uk"
    assert LanguageDetector().detect("Can I get more time for my integration exam please?").language == "en"


def test_model_round_trips_through_json():
    model = NgramModel.train([("hallo daar", "nl"), ("hello there", "en")])
    again = NgramModel.from_json(model.to_json())
    assert again.probabilities("hallo", ["nl", "en"], "latin") == model.probabilities("hallo", ["nl", "en"], "latin")


@pytest.mark.parametrize(
    "text, language",
    [
        ("English please", "en"),
        ("in het Arabisch graag", "ar"),
        ("بالعربي لو سمحت", "ar"),
        ("ik spreek geen goed nederlands, kan het in het arabisch", "ar"),  # the last one named wins
        ("can we speak turkish", "tr"),
        ("hoe laat is het", None),
    ],
)
def test_finds_the_requested_language(text, language):
    names = read_language_names([NLU_DIR])
    found = find_requested_language(text, names)
    assert (found[0] if found else None) == language
    if found:
        assert text[found[1] : found[2]].strip()


def test_beats_plain_langdetect_on_short_messages(detector):
    report = evaluate_language_detection(detector, PROJECT_ROOT / "tests" / "data" / "language_id")
    assert report["all"]["detector"] >= 0.95, report
    assert report["all"]["detector"] > report["all"]["langdetect"] + 0.2, report


@pytest.mark.parametrize("text", ["zxcvbnm asdfgh qwerty", "lorem ipsum dolor sit amet"])
def test_keyboard_mashing_is_never_clear(detector, text):
    assert not detector.detect(text).clear


@pytest.mark.parametrize("text", ["INB-100004", "DUO?", "KNM B1 PIP", "17-05-1990"])
def test_acronyms_codes_and_dates_carry_no_language(detector, text):
    assert detector.detect(text).language == "und"


def test_capitals_are_still_read(detector):
    assert detector.detect("HOE LANG HEB IK NOG VOOR MIJN INBURGERING").language == "nl"


@pytest.mark.parametrize("text", ["a" * 2000, "qwpoeiru zxmvnb", "blorp flurb"])
def test_made_up_words_are_not_grounded(detector, text):
    detection = detector.detect(text)
    assert not detection.grounded and not detection.clear


def test_real_words_and_own_scripts_are_grounded(detector):
    assert detector.detect("hi").grounded
    assert detector.detect("سلام").grounded


@pytest.mark.parametrize(
    "text, language",
    [
        ("ik heb een brief van de gemeente gekregen over inburgering, що мені робити", "uk"),
        ("Привіт, ik heb een DUO brief gekregen over mijn lening", "uk"),
        ("ik moet naar de gemeente voor mijn inburgering afspraak ماذا أفعل", "ar"),
        ("de gemeente zegt dat ik moet inburgeren ሕጂ እንታይ ክገብር", "ti"),
    ],
)
def test_a_dutch_word_mixed_in_is_judged_by_the_messages_own_script(detector, text, language):
    # Such mixed messages used to come out as Latin-script Tigrinya.
    assert detector.detect(text).language == language


def test_a_language_not_offered_is_found_as_other():
    names = read_language_names([NLU_DIR])
    assert find_requested_language("kun je in het frans antwoorden", names)[0] == "other"
    assert find_requested_language("not french, english please", names)[0] == "en"


@pytest.mark.parametrize("text", ["تمام", "ممنون", "خوب"])
def test_a_short_word_arabic_and_persian_share_never_switches_between_them(detector, text):
    assert not detector.detect(text).clear


def test_a_latin_greeting_turkish_and_tigrinya_share_is_read_as_turkish(detector):
    # Most Tigrinya is written in Ge'ez script; clear Latin-script Tigrinya is still recognised.
    assert detector.detect("selam").language == "tr"
    assert detector.detect("kemey aleka").language == "ti"
