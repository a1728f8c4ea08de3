"""The webhook channels' shared steps (bot/channels/webhook.py), in order, without servers."""
import asyncio
import hashlib
import hmac
import importlib
import json
import logging
from types import SimpleNamespace

import pytest
import yaml
from rasa.core.channels.channel import InputChannel, UserMessage

from bot.channels.common import CHANNEL_PREFIXES, TOO_MANY, WHATSAPP_SENDER_PREFIX
from bot.channels.telegram import TelegramInput
from bot.channels.webhook import NotAnUpdate, WebhookInput
from bot.channels.whatsapp import SIGNATURE_HEADER, WhatsAppInput
from bot.config import PROJECT_ROOT
from bot.limits import ChannelLimits, RateLimiter


class FakeApp(WebhookInput):
    """A chat app whose calls are dicts: {"secret": ..., "updates": [{"id", "from", "text"}, ...]}."""

    TITLE, ENABLE_HINT, REFUSED, SENDER_PREFIX = "Fake", "set WEGWIJS_FAKE to enable it", "wrong secret", "fk-"
    NOTHING_NEW = {"status": "ignored"}

    @classmethod
    def name(cls):
        return "fake"

    def authentic(self, request):
        return request.get("secret") == "s3cret"

    async def updates(self, request):
        if "updates" not in request:
            raise NotAnUpdate("not a fake update")
        return [(update["id"], update) for update in request["updates"]]

    async def user_message(self, update):
        if update.get("malformed"):
            raise NotAnUpdate("not a fake message")
        if "text" not in update:
            return None  # e.g. a status: nothing to answer
        return UserMessage(update["text"], None, self.sender_id(update["from"]), input_channel=self.name())

    def output_channel(self, report_errors):
        return SimpleNamespace(report_errors=report_errors)


class Rasa:
    """Plays Rasa's on_new_message: records what it gets, and fails while `down`."""

    def __init__(self):
        self.received, self.down = [], False

    async def __call__(self, message):
        if self.down:
            raise ConnectionError("the conversation database does not answer")
        self.received.append((message.sender_id, message.text))


def call(channel, request, rasa):
    answer = asyncio.run(channel.receive(request, rasa))
    return answer.status, json.loads(answer.body)


def a_call(*updates, secret="s3cret"):
    return {"secret": secret, "updates": list(updates)}


@pytest.fixture
def clock():
    return [0.0]


@pytest.fixture
def app(clock):
    channel = FakeApp(True, ChannelLimits(per_sender=100, per_ip=100))
    channel.limits.senders = RateLimiter(2, window=60, clock=lambda: clock[0])
    return channel


def test_credentials_name_channel_classes_that_exist():
    credentials = yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text(encoding="utf-8"))
    classes = {}
    for dotted in credentials:
        module, _, name = dotted.rpartition(".")
        classes[name] = getattr(importlib.import_module(module), name)
        assert issubclass(classes[name], InputChannel)
    assert issubclass(classes["TelegramInput"], WebhookInput) and issubclass(classes["WhatsAppInput"], WebhookInput)
    assert TelegramInput.SENDER_PREFIX in CHANNEL_PREFIXES and WhatsAppInput.SENDER_PREFIX in CHANNEL_PREFIXES


def test_a_disabled_channel_says_so_and_refuses(caplog):
    with caplog.at_level(logging.WARNING):
        channel = FakeApp(False, ChannelLimits(10, 10))
    assert "Fake channel disabled: set WEGWIJS_FAKE to enable it" in caplog.text
    assert call(channel, a_call({"id": 1, "from": 7, "text": "hallo"}), Rasa()) == (
        503, {"error": "the Fake channel is not configured"})
    assert channel.get_output_channel() is None


def test_not_authentic_is_refused_before_anything_else(app):
    rasa = Rasa()
    assert call(app, a_call({"id": 1, "from": 7, "text": "hallo"}, secret="wrong"), rasa) == (
        403, {"error": "wrong secret"})
    assert rasa.received == []
    assert call(app, a_call({"id": 1, "from": 7, "text": "hallo"}), rasa)[0] == 200  # its id was not taken


def test_a_call_that_is_no_update_is_a_400(app):
    assert call(app, {"secret": "s3cret"}, Rasa()) == (400, {"error": "not a fake update"})
    assert call(app, a_call({"id": 1, "malformed": True}), Rasa()) == (400, {"error": "not a fake message"})


def test_updates_are_delivered_with_the_sender_prefix_and_a_redelivery_once(app):
    rasa = Rasa()
    assert call(app, a_call({"id": 1, "from": 7, "text": "hallo"}, {"id": 2, "from": 8, "text": "hoi"}), rasa) == (
        200, {"status": "ok"})
    assert rasa.received == [("fk-7", "hallo"), ("fk-8", "hoi")]
    assert call(app, a_call({"id": 1, "from": 7, "text": "hallo"}), rasa) == (200, {"status": "ignored"})
    assert call(app, a_call(), rasa) == (200, {"status": "ignored"})  # nothing in it
    assert call(app, a_call({"id": 3}), rasa) == (200, {"status": "ok"})  # new, but nothing to answer
    assert len(rasa.received) == 2
    assert app.get_output_channel().report_errors is True  # staff replies must hear of a refusal


def test_a_sender_over_the_limit_is_told_to_slow_down_and_the_redelivery_is_answered(app, clock):
    rasa = Rasa()
    updates = [{"id": n, "from": 7, "text": f"bericht {n}"} for n in (1, 2, 3)]
    other = {"id": 4, "from": 8, "text": "ik ook"}
    assert call(app, a_call(*updates, other), rasa) == (429, TOO_MANY)
    assert rasa.received == [("fk-7", "bericht 1"), ("fk-7", "bericht 2"), ("fk-8", "ik ook")]  # others go on
    clock[0] += 61
    assert call(app, a_call(*updates, other), rasa) == (200, {"status": "ok"})  # the app delivers it again
    assert rasa.received[-1] == ("fk-7", "bericht 3") and len(rasa.received) == 4


def test_a_failed_delivery_is_an_error_and_its_redelivery_is_handled(app):
    rasa = Rasa()
    rasa.down = True
    with pytest.raises(ConnectionError):
        call(app, a_call({"id": 1, "from": 7, "text": "hallo"}), rasa)
    rasa.down = False
    assert call(app, a_call({"id": 1, "from": 7, "text": "hallo"}), rasa) == (200, {"status": "ok"})
    assert rasa.received == [("fk-7", "hallo")]


def test_whatsapp_fills_in_signature_parsing_and_prefix():
    channel = WhatsAppInput("token", "app-secret", "verify", "1098765", "http://127.0.0.1:9", ChannelLimits(10, 10))
    value = {"messages": [{"from": "31612345678", "id": "wamid.1", "type": "text", "text": {"body": "Hallo"}}],
             "statuses": [{"id": "wamid.0", "status": "read"}]}
    raw = json.dumps({"entry": [{"changes": [{"value": value}]}]}).encode()

    def request(body, secret="app-secret"):
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return SimpleNamespace(body=body, headers={SIGNATURE_HEADER: signature})

    rasa = Rasa()
    assert call(channel, request(raw, secret="wrong"), rasa) == (403, {"error": "bad signature"})
    assert call(channel, request(b"{no json"), rasa) == (400, {"error": "not JSON"})
    assert call(channel, request(raw), rasa) == (200, {"status": "ok"})
    assert call(channel, request(raw), rasa) == (200, {"status": "ok"})  # WhatsApp's answer to a redelivery
    assert rasa.received == [(f"{WHATSAPP_SENDER_PREFIX}31612345678", "Hallo")]
