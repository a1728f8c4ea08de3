"""One table of conversation cases, run through every channel's adapter: Rasa's REST channel, the web chat
channel (the widget's), Telegram and WhatsApp (their APIs played by local servers). Each channel must
deliver the same texts and the same buttons (compared by payload: WhatsApp shortens titles)."""
import uuid

import pytest

from bot.client import send as rest_send
from bot.devservers import Servers
from tests.support import telegram as telegram_test
from tests.support import whatsapp as whatsapp_test
from tests.support.fake_apis import FakeGraph, FakeTelegram
from tests.support.people import WebUser, handoff_reply, wait_until
from tests.support.replies import Expected
from tests.support.whatsapp import chat_app_settings

pytestmark = pytest.mark.slow
OFFICE_HOURS = "mon-sun 00:00-23:59"


# (what the newcomer writes, its language, the responses expected with their arguments)
CASES = [
    ("Hallo, goedemorgen!", "nl", [("utter_greet", {})]),
    ("How long do I have to finish my integration?", "en", [("utter_ask_law", {"intent": "ask_deadline"})]),
    ("هل انا ملزم بالاندماج", "ar", [("utter_obligation", {})]),
    ("I want to talk to a real person", "en", [handoff_reply(OFFICE_HOURS)]),
]


@pytest.fixture(scope="module")
def channels(tmp_path_factory, model_path):
    telegram = FakeTelegram(telegram_test.TOKEN).start()
    graph = FakeGraph(whatsapp_test.TOKEN, whatsapp_test.PHONE_ID).start()
    servers = Servers(
        tmp_path_factory.mktemp("channels"),
        extra_env={
            "WEGWIJS_OFFICE_HOURS": OFFICE_HOURS,
            **chat_app_settings(telegram, graph),
        },
    ).start()
    yield servers, telegram, graph
    servers.stop()
    graph.stop()
    telegram.stop()


# Each adapter sends one message in a new conversation and returns [(text, [button payloads])] per response.

def via_rest(servers, telegram, graph, text, language, expected_count):
    replies = rest_send(servers.rasa_url, f"rest-{uuid.uuid4().hex[:8]}", text)
    # Rasa's REST channel sends each paragraph of a text without buttons apart: join them again.
    return [("\n\n".join(r.get("text", "") for r in replies),
             [b["payload"] for r in replies for b in r.get("buttons") or []])]


def via_webchat(servers, telegram, graph, text, language, expected_count):
    return [(m["text"], [b["payload"] for b in m["buttons"]]) for m in WebUser(servers).say(text)]


def via_telegram(servers, telegram, graph, text, language, expected_count):
    chat = telegram_test.new_chat()
    assert telegram_test.post(servers, telegram_test.text_update(chat, text, language)).status_code == 200
    sent = wait_until(lambda: (lambda m: m if len(m) >= expected_count else None)(
        telegram_test.messages_to(telegram, chat)))
    return [(m["text"], [row[0]["callback_data"] for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])])
            for m in sent]


def via_whatsapp(servers, telegram, graph, text, language, expected_count):
    sender = whatsapp_test.new_sender()
    body = whatsapp_test.payload(sender, {"type": "text", "text": {"body": text}})
    assert whatsapp_test.post(servers, body).status_code == 200
    sent = wait_until(lambda: (lambda m: m if len(m) >= expected_count else None)(whatsapp_test.to(graph, sender)))
    replies = []
    for message in sent:
        if message["type"] == "text":
            replies.append((message["text"]["body"], []))
            continue
        interactive = message["interactive"]
        action = interactive["action"]
        payloads = ([b["reply"]["id"] for b in action.get("buttons", [])]
                    + [row["id"] for section in action.get("sections", []) for row in section["rows"]])
        replies.append((interactive["body"]["text"], payloads))
    return replies


ADAPTERS = {"rest": via_rest, "webchat": via_webchat, "telegram": via_telegram, "whatsapp": via_whatsapp}


@pytest.mark.parametrize("adapter", ADAPTERS)
@pytest.mark.parametrize("text, language, expected", CASES, ids=[c[0][:24] for c in CASES])
def test_every_channel_delivers_the_same_answer(channels, catalogue, adapter, text, language, expected):
    servers, telegram, graph = channels
    conversation = Expected(catalogue)  # each adapter starts a new conversation: an unchecked translation's notice
    rendered = [conversation.reply(name, language, arguments) for name, arguments in expected]
    want = [(r["text"], [b["payload"] for b in r["buttons"]]) for r in rendered]
    if adapter == "rest":  # one joined reply (see via_rest)
        want = [("\n\n".join(t for t, _ in want), [p for _, ps in want for p in ps])]
    assert ADAPTERS[adapter](servers, telegram, graph, text, language, len(expected)) == want
