"""Talking to the WhatsApp channel as Meta does: signed webhooks in, and what the played Graph API received."""
import hashlib
import hmac
import json
import time
import uuid

import requests

from tests.support.fake_apis import FakeGraph, FakeTelegram
from tests.support.telegram import telegram_settings

TOKEN, APP_SECRET, VERIFY, PHONE_ID = "wa-token", "wa-app-secret", "wa-verify", "1098765"


def whatsapp_settings(graph: FakeGraph) -> dict:
    """The settings that turn the WhatsApp channel on, pointed at the local fake Graph API."""
    return {
        "WEGWIJS_WHATSAPP_TOKEN": TOKEN, "WEGWIJS_WHATSAPP_APP_SECRET": APP_SECRET,
        "WEGWIJS_WHATSAPP_VERIFY_TOKEN": VERIFY, "WEGWIJS_WHATSAPP_PHONE_NUMBER_ID": PHONE_ID,
        "WEGWIJS_WHATSAPP_API_URL": graph.api_url,
    }


def chat_app_settings(telegram: FakeTelegram, graph: FakeGraph) -> dict:
    """The settings that point both chat-app channels at their local fake APIs."""
    return {**telegram_settings(telegram), **whatsapp_settings(graph)}


def webhook(servers):
    return f"{servers.rasa_url}/webhooks/whatsapp/webhook"


def payload(sender, message=None, statuses=None):
    value = {"messaging_product": "whatsapp", "metadata": {"phone_number_id": PHONE_ID}}
    if message is not None:
        value["messages"] = [{"from": sender, "id": f"wamid.{uuid.uuid4().hex}", "timestamp": str(int(time.time())),
                              **message}]
    if statuses is not None:
        value["statuses"] = statuses
    change = {"field": "messages", "value": value}
    return {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]}


def post(servers, body, secret=APP_SECRET, signature=True):
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if signature:
        headers["X-Hub-Signature-256"] = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return requests.post(webhook(servers), data=raw, headers=headers, timeout=60)


def to(graph, sender):
    return [m for m in graph.sent("messages") if m["to"] == sender]


def new_sender():
    return f"316{uuid.uuid4().int % 10**8:08d}"
