"""Small parts of the Telegram channel: splitting long answers, keyboards, duplicate updates."""
from bot.channels.common import RecentIds, split_message
from bot.channels.telegram import MAX_MESSAGE_LENGTH, inline_keyboard


def test_short_text_is_one_message():
    assert split_message("Hallo", MAX_MESSAGE_LENGTH) == ["Hallo"]


def test_long_text_splits_at_paragraphs_within_the_limit():
    paragraphs = [f"Paragraph {i}. " + "word " * 300 for i in range(8)]
    parts = split_message("\n\n".join(paragraphs), MAX_MESSAGE_LENGTH)
    assert len(parts) > 1
    assert all(len(p) <= MAX_MESSAGE_LENGTH for p in parts)
    assert all(p.startswith("Paragraph") for p in parts)  # every cut at a paragraph boundary
    assert "".join("".join(parts).split()) == "".join("".join(paragraphs).split())  # nothing lost


def test_a_text_without_spaces_is_cut_hard():
    parts = split_message("x" * (MAX_MESSAGE_LENGTH + 10), MAX_MESSAGE_LENGTH)
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
    recent = RecentIds(size=2)
    assert [recent.seen_before(i) for i in (1, 1, 2, 3, 1)] == [False, True, False, False, False]


def test_whatsapp_signature():
    from bot.channels.whatsapp import signature_is_valid

    body = b'{"entry": []}'
    good = "sha256=" + __import__("hmac").new(b"secret", body, "sha256").hexdigest()
    assert signature_is_valid("secret", body, good)
    assert not signature_is_valid("secret", body, good.replace("a", "b", 1) if "a" in good else good[:-1] + "0")
    assert not signature_is_valid("secret", body, None)
    assert not signature_is_valid("other", body, good)


def test_whatsapp_buttons_lists_and_splitting():
    from bot.channels.whatsapp import interactive_messages

    short = [{"title": "Extra tijd?", "payload": "/ask_extension"}, {"title": "Boete", "payload": "/ask_fine"}]
    [buttons] = interactive_messages("Tekst", short, "Opties")
    assert buttons["type"] == "button"
    assert [b["reply"]["id"] for b in buttons["action"]["buttons"]] == ["/ask_extension", "/ask_fine"]
    long_titles = short + [{"title": "Praten met mijn contactpersoon", "payload": "/request_human"}]
    [listed] = interactive_messages("Tekst", long_titles, "Opties")
    rows = listed["action"]["sections"][0]["rows"]
    assert listed["type"] == "list" and listed["action"]["button"] == "Opties"
    assert len(rows[2]["title"]) <= 24 and rows[2]["description"] == "Praten met mijn contactpersoon"
    many = [{"title": f"Optie {i}", "payload": f"/p{i}"} for i in range(13)]
    lists = interactive_messages("Tekst", many, "Opties")
    assert [len(m["action"]["sections"][0]["rows"]) for m in lists] == [10, 3]
    assert lists[0]["body"]["text"] == "Tekst"


def test_reserved_conversation_ids_are_refused_by_every_channel():
    from bot.channels.common import REST_SENDER_PREFIX, WEBCHAT_SENDER_PREFIX, reserved_sender

    for reserved in ("anonymised", " Anonymised ", "erased:1a2b3c", "ERASED:x", "", "  ", "tg-123", "wa-3161234",
                     "web-abc", "rest-partner-7", "REST-partner-7"):
        assert reserved_sender(reserved), reserved
    for fine in ("me", "cli-1234", "terminal-ab", "test-anonymised", "restaurant"):
        assert not reserved_sender(fine), fine
    assert not reserved_sender("web-abc", WEBCHAT_SENDER_PREFIX)  # a channel's own ids are its own
    assert not reserved_sender("rest-partner-7", REST_SENDER_PREFIX)
    assert reserved_sender("rest-partner-7", WEBCHAT_SENDER_PREFIX)
