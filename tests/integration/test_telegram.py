"""The Telegram channel end to end: the real PTB client, a local server playing the Bot API, real Rasa."""
import asyncio
import threading
import time

import pytest
import requests

from bot.config import Settings
from bot.devservers import Servers
from tests.support.fake_apis import FakeTelegram
from tests.support.replies import Expected
from tests.support.telegram import TOKEN, messages_to, new_chat, next_update_id, post, telegram_settings, text_update

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def telegram(tmp_path_factory, model_path):
    fake = FakeTelegram(TOKEN).start()
    servers = Servers(
        tmp_path_factory.mktemp("telegram"),
        extra_env=telegram_settings(fake),
    ).start()
    yield fake, servers
    servers.stop()
    fake.stop()


def test_wrong_or_missing_secret_is_refused(telegram):
    fake, servers = telegram
    chat = new_chat()
    assert post(servers, text_update(chat, "hallo"), secret="wrong").status_code == 403
    unsigned = requests.post(f"{servers.rasa_url}/webhooks/telegram/webhook", json=text_update(chat, "hallo"),
                             timeout=30)
    assert unsigned.status_code == 403
    assert messages_to(fake, chat) == []


def test_text_is_answered_with_an_inline_keyboard(telegram, catalogue):
    fake, servers = telegram
    chat = new_chat()
    assert post(servers, text_update(chat, "Goedemorgen!")).status_code == 200
    sent = messages_to(fake, chat)
    assert sent[0]["text"] == catalogue.render("utter_greet", "nl").text
    keyboard = sent[0]["reply_markup"]["inline_keyboard"]
    expected = [b.payload for b in catalogue.get("utter_greet", "nl").buttons]
    assert [row[0]["callback_data"] for row in keyboard] == expected


def test_a_pressed_button_is_handled_and_acknowledged(telegram, catalogue):
    fake, servers = telegram
    chat = new_chat()
    post(servers, text_update(chat, "Hallo, goedemorgen!"))
    callback = {
        "update_id": next_update_id(),
        "callback_query": {
            "id": "cb-1", "chat_instance": "x", "data": "/ask_contact_info",
            "from": {"id": chat, "is_bot": False, "first_name": "Test", "language_code": "nl"},
            "message": {"message_id": 5, "date": int(time.time()), "chat": {"id": chat, "type": "private"},
                        "text": "..."},
        },
    }
    assert post(servers, callback).status_code == 200
    assert messages_to(fake, chat)[-1]["text"] == catalogue.render("utter_contact_info", "nl").text
    assert any(c.get("callback_query_id") == "cb-1" for c in fake.sent("answerCallbackQuery"))


def test_the_same_update_twice_is_answered_once(telegram):
    fake, servers = telegram
    chat = new_chat()
    update = text_update(chat, "Hoeveel kost het examen?")
    post(servers, update)
    count = len(messages_to(fake, chat))
    assert post(servers, update).json() == {"status": "ignored"}
    assert len(messages_to(fake, chat)) == count


def test_non_text_gets_a_polite_answer_in_the_users_language(telegram, catalogue):
    fake, servers = telegram
    chat = new_chat()
    photo = text_update(chat, "", language="ar")
    del photo["message"]["text"]
    photo["message"]["photo"] = [{"file_id": "f", "file_unique_id": "u", "width": 10, "height": 10}]
    assert post(servers, photo).status_code == 200
    # Telegram's language_code is the hint: the answer is in Arabic.
    # The first answer in an unchecked translation carries the notice saying so (bot/content/nlg.py).
    assert messages_to(fake, chat)[-1]["text"] == Expected(catalogue).text("utter_unsupported_message", "ar")


def test_commands(telegram, catalogue):
    fake, servers = telegram
    chat = new_chat()
    post(servers, text_update(chat, "/start", language="en"))
    assert messages_to(fake, chat)[-1]["text"] == catalogue.render("utter_greet", "en").text
    post(servers, text_update(chat, "/language", language="en"))
    assert messages_to(fake, chat)[-1]["text"] == catalogue.render("utter_ask_which_language", "en").text


def test_a_429_is_retried_after_the_given_delay(telegram, catalogue):
    fake, servers = telegram
    chat = new_chat()
    fake.too_many_requests = 1
    started = time.monotonic()
    assert post(servers, text_update(chat, "Goedemorgen!")).status_code == 200
    attempts = [c for c in fake.calls if c["method"] == "sendMessage" and int(c["params"]["chat_id"]) == chat]
    assert len(attempts) == 2 and attempts[1]["at"] - attempts[0]["at"] >= 0.9
    assert messages_to(fake, chat)[-1]["text"] == catalogue.render("utter_greet", "nl").text
    assert time.monotonic() - started < 30


def test_long_polling_passes_updates_to_the_assistant(telegram, catalogue):
    from bot.channels.telegram_poll import poll

    fake, servers = telegram
    chat = new_chat()
    fake.updates.append(text_update(chat, "Good morning!", language="en"))
    settings = Settings.from_env({**telegram_settings(fake), "WEGWIJS_RASA_URL": servers.rasa_url})
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    worker = threading.Thread(target=lambda: loop.run_until_complete(poll(settings, stop, timeout=1)))
    worker.start()
    try:
        fake.wait_for(1, "deleteWebhook")
        deadline = time.monotonic() + 30
        while not messages_to(fake, chat) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        loop.call_soon_threadsafe(stop.set)
        worker.join(30)
    assert messages_to(fake, chat)[0]["text"] == catalogue.render("utter_greet", "en").text


def test_without_secrets_the_channel_is_disabled_not_crashed(servers):
    """The default servers have no Telegram token: the channel says so and refuses updates."""
    assert requests.get(f"{servers.rasa_url}/webhooks/telegram/", timeout=10).json() == {"status": "disabled"}
    assert post(servers, text_update(new_chat(), "hallo")).status_code == 503
    assert "Telegram channel disabled" in servers.log("rasa")


def test_a_group_is_told_once_that_the_assistant_works_in_private_chats(telegram, catalogue):
    """A group would share one conversation (a verified case, a complaint): only private chats are answered."""
    fake, servers = telegram
    group = -int(new_chat())  # Telegram's group ids are negative
    for text in ("Hallo allemaal", "Wat is mijn deadline?", "/start"):
        update = text_update(group, text, language="en")
        update["message"]["chat"] = {"id": group, "type": "supergroup", "title": "Taalcafé"}
        assert post(servers, update).status_code == 200
    assert [m["text"] for m in messages_to(fake, group)] == [
        catalogue.render("notice_private_chats_only", "en").text]  # once, in the writer's language
    tracker = requests.get(f"{servers.rasa_url}/conversations/tg-{group}/tracker",
                           params={"token": servers.rasa_token}, timeout=30).json()
    assert [e for e in tracker["events"] if e["event"] == "user"] == []  # no shared conversation
    private = new_chat()
    assert post(servers, text_update(private, "Goedemorgen!")).status_code == 200
    assert messages_to(fake, private)[0]["text"] == catalogue.render("utter_greet", "nl").text
