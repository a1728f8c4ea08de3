"""The sticky reply-language rule."""
from bot.language.reply_language import language_slot_updates, reply_language


def message(code="nl", clear=True, entities=(), metadata=None):
    return {
        "language": {"code": code, "confidence": 0.99, "clear": clear},
        "entities": list(entities),
        "metadata": metadata or {},
    }


def test_a_clear_message_sets_the_language():
    assert language_slot_updates({}, message("ar")) == {"language": "ar"}


def test_a_clear_message_in_another_language_switches_it():
    assert language_slot_updates({"language": "nl"}, message("en")) == {"language": "en"}


def test_an_unclear_message_never_switches_it():
    assert language_slot_updates({"language": "ar"}, message("en", clear=False)) == {}


def test_an_unclear_first_message_only_sets_the_guess():
    assert language_slot_updates({}, message("en", clear=False)) == {"language_guess": "en"}


def test_undetermined_messages_change_nothing():
    assert language_slot_updates({}, message("und", clear=False)) == {}


def test_an_explicit_request_wins_over_the_message_language():
    entities = [{"entity": "requested_language", "value": "ar"}]
    assert language_slot_updates({"language": "nl"}, message("nl", entities=entities)) == {"language": "ar"}


def test_the_widget_choice_sets_the_language():
    updates = language_slot_updates({"language": "nl"}, message("nl", clear=False, metadata={"language": "fa"}))
    assert updates == {"language": "fa"}


def test_a_channel_hint_seeds_the_language_but_never_overrides_it():
    hint = {"language_hint": "tr"}
    assert language_slot_updates({}, message("en", clear=False, metadata=hint)) == {"language": "tr"}
    assert language_slot_updates({"language": "nl"}, message("en", clear=False, metadata=hint)) == {}
    # A clear message in another language still switches it.
    assert language_slot_updates({"language": "tr"}, message("nl", metadata=hint)) == {"language": "nl"}


def test_unsupported_values_are_ignored():
    entities = [{"entity": "requested_language", "value": "xx"}]
    assert language_slot_updates({}, message("de", clear=True, entities=entities, metadata={"language": "zz"})) == {}


def test_no_update_when_nothing_changes():
    assert language_slot_updates({"language": "nl"}, message("nl")) == {}


def test_reply_language_order():
    assert reply_language({"language": "ar", "language_guess": "en"}, "nl") == "ar"
    assert reply_language({"language": None, "language_guess": "en"}, "nl") == "en"
    assert reply_language({}, "nl") == "nl"


def test_an_ungrounded_guess_changes_nothing():
    mashing = message("so", clear=False)
    mashing["language"]["grounded"] = False
    assert language_slot_updates({}, mashing) == {}
    assert language_slot_updates({"language_guess": "en"}, mashing) == {}
