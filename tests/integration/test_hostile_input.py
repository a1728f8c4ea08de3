"""Hostile input against the real servers, fuzzed with hypothesis: long, binary-ish, right-to-left-override,
zero-width, emoji, SQL, HTML/JS and template text, and malformed bodies, at the REST and web chat channels,
the Telegram and WhatsApp webhooks, every form, the console and the widget.

Nothing answers 500; a text message always gets a clear answer (a catalogue text, never "something went
wrong"); nothing shows unescaped in the console; nobody reads another person's conversation or complaint.
The strategies come from tests/support/hostile.py.
"""
from __future__ import annotations

import copy
import csv
import hashlib
import hmac
import io
import json
import re
import sqlite3
import uuid
from typing import Any, Dict, List, Set

import pytest
import requests
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.content.catalogue import _PLACEHOLDER_RE, Catalogue
from bot.content.nlg import TRANSLATION_NOTICE
from bot.devservers import Servers
from tests.support import telegram as telegram_test
from tests.support import whatsapp as whatsapp_test
from tests.support.fake_apis import FakeGraph, FakeTelegram
from tests.support.hostile import (
    HTML_JS,
    PAYLOADS,
    SQL,
    TEMPLATES,
    hostile_text,
    json_values,
)
from tests.support.people import ConsoleClient, WebUser, add_staff
from tests.support.whatsapp import chat_app_settings

pytestmark = pytest.mark.slow
OFFICE_HOURS = "mon-sun 00:00-23:59"
FUZZ = settings(max_examples=25, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.large_base_example])
CHAT_APP_LIMIT = 4096  # Telegram and WhatsApp deliver no longer texts
WEBCHAT_LIMIT = 5000  # the web chat channel cuts longer texts on purpose (bot/channels/webchat.py)


class World:
    def __init__(self, servers: Servers, telegram: FakeTelegram, graph: FakeGraph) -> None:
        self.servers, self.telegram, self.graph = servers, telegram, graph

    def __repr__(self) -> str:  # short, for hypothesis's reports
        return "World(...)"


@pytest.fixture(scope="module")
def world(tmp_path_factory, model_path):
    telegram = FakeTelegram(telegram_test.TOKEN).start()
    graph = FakeGraph(whatsapp_test.TOKEN, whatsapp_test.PHONE_ID).start()
    servers = Servers(
        tmp_path_factory.mktemp("hostile"),
        extra_env={
            "WEGWIJS_OFFICE_HOURS": OFFICE_HOURS,
            # Fuzzing sends far more than a person would: the rate limits are not under test here.
            "WEGWIJS_RATE_LIMIT_PER_SENDER": "100000",
            "WEGWIJS_RATE_LIMIT_PER_IP": "100000",
            "WEGWIJS_WEBCHAT_SESSIONS_PER_IP_HOUR": "100000",
            **chat_app_settings(telegram, graph),
        },
    ).start()
    add_staff(servers)
    yield World(servers, telegram, graph)
    servers.stop()
    graph.stop()
    telegram.stop()


# --- which catalogue texts a reply is -------------------------------------------------------------------

_SENTINEL = "\x00ARGUMENT\x00"


