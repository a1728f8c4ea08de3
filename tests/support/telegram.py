"""Talking to the Telegram channel as Telegram does: updates in, and what the played Bot API received."""
import time
import uuid

import requests

from tests.support.fake_apis import FakeTelegram

TOKEN = "123456:TEST-token"
SECRET = "s3cret-for-tests"


def telegram_settings(fake: FakeTelegram) -> dict:
    """The settings that turn the Telegram channel on, pointed at the local fake Bot API."""
    return {"WEGWIJS_TELEGRAM_TOKEN": TOKEN, "WEGWIJS_TELEGRAM_SECRET": SECRET,
            "WEGWIJS_TELEGRAM_API_URL": fake.api_url}


_update_ids = iter(range(1000, 10**6))


def next_update_id() -> int:
    """A fresh update id, as Telegram numbers its updates."""
    return next(_update_ids)


def text_update(chat_id, text, language="nl"):
    user = {"id": chat_id, "is_bot": False, "first_name": "Test", "language_code": language}
    return {
        "update_id": next_update_id(),
        "message": {"message_id": 1, "date": int(time.time()), "chat": {"id": chat_id, "type": "private"},
                    "from": user, "text": text},
    }


def post(servers, update, secret=SECRET):
    return requests.post(f"{servers.rasa_url}/webhooks/telegram/webhook", json=update,
                         headers={"X-Telegram-Bot-Api-Secret-Token": secret}, timeout=60)


def messages_to(fake, chat_id):
    return [m for m in fake.sent() if int(m["chat_id"]) == chat_id]


def new_chat():
    return int(uuid.uuid4().int % 10**9)
