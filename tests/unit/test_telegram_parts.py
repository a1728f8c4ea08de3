"""Small parts of the Telegram channel: splitting long answers, keyboards, duplicate updates."""
from bot.channels.telegram import MAX_MESSAGE_LENGTH, RecentUpdates, inline_keyboard, split_message


def test_short_text_is_one_message():
    assert split_message("Hallo") == ["Hallo"]


def test_long_text_splits_at_paragraphs_within_the_limit():
    paragraphs = [f"Paragraph {i}. " + "word " * 300 for i in range(8)]
    parts = split_message("\n\n".join(paragraphs))
    assert len(parts) > 1
    assert all(len(p) <= MAX_MESSAGE_LENGTH for p in parts)
    assert all(p.startswith("Paragraph") for p in parts)  # every cut at a paragraph boundary
    assert "".join("".join(parts).split()) == "".join("".join(paragraphs).split())  # nothing lost


def test_a_text_without_spaces_is_cut_hard():
    parts = split_message("x" * (MAX_MESSAGE_LENGTH + 10))
    assert [len(p) for p in parts] == [MAX_MESSAGE_LENGTH, 10]


def test_buttons_become_one_per_row_and_too_long_payloads_are_left_out():
    keyboard = inline_keyboard([
        {"title": "Extra time?", "payload": "/ask_extension"},
        {"title": "Too long", "payload": "/" + "x" * 80},
    ])
    rows = keyboard.inline_keyboard
    assert len(rows) == 1 and rows[0][0].callback_data == "/ask_extension"
    assert inline_keyboard([]) is None


def test_a_redelivered_update_is_seen_once():
    recent = RecentUpdates(size=2)
    assert [recent.seen_before(i) for i in (1, 1, 2, 3, 1)] == [False, True, False, False, False]