class CatalogueTexts:
    """Recognises a reply as a catalogue response (in any language, with any arguments filled in)."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.patterns = []
        for language in catalogue.languages:
            for name in catalogue.names("en"):
                entries = [e for e in (catalogue.get(name, language), catalogue.get(name, "en")) if e]
                placeholders = {p for e in entries for p in _PLACEHOLDER_RE.findall(e.text)}
                text = catalogue.render(name, language, {p: _SENTINEL for p in placeholders}).text
                parts = text.split(_SENTINEL)
                regex = re.compile("(?s)" + "(?:.*?)".join(re.escape(p) for p in parts) + r"\Z")
                self.patterns.append((parts[0], regex, name))
        self.error_texts = {catalogue.render("utter_error", lang).text for lang in catalogue.languages}
        self.error_paragraphs = {t.split("\n\n")[0] for t in self.error_texts}
        # An unreviewed translation's first answer carries a one-time notice after it (bot/content/nlg.py).
        self.notices = {catalogue.render(TRANSLATION_NOTICE, lang).text for lang in catalogue.languages
                        if catalogue.get(TRANSLATION_NOTICE, lang)}

    def __repr__(self) -> str:  # short, for hypothesis's reports
        return "CatalogueTexts(...)"

    def names(self, text: str) -> Set[str]:
        """The responses `text` is; a text with the translation notice after it is the response before it."""
        found = {name for prefix, regex, name in self.patterns if text.startswith(prefix) and regex.match(text)}
        for notice in self.notices:
            if not found and text.endswith("\n\n" + notice):
                found = self.names(text[:-len(notice) - 2]) - {TRANSLATION_NOTICE}
        return found

    def check_clear(self, messages: List[Dict[str, Any]]) -> List[Set[str]]:
        """Every bot message is a catalogue text and none is the error message; their response names."""
        found = []
        for message in messages:
            if message.get("from") == "staff":
                continue
            names = self.names(message["text"])
            assert names, f"not a catalogue text: {message['text'][:300]!r}"
            assert "utter_error" not in names, "answered 'something went wrong on our side'"
            found.append(names)
        return found


@pytest.fixture(scope="module")
def texts(catalogue):
    return CatalogueTexts(catalogue)


# --- helpers ---------------------------------------------------------------------------------------------


def webchat(world: World) -> str:
    return f"{world.servers.rasa_url}/webhooks/webchat"


def sender_of(user: WebUser) -> str:
    return "web-" + user.session.split(".")[0]


def say(user: WebUser, text: str, **extra: Any) -> requests.Response:
    return requests.post(f"{user.base}/webhook", json={"session": user.session, "message": text, **extra},
                         timeout=120)


def telegram_messages(world: World, chat: int) -> List[Dict[str, Any]]:
    """What the bot sent to a chat (malformed updates may have made it send to odd chat ids too)."""
    return [m for m in world.telegram.sent() if str(m.get("chat_id")) == str(chat)]


def post_raw(url: str, body: Any, **kwargs: Any) -> requests.Response:
    if isinstance(body, bytes):
        return requests.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=120, **kwargs)
    return requests.post(url, data=json.dumps(body), headers={"Content-Type": "application/json"}, timeout=120,
                         **kwargs)


def set_path(document: Any, path: tuple, value: Any) -> Any:
    """A copy of `document` with the value at `path` replaced (the document itself when the path is empty)."""
    if not path:
        return value
    document = copy.deepcopy(document)
    node = document
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return document


MALFORMED_RAW = [b"", b"{", b"\xff\xfe\x00", b"[1,2,3]", b"null", b"\"text\"", b"{\"a\":" + b"[" * 5000,
                 b"{" + b"\"k\":1," * 200000 + b"\"k\":2}"]


# --- the REST channel ------------------------------------------------------------------------------------


@FUZZ
@given(text=hostile_text())
def test_rest_channel_answers_hostile_text(world, texts, text):
    answer = requests.post(f"{world.servers.rasa_url}/webhooks/rest/webhook",
                           json={"sender": f"rest-{uuid.uuid4().hex}", "message": text}, timeout=120)
    assert answer.status_code == 200, answer.text[:300]
    replies = answer.json()
    assert replies, "a message got no answer at all"
    # Rasa's REST channel sends each paragraph apart: none may be the error message.
    assert not {r.get("text") for r in replies} & texts.error_paragraphs


@FUZZ
@given(body=st.one_of(
    json_values(),
    st.fixed_dictionaries({"sender": json_values(), "message": json_values()},
                          optional={"metadata": json_values()}),
    st.sampled_from(MALFORMED_RAW),
))
def test_rest_channel_refuses_malformed_bodies_without_crashing(world, body):
    answer = post_raw(f"{world.servers.rasa_url}/webhooks/rest/webhook", body)
    assert answer.status_code in (200, 400, 413), answer.text[:300]
    if answer.status_code == 200:
        assert isinstance(body, dict) and isinstance(body.get("message"), str) and answer.json()


# --- the web chat channel --------------------------------------------------------------------------------


@FUZZ
@given(text=hostile_text(), language=st.one_of(st.none(), st.sampled_from(["en", "ar", "nl"]), json_values()))
def test_webchat_answers_hostile_text_clearly_and_keeps_it(world, texts, text, language):
    user = WebUser(world.servers)
    answer = say(user, text, **({"language": language} if language is not None else {}))
    assert answer.status_code == 200, answer.text[:300]
    messages = answer.json()["messages"]
    assert messages, "a message got no answer at all"
    texts.check_clear(messages)
    kept = text[:WEBCHAT_LIMIT].strip()
    if kept and not kept.startswith("/"):  # a "/..." text is a button payload; the history leaves those out
        history = user.history()["messages"]
        assert [m["text"] for m in history if m["from"] == "user"][-1] == kept  # stored as data, unchanged


@FUZZ
@given(body=st.one_of(json_values(), st.sampled_from(MALFORMED_RAW), st.fixed_dictionaries(
    {"session": st.one_of(st.just("VALID"), json_values())},
    optional={"message": json_values(), "language": json_values()})))
def test_webchat_refuses_malformed_bodies_without_crashing(world, body):
    user = WebUser(world.servers)
    if isinstance(body, dict) and body.get("session") == "VALID":
        body = {**body, "session": user.session}
    answer = post_raw(f"{webchat(world)}/webhook", body)
    assert answer.status_code in (200, 400, 403, 413), answer.text[:300]
    if answer.status_code == 200:
        assert answer.json()["messages"]


@FUZZ
@given(after=st.one_of(hostile_text(20), st.sampled_from(["nan", "inf", "-inf", "1e999", "-1e999", "0x10", ""])))
def test_webchat_history_takes_any_after(world, after):
    user = WebUser(world.servers)
    assert say(user, "Hallo").status_code == 200
    answer = requests.get(f"{webchat(world)}/history", params={"session": user.session, "after": after},
                          timeout=30)
    if answer.status_code in (413, 414):  # an address too long for the server: refused, fine
        return
    assert answer.status_code == 200 and isinstance(answer.json()["messages"], list)


@pytest.fixture(scope="module")
def two_sessions(world):
    owner, other = WebUser(world.servers), WebUser(world.servers)
    assert say(owner, "My secret question about my PIP").status_code == 200
    return owner, other


def forgeries(owner_token: str, other_token: str) -> st.SearchStrategy[str]:
    """Tokens are "<session id>.<expiry>.<signature>" (bot/channels/webchat.py): every part swapped, cut,
    stretched or retyped, and the expiry pushed back under the old signature."""
    session, expires, signature = owner_token.split(".")
    other_session, other_expires, other_signature = other_token.split(".")
    later = str(int(expires) + 3600)
    flips = st.tuples(st.integers(0, len(owner_token) - 1), st.characters(codec="utf-8")).map(
        lambda ic: owner_token[:ic[0]] + ic[1] + owner_token[ic[0] + 1:])
    return st.one_of(
        flips,
        st.sampled_from([
            f"{session}.{expires}.{other_signature}", f"{other_session}.{expires}.{signature}",
            f"{session}.{other_expires}.{other_signature}", f"{session}.{later}.{signature}",
            f"{session}.{signature}", f"{session}.{expires}", session, signature, f"{session}.{expires}.",
            f".{expires}.{signature}", f"{session}..{signature}", f"{session}.{expires}.{signature}.{signature}",
            f"{session}.{expires}.{signature.upper()}", f"{session}.{expires}.{signature[:-1]}",
            f"{session}.{expires}.{signature}0", f"{session} .{expires}.{signature}",
            f"{session}.{expires}.{'0' * 32}", f"{session}\u200b.{expires}.{signature}",
            f"{session}.-{expires}.{signature}", f"{session}.0{expires}.{signature}",
            f"{session}.{expires} .{signature}", f"{session}.{'٠' * len(expires)}.{signature}",
            owner_token.replace(".", "\u2024"), f"{session}' OR '1'='1.{expires}.{signature}",
            f"{session}.{expires}.{signature}' --", "../" + owner_token,
        ]),
        hostile_text(60),
        st.tuples(st.integers(1, len(owner_token) - 1)).map(lambda i: owner_token[:i[0]]),
    ).filter(lambda token: token not in (owner_token, other_token))


@FUZZ
@given(data=st.data())
def test_forged_session_tokens_get_403_never_a_history(world, two_sessions, data):
    owner, other = two_sessions
    token = data.draw(forgeries(owner.session, other.session))
    history = requests.get(f"{webchat(world)}/history", params={"session": token}, timeout=30)
    assert history.status_code in (403, 413, 414), history.text[:300]  # 413/414: an address too long
    assert "My secret question" not in history.text
    sent = post_raw(f"{webchat(world)}/webhook", {"session": token, "message": "what did I ask before?"})
    assert sent.status_code == 403, sent.text[:300]


NON_ASCII = ["é", "\u00ff" * 32, "\u0080", "sha256=" + "é" * 64]
# Secrets are compared with hmac.compare_digest, which raises on non-ASCII text: every comparison with what
# a client sent must answer "no" (403), never 500.


def test_non_ascii_session_tokens_are_refused_not_crashed(world):
    for value in NON_ASCII:
        for token in (value, f"{value}.{value}", f"abc.{value}"):
            history = requests.get(f"{webchat(world)}/history", params={"session": token}, timeout=30)
            assert history.status_code == 403, (token, history.status_code)
            sent = post_raw(f"{webchat(world)}/webhook", {"session": token, "message": "hi"})
            assert sent.status_code == 403, (token, sent.status_code)


def whatsapp_signature(world: World, value: str) -> int:
    body = whatsapp_test.payload(whatsapp_test.new_sender(), {"type": "text", "text": {"body": "hallo"}})
    return requests.post(f"{world.servers.rasa_url}/webhooks/whatsapp/webhook", timeout=30,
                         data=json.dumps(body).encode(),
                         headers={"Content-Type": "application/json",
                                  "X-Hub-Signature-256": value.encode("utf-8").decode("latin-1")}).status_code


def whatsapp_verify_token(world: World, value: str) -> int:
    return requests.get(f"{world.servers.rasa_url}/webhooks/whatsapp/webhook", timeout=30,
                        params={"hub.mode": "subscribe", "hub.verify_token": value, "hub.challenge": "1"}).status_code


def console_login_csrf(world: World, value: str) -> int:
    stranger = requests.Session()
    stranger.get(f"{world.servers.web_url}/console/login", timeout=30)
    return stranger.post(f"{world.servers.web_url}/console/login", timeout=30,
                         data={"username": "coco", "password": "guess", "csrf": value}).status_code


def console_form_csrf(world: World, value: str) -> int:
    coco = ConsoleClient(world.servers, "coco")
    return coco.http.post(f"{world.servers.web_url}/console/logout", data={"csrf": value}, timeout=30).status_code


@pytest.mark.parametrize("surface", [whatsapp_signature, whatsapp_verify_token, console_login_csrf,
                                     console_form_csrf], ids=lambda f: f.__name__)
def test_non_ascii_secrets_are_refused_not_crashed(world, surface):
    assert {value: surface(world, value) for value in NON_ASCII} == {value: 403 for value in NON_ASCII}


# --- Telegram --------------------------------------------------------------------------------------------


@FUZZ
@given(text=hostile_text(), language=st.sampled_from(["nl", "en", "ar", "xx", ""]))
@example(text="45 m²", language="nl")
def test_telegram_answers_hostile_text(world, text, language):
    chat = telegram_test.new_chat()
    answer = telegram_test.post(world.servers, telegram_test.text_update(chat, text[:CHAT_APP_LIMIT], language))
    assert answer.status_code == 200, answer.text[:300]
    sent = telegram_messages(world, chat)
    assert sent and all(m["text"] for m in sent), "a Telegram message got no answer"


TELEGRAM_PATHS = [(), ("message",), ("message", "text"), ("message", "chat"), ("message", "chat", "id"),
                  ("message", "chat", "type"), ("message", "from"), ("message", "from", "id"),
                  ("message", "from", "language_code"), ("message", "date"), ("message", "message_id"),
                  ("update_id",), ("callback_query",), ("edited_message",), ("message", "entities"),
                  ("message", "photo")]


def telegram_post(world: World, body: Any) -> requests.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return requests.post(f"{world.servers.rasa_url}/webhooks/telegram/webhook", data=raw, timeout=60,
                         headers={"Content-Type": "application/json",
                                  "X-Telegram-Bot-Api-Secret-Token": telegram_test.SECRET})


@FUZZ
@given(path=st.sampled_from(TELEGRAM_PATHS), value=json_values())
@example(path=("message",), value="hi")
@example(path=("message", "text"), value=5)
@example(path=(), value=[])
def test_telegram_refuses_malformed_updates_without_crashing(world, path, value):
    update = set_path(telegram_test.text_update(telegram_test.new_chat(), "hallo"), path, value)
    answer = telegram_post(world, update)
    assert answer.status_code in (200, 400), (path, repr(value)[:300], answer.text[:200])


def test_telegram_refuses_malformed_raw_bodies_without_crashing(world):
    for raw in MALFORMED_RAW:
        answer = telegram_post(world, raw)
        assert answer.status_code in (200, 400, 413), (raw[:40], answer.text[:200])


# --- WhatsApp --------------------------------------------------------------------------------------------


@FUZZ
@given(text=hostile_text())
@example(text="45 m²")
def test_whatsapp_answers_hostile_text(world, text):
    sender = whatsapp_test.new_sender()
    body = whatsapp_test.payload(sender, {"type": "text", "text": {"body": text[:CHAT_APP_LIMIT]}})
    answer = whatsapp_test.post(world.servers, body)
    assert answer.status_code == 200, answer.text[:300]
    assert whatsapp_test.to(world.graph, sender), "a WhatsApp message got no answer"


_MESSAGE = ("entry", 0, "changes", 0, "value", "messages", 0)
WHATSAPP_PATHS = [(), ("entry",), ("entry", 0), ("entry", 0, "changes"), ("entry", 0, "changes", 0),
                  ("entry", 0, "changes", 0, "value"), ("entry", 0, "changes", 0, "value", "messages"), _MESSAGE,
                  _MESSAGE + ("text",), _MESSAGE + ("text", "body"), _MESSAGE + ("type",), _MESSAGE + ("from",),
                  _MESSAGE + ("id",), ("entry", 0, "changes", 0, "value", "statuses")]


def signed_post(world: World, body: Any) -> requests.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    signature = "sha256=" + hmac.new(whatsapp_test.APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    return requests.post(f"{world.servers.rasa_url}/webhooks/whatsapp/webhook", data=raw, timeout=60,
                         headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature})


@FUZZ
@given(path=st.sampled_from(WHATSAPP_PATHS), value=json_values())
@example(path=("entry",), value=[1])
@example(path=_MESSAGE + ("text",), value="hi")
@example(path=_MESSAGE + ("text", "body"), value=5)
def test_whatsapp_refuses_malformed_webhooks_without_crashing(world, path, value):
    base = whatsapp_test.payload(whatsapp_test.new_sender(), {"type": "text", "text": {"body": "hallo"}})
    answer = signed_post(world, set_path(base, path, value))
    assert answer.status_code in (200, 400), (path, repr(value)[:300], answer.text[:200])


def test_whatsapp_refuses_malformed_raw_bodies_without_crashing(world):
    for raw in MALFORMED_RAW:
        answer = signed_post(world, raw)
        assert answer.status_code in (200, 400, 413), (raw[:40], answer.text[:200])


# --- every form, through the web chat channel ------------------------------------------------------------

FORMS = {
    # form name: what starts it (the buttons' payloads), the slots it asks in that order
    "case_lookup_form": ["/check_case_status"],
    "callback_form": ["/request_callback"],
    "complaint_form": ["/file_complaint", '/choose{"complaint_kind":"treatment"}',
                       '/choose{"complaint_body":"municipality"}'],
    "complaint_form:decision": ["/file_complaint", '/choose{"complaint_kind":"decision"}'],
    "complaint_form:story": ["/file_complaint", '/choose{"complaint_kind":"treatment"}',
                             '/choose{"complaint_body":"municipality"}', '/choose{"complaint_theme":"information"}'],
    "complaint_status_form": ["/check_complaint_status"],
}
REJECTIONS = ("_invalid", "utter_choose_a_button", "utter_complaint_text_too_long")


def form_name(key: str) -> str:
    return key.split(":")[0]


def asks(names: Set[str], form: str) -> bool:
    return any(n.startswith(f"utter_ask_{form}_") or (form == "complaint_form" and n == "utter_complaint_summary")
               for n in names)


class FormUsers:
    """One web chat user per form, started again whenever a hostile answer ended the form."""

    def __init__(self, world: World, texts: CatalogueTexts) -> None:
        self.world, self.texts, self.users = world, texts, {}

    def user(self, key: str) -> WebUser:
        if key not in self.users:
            user = WebUser(self.world.servers)
            for payload in FORMS[key]:
                answer = say(user, payload)
                assert answer.status_code == 200, answer.text[:300]
            assert asks(set().union(*self.texts.check_clear(answer.json()["messages"])), form_name(key))
            self.users[key] = user
        return self.users[key]

    def answer(self, key: str, text: str) -> List[Set[str]]:
        answer = say(self.user(key), text)
        assert answer.status_code == 200, answer.text[:300]
        messages = answer.json()["messages"]
        assert messages, "a form answer got no reply at all"
        names = self.texts.check_clear(messages)
        rejected = any(n.endswith(REJECTIONS) or n in REJECTIONS for found in names for n in found)
        if rejected:  # the reason, then the question again
            assert asks(names[-1], form_name(key)), f"rejected, but not asked again: {names}"
        if not asks(names[-1], form_name(key)):
            del self.users[key]  # the form ended (stop, a person, done): start afresh next time
        return names


@pytest.fixture(scope="module")
def form_users(world, texts):
    return FormUsers(world, texts)


@FUZZ
@given(key=st.sampled_from(sorted(FORMS)), text=hostile_text())
def test_every_form_answers_hostile_answers_clearly(form_users, key, text):
    form_users.answer(key, text)


PURE_INJECTION = SQL[:4] + HTML_JS[:4] + TEMPLATES[:4] + ["😡😡😡", "\u202e\u2066\u200f", "\u200b\u200c\u200d\ufeff"]


@pytest.mark.parametrize("key", ["case_lookup_form", "callback_form", "complaint_form", "complaint_form:decision",
                                 "complaint_status_form"])
def test_pure_injection_is_refused_with_the_question_again(form_users, key):
    for text in PURE_INJECTION:
        if key in ("case_lookup_form", "complaint_status_form") and re.search(r"INB-|KL-", text):
            continue  # holds a real-looking case number or reference
        names = form_users.answer(key, text)
        assert len(names) >= 2 and any(n.endswith(REJECTIONS) or n in REJECTIONS for n in names[0]), (text, names)


STORIES = [
    'They sent me the wrong letter about my PIP, twice. <script>alert(1)</script> "><img src=x onerror=alert(1)>',
    "Ik kreeg twee keer een verkeerde brief '; DROP TABLE complaints; --",
    "<script>alert(1)</script> they sent the wrong letter",
]


@pytest.mark.parametrize("story", STORIES)
def test_a_story_with_markup_in_it_is_taken_as_the_story(world, texts, story):
    user = WebUser(world.servers)
    for payload in FORMS["complaint_form:story"]:
        say(user, payload)
    answer = say(user, story)
    assert answer.status_code == 200
    names = texts.check_clear(answer.json()["messages"])
    assert names == [{"utter_ask_complaint_form_complaint_when"}], names


@pytest.mark.parametrize("text", PAYLOADS + ["/start", "/stop", "/help@wegwijs_bot", "/action_listen",
                                             "/EXTERNAL_retry_handoff"])
def test_typed_commands_get_a_clear_answer(world, texts, text):
    user = WebUser(world.servers)
    answer = say(user, text)
    assert answer.status_code == 200, answer.text[:300]
    assert answer.json()["messages"], f"{text!r} got no answer"
    texts.check_clear(answer.json()["messages"])


# --- the console and the widget ----------------------------------------------------------------------------

RAW_MARKUP = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg/onload=alert(1)>",
              "</textarea><script>", "<iframe src=//evil.example>", 'href="javascript:']
ESCAPED_MARKUP = "&lt;script&gt;alert(1)&lt;/script&gt;"
HOSTILE_LINES = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "<svg/onload=alert(1)>",
                 "'; DROP TABLE handoffs; --", "{{7*7}} ${x} %s {what}", "\u202eevil\u202c \u2066x\u2069",
                 "zero\u200bwidth\ufeff", "👨\u200d👩\u200d👧\u200d👦 🏳️\u200d🌈",
                 "</textarea><script>alert(1)</script>",
                 "<iframe src=//evil.example>", '<a href="javascript:alert(1)">x</a>']
HOSTILE_REPLY = ("Hello <script>alert(1)</script> \"><img src=x onerror=alert(1)> '; DROP TABLE staff_messages; -- "
                 "{{7*7}} ${x} %s {answer} \u202eevil\u202c zero\u200bwidth 👨\u200d👩\u200d👧\u200d👦")
HOSTILE_NOTE = "=HYPERLINK(\"http://evil.example\",\"x\") <script>alert(1)</script> '; DROP TABLE answer_feedback; --"
HOSTILE_ANSWER = "We are sorry <svg/onload=alert(1)> \"><img src=x onerror=alert(1)> {reference} %s \u202eevil"
STORY_WHAT = STORIES[0]
STORY_WHEN = "early October 2026"
STORY_WISH = "A correct letter and an apology \u202e'; DROP TABLE complaints; --"


def file_complaint(user: WebUser, what: str, when: str, wish: str) -> tuple:
    for text in FORMS["complaint_form:story"] + [what, when, wish, '/choose{"complaint_contact":"chat"}']:
        answer = say(user, text)
        assert answer.status_code == 200, answer.text[:300]
    summary = answer.json()["messages"][0]["text"]
    assert what in summary and wish in summary, summary
    filed = say(user, '/choose{"complaint_review":"send"}').json()["messages"][0]["text"]
    reference = re.search(r"KL-\d{4}-[2-9A-HJ-NP-Z]{6}", filed).group(0)
    code = re.search(r"\b\d{6}\b", filed.replace(reference, "")).group(0)
    return reference, code


def database(world: World) -> sqlite3.Connection:
    return sqlite3.connect(world.servers.directory / "wegwijs.db")


def test_the_console_shows_hostile_text_escaped_and_the_widget_gets_it_as_data(world, texts):
    servers = world.servers
    # A newcomer asks for a person and writes hostile lines; another files a complaint with a hostile story.
    newcomer = WebUser(servers)
    assert say(newcomer, "I want to talk to a real person please").status_code == 200
    for line in HOSTILE_LINES:
        answer = say(newcomer, line)
        assert answer.status_code == 200, answer.text[:300]
    with database(world) as db:
        handoff_id = db.execute("SELECT id FROM handoffs WHERE sender_id = ?", (sender_of(newcomer),)).fetchone()[0]
    complainant = WebUser(servers)
    reference, _ = file_complaint(complainant, STORY_WHAT, STORY_WHEN, STORY_WISH)
    with database(world) as db:
        complaint_id, stored_what = db.execute("SELECT id, what FROM complaints WHERE reference = ?",
                                               (reference,)).fetchone()
    assert stored_what == STORY_WHAT  # stored as data, as written (escaping is the page's job)

    # Staff take the handoff and reply, mark an answer wrong, and answer the complaint, all with hostile text.
    coco = ConsoleClient(servers, "coco")
    assert coco.post(f"/handoffs/{handoff_id}/take").status_code == 200
    replied = coco.post(f"/handoffs/{handoff_id}/reply", text=HOSTILE_REPLY)
    assert replied.status_code == 200 and "Not delivered" not in replied.text
    conversation = coco.get("/conversation", sender=sender_of(newcomer))
    timestamp = re.search(r'name="timestamp" value="([^"]+)"', conversation).group(1)
    noted = coco.post("/feedback", sender=sender_of(newcomer), timestamp=timestamp, note=HOSTILE_NOTE)
    assert noted.status_code == 200 and "Noted for the content editors." in noted.text
    changed = coco.post(f"/complaints/{complaint_id}/status", status="answered", answer=HOSTILE_ANSWER)
    assert changed.status_code == 200 and "the newcomer has been told" in changed.text

    # Every console page (and the fragments the console script puts in with innerHTML) escapes it.
    pages = {
        "queue": coco.get("/queue", view="all"),
        "queue rows": coco.get("/queue", view="all", fragment="1"),
        "handoff": coco.get(f"/handoffs/{handoff_id}"),
        "handoff fragment": coco.get(f"/handoffs/{handoff_id}", fragment="1"),
        "conversations": coco.get("/conversations"),
        "conversation": coco.get("/conversation", sender=sender_of(newcomer)),
        "complainant's conversation": coco.get("/conversation", sender=sender_of(complainant)),
        "complaints": coco.get("/complaints"),
        "complaint": coco.get(f"/complaints/{complaint_id}"),
        "themes": coco.get("/complaints/themes"),
        "stats": coco.get("/stats"),
    }
    for name, html in pages.items():
        for markup in RAW_MARKUP:
            assert markup not in html, f"{markup!r} unescaped in the console's {name} page"
    for name in ("handoff", "handoff fragment", "conversation", "complaint"):
        assert ESCAPED_MARKUP in pages[name], f"the hostile text is not shown (escaped) in the {name} page"
    assert "&lt;svg/onload=alert(1)&gt;" in pages["complaint"]  # the public answer, escaped

    # The notes' CSV neutralises a formula at the start of a cell.
    export = coco.http.get(f"{servers.web_url}/console/feedback.csv", timeout=30)
    assert export.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.text)))
    assert rows[-1][-1] == "'" + HOSTILE_NOTE

    # The widget gets everything as data (JSON) and renders message text as text, never as HTML.
    history = requests.get(f"{webchat(world)}/history", params={"session": newcomer.session}, timeout=30)
    assert history.headers["Content-Type"].startswith("application/json")
    lines = history.json()["messages"]
    user_texts = [m["text"] for m in lines if m["from"] == "user"]
    for line in HOSTILE_LINES:
        assert line.strip() in user_texts
    assert [m["text"] for m in lines if m["from"] == "staff"] == [HOSTILE_REPLY]
    told = [m["text"] for m in complainant.history()["messages"][-2:]]
    assert any(HOSTILE_ANSWER in t for t in told), told
    script = requests.get(f"{servers.web_url}/widget/wegwijs-widget.js", timeout=30).text
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in script, f"the widget uses {sink}"
    assert "document.createTextNode(message.text)" in script


# --- leaks -------------------------------------------------------------------------------------------------

SECRET_STORY = "Secret of person A: the officer in room 7 lost my papers, twice. <script>alert(1)</script>"
LEAKY = {"utter_complaint_status", "utter_complaint_answer", "utter_complaint_update", "utter_complaint_filed"}


@pytest.fixture(scope="module")
def complaint_of_a(world):
    person_a = WebUser(world.servers)
    reference, code = file_complaint(person_a, SECRET_STORY, STORY_WHEN, "An apology from the officer")
    # What only A wrote or was told: their own lines, and the answers naming their complaint.
    a_texts = [m["text"] for m in person_a.history()["messages"]
               if m["from"] == "user" or reference in m["text"] or SECRET_STORY in m["text"]]
    assert SECRET_STORY in a_texts
    return person_a, reference, code, a_texts


def attacks(reference: str) -> st.SearchStrategy[str]:
    year, letters = reference[3:7], reference[8:]
    known = [
        reference, f"status of complaint {reference}", f"how is my complaint going? {reference}",
        f"{reference}' OR 1=1 --", f"' OR reference='{reference}' --", f"{reference}\" OR \"\"=\"",
        f"KL-{year}-%", f"KL-{year}-{letters[:3]}%", "KL-%-%", reference.lower(), f"{reference}\u200b",
        f"\u202e{reference}", f"KL {year} {letters}", f"<script>fetch('/history?{reference}')</script>",
        f'/check_complaint_status{{"complaint_reference":"{reference}"}}',
        f'/check_complaint_status{{"complaint_reference":"{reference}","complaint_code":"\' OR 1=1 --"}}',
        '/choose{"complaint_code":"\' OR 1=1 --"}', "' OR '1'='1", "%", "*", "000000", "123456",
        f"{reference} 000000", "{reference}", "{code}", "%s", "{{code}}",
        '/check_case_status{"verified_case":"INB-100001"}', "show me all complaints", "/restart",
    ]
    return st.one_of(st.sampled_from(known), hostile_text().map(lambda t: f"{t} {reference}"), hostile_text())


@FUZZ
@given(data=st.data())
def test_another_person_never_sees_a_complaint_or_a_conversation(world, texts, complaint_of_a, data):
    person_a, reference, code, a_texts = complaint_of_a
    person_b = WebUser(world.servers)
    for _ in range(3):  # a few tries in one conversation, as an attacker would
        text = data.draw(attacks(reference))
        if code in text:
            continue
        answer = say(person_b, text)
        assert answer.status_code == 200, answer.text[:300]
        for message in answer.json()["messages"]:
            assert code not in message["text"] and "room 7" not in message["text"], message["text"]
            names = texts.names(message["text"])
            assert not (names & LEAKY and reference in message["text"]), (text, message["text"])
    history = person_b.history()["messages"]
    for line in history:
        assert code not in line["text"] and "room 7" not in line["text"]
        assert line["from"] != "staff"
    assert not {line["text"] for line in history} & set(a_texts)  # none of A's lines, nor the bot's to A


def test_the_rest_channel_cannot_speak_for_a_telegram_user(world, texts):
    """A Telegram user's conversation is theirs: a REST caller who names their chat id as the sender must
    not get their complaint's status without the code (nor anything else of theirs)."""
    chat = telegram_test.new_chat()
    for text in ["I want to file a complaint about the municipality", '/choose{"complaint_kind":"treatment"}',
                 '/choose{"complaint_body":"municipality"}', '/choose{"complaint_theme":"information"}',
                 "The letter about my PIP was wrong twice.", STORY_WHEN, "A correct letter",
                 '/choose{"complaint_contact":"chat"}', '/choose{"complaint_review":"send"}']:
        assert telegram_test.post(world.servers, telegram_test.text_update(chat, text, "en")).status_code == 200
    filed = telegram_messages(world, chat)[-1]["text"]
    reference = re.search(r"KL-\d{4}-[2-9A-HJ-NP-Z]{6}", filed).group(0)
    answer = requests.post(f"{world.servers.rasa_url}/webhooks/rest/webhook", timeout=60,
                           json={"sender": str(chat), "message": f"what is the status of my complaint {reference}"})
    assert answer.status_code in (200, 403)
    for reply in answer.json() if answer.status_code == 200 else []:
        assert "utter_complaint_status" not in texts.names(reply.get("text", "")), reply
