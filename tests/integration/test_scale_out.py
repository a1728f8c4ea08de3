"""The scale-out set-up (deploy/README.md) really runs: two Rasa servers and two action servers behind nginx,
the web app, PostgreSQL (conversations and the app database) and Redis (Rasa's lock store), all started on
loopback by bot/devservers/scaled.py.

- Messages of one sender fired at the same moment at both Rasa servers are handled one at a time: the
  shared tracker holds every user message exactly once, each followed by its own answers.
- nginx's public port passes the web chat, Telegram and WhatsApp, the console and the widget, and neither the
  REST channel (its caller picks the conversation id) nor anything of Rasa's HTTP API.
- With a Rasa server and an action server down, nginx sends everything to the others.

Needs nginx (Debian's package) and Redis on 127.0.0.1:6379: skipped without them locally; `.ci/run`
installs and starts both and sets WEGWIJS_REQUIRE_NGINX=1 and WEGWIJS_REQUIRE_REDIS=1.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest

from bot.devservers.databases import postgres_database
from bot.devservers.scaled import REDIS_HOST, REDIS_PORT, ScaledServers, nginx_path, redis_client
from tests.support import telegram as telegram_app
from tests.support import whatsapp as whatsapp_app
from tests.support.fake_apis import FakeGraph, FakeTelegram

pytestmark = pytest.mark.slow

QUESTION = "How long do I have to integrate?"


# --- helpers --------------------------------------------------------------------------------------


def http(method: str, url: str, body: Optional[dict] = None, timeout: float = 120) -> Tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            status, raw = answer.status, answer.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


def say(base_url: str, sender: str, text: str) -> Tuple[int, Any]:
    """Over the REST channel: from this machine (the Rasa servers, or nginx's internal listener) only."""
    return http("POST", f"{base_url}/webhooks/rest/webhook", {"sender": sender, "message": text})


class WebChat:
    """A newcomer in the widget's channel, the public way in."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        status, answer = http("POST", f"{base_url}/webhooks/webchat/session", {})
        assert status == 200, answer
        self.session = answer["session"]
        self.sender = "web-" + self.session.split(".")[0]

    def say(self, text: str) -> Tuple[int, Any]:
        status, answer = http("POST", f"{self.base_url}/webhooks/webchat/webhook",
                              {"session": self.session, "message": text})
        return status, answer.get("messages") if isinstance(answer, dict) else answer


def tracker_events(servers: ScaledServers, base_url: str, sender: str) -> List[Dict[str, Any]]:
    query = urllib.parse.urlencode({"token": servers.rasa_token, "include_events": "ALL"})
    status, tracker = http("GET", f"{base_url}/conversations/{urllib.parse.quote(sender)}/tracker?{query}")
    assert status == 200, tracker
    return tracker["events"]


def said(events: Sequence[Dict[str, Any]]) -> List[str]:
    """The user's messages as the conversation keeps them: a rewind (UserUtteranceReverted, e.g. when a typed
    answer is replayed as a button press) takes back the message before it."""
    texts: List[str] = []
    for event in events:
        if event["event"] == "user":
            texts.append(event.get("text"))
        elif event["event"] == "rewind" and texts:
            texts.pop()
    return texts


def fire_at_once(urls: Sequence[str], sender: str, texts: Sequence[str]) -> List[Tuple[int, Any]]:
    """Posts texts[i] to urls[i % len(urls)], all threads released at the same moment."""
    results: List[Optional[Tuple[int, Any]]] = [None] * len(texts)
    start = threading.Barrier(len(texts))

    def send(i: int) -> None:
        start.wait()
        try:
            results[i] = say(urls[i % len(urls)], sender, texts[i])
        except Exception as error:  # a timeout or a dropped connection is a failure, reported below
            results[i] = (0, repr(error))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return [r if r is not None else (0, "no answer") for r in results]


def turns(events: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The conversation as turns: each user message with the events after it, up to the next one."""
    result: List[Dict[str, Any]] = []
    for event in events:
        if event["event"] == "user":
            result.append({"text": event.get("text"), "events": []})
        elif result:
            result[-1]["events"].append(event)
    return result


def serialisation_problems(events: Sequence[Dict[str, Any]], texts: Sequence[str],
                           answers: Dict[str, List[str]]) -> List[str]:
    """What is wrong with the tracker of messages that must have been handled one at a time (empty: fine).

    Each text exactly once as a user message; after each, that message's own answers (the texts its HTTP
    request got back, in order) and the end of its turn (action_listen) before the next user message; one
    session start; no event twice.
    """
    problems = []
    counts = Counter(e.get("text") for e in events if e["event"] == "user")
    for text in texts:
        if counts[text] != 1:
            problems.append(f"user message {text!r} stored {counts[text]} times")
    for text in set(counts) - set(texts):
        problems.append(f"unexpected user message {text!r}")
    for turn in turns(events):
        bot_texts = [e.get("text") for e in turn["events"] if e["event"] == "bot"]
        if turn["text"] in answers and bot_texts != answers[turn["text"]]:
            problems.append(f"after {turn['text']!r} came {bot_texts!r}, its request got {answers[turn['text']]!r}")
        actions = [e.get("name") for e in turn["events"] if e["event"] == "action"]
        if not actions or actions[-1] != "action_listen":
            problems.append(f"the turn of {turn['text']!r} did not end with action_listen: {actions!r}")
    session_starts = [e for e in events if e["event"] == "action" and e.get("name") == "action_session_start"]
    if len(session_starts) != 1:
        problems.append(f"{len(session_starts)} session starts")
    keys = Counter(json.dumps(e, sort_keys=True) for e in events)
    problems += [f"event stored twice: {k[:120]}" for k, n in keys.items() if n > 1]
    stamps = [e["timestamp"] for e in events]
    if stamps != sorted(stamps):
        problems.append("events are not in time order")
    return problems


# --- the files in deploy/ (no servers needed) -----------------------------------------------------


def test_deploy_files_are_valid_and_keep_the_api_closed(tmp_path):
    import yaml

    from deploy.scaleout import DEPLOY, ENDPOINTS, NginxSettings, nginx_command, write_nginx_config

    documents = {path.relative_to(DEPLOY).as_posix(): [d for d in yaml.safe_load_all(path.read_text()) if d]
                 for path in DEPLOY.rglob("*.y*ml")}
    assert {"endpoints.yml", "kubernetes/rasa-values.yaml", "kubernetes/wegwijs.yaml"} <= set(documents)

    endpoints = yaml.safe_load(ENDPOINTS.read_text())
    assert endpoints["tracker_store"]["type"] == "bot.rasa_components.tracker_store.UrlSQLTrackerStore"
    assert endpoints["lock_store"]["url"] == "${WEGWIJS_REDIS_HOST}"

    values = documents["kubernetes/rasa-values.yaml"][0]
    assert values["replicaCount"] >= 2
    args = values["args"]
    assert "--enable-api" in args and "--auth-token=$(WEGWIJS_RASA_TOKEN)" in args
    assert values["applicationSettings"]["endpoints"]["lockStore"]["type"] == endpoints["lock_store"]["type"]
    token_env = next(e for e in values["extraEnv"] if e["name"] == "WEGWIJS_RASA_TOKEN")
    assert "secretKeyRef" in token_env["valueFrom"]

    manifests = documents["kubernetes/wegwijs.yaml"]
    kinds = Counter(m["kind"] for m in manifests)
    assert kinds["Deployment"] == 2 and kinds["CronJob"] == 1 and kinds["Ingress"] >= 1
    cron = next(m for m in manifests if m["kind"] == "CronJob")
    container = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert container["command"][-3:] == ["bot", "retention", "run"]
    public = {(p["path"], p["backend"]["service"]["name"]) for m in manifests if m["kind"] == "Ingress"
              for rule in m["spec"]["rules"] for p in rule["http"]["paths"]}
    for path, service in public:
        assert path in ("/", "/console", "/console/login", "/widget", "/widget/demo") or path.startswith("/webhooks/")
        assert not path.startswith("/webhooks/rest")  # trusted callers only: not on the Ingress
        if service == "wegwijs-rasa":
            assert path in ("/", "/widget/demo") or path.startswith("/webhooks/")
    # The action servers: only Rasa's pods reach them, and they check the token Rasa sends.
    actions = next(m for m in manifests if m["kind"] == "Deployment" and m["metadata"]["name"] == "wegwijs-actions")
    assert actions["spec"]["template"]["spec"]["containers"][0]["command"][:3] == ["python", "-m", "actions.server"]
    policy = next(m for m in manifests if m["kind"] == "NetworkPolicy")
    assert policy["spec"]["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "wegwijs-actions"}
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    [rule] = policy["spec"]["ingress"]
    assert rule["from"] == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "rasa",
                                                             "app.kubernetes.io/instance": "wegwijs-rasa"}}}]
    for endpoint in (endpoints["action_endpoint"],
                     values["applicationSettings"]["endpoints"]["additionalEndpoints"]["action_endpoint"]):
        assert endpoint["headers"] == {"X-Wegwijs-Action-Token": "${WEGWIJS_ACTION_SERVER_TOKEN}"}
    assert values["rasa-action-server"]["external"]["enabled"] is False  # the chart's endpoint has no headers
    token_env = next(e for e in values["extraEnv"] if e["name"] == "WEGWIJS_ACTION_SERVER_TOKEN")
    assert "secretKeyRef" in token_env["valueFrom"]

    nginx = nginx_path()
    if nginx is None:
        pytest.skip("no nginx to check the generated configuration with")
    settings = NginxSettings(rasa=["127.0.0.1:5011", "127.0.0.1:5012"], actions=["127.0.0.1:5061"],
                             web=["127.0.0.1:5056"], worker_processes="1")
    write_nginx_config(tmp_path, settings)
    checked = subprocess.run(nginx_command(nginx, tmp_path) + ["-t", "-q"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


# --- the lock store on its own (Redis only) -------------------------------------------------------

LOCK_HOLDER = r"""
import asyncio, json, sys, time
from bot.rasa_components.lock_store import AtomicRedisLockStore
name, host, port, db = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
store = AtomicRedisLockStore(host=host, port=port, db=db, key_prefix="locktest")
held = []
async def hold(i):
    try:
        async with store.lock("one-sender"):
            start = time.time(); await asyncio.sleep(0.02); held.append([name, i, start, time.time(), None])
    except Exception as error:
        held.append([name, i, None, None, type(error).__name__])
async def main():
    await asyncio.gather(*(hold(i) for i in range(8)))
print("ready", flush=True)
sys.stdin.readline()
asyncio.run(main())
print(json.dumps(held), flush=True)
"""


def test_the_lock_store_lets_one_process_at_a_time_hold_a_conversation():
    """Two processes, eight waiting coroutines each, one conversation: never two holders at once."""
    from bot.devservers import ROOT
    from bot.devservers.scaled import REDIS_DB

    redis = redis_client()
    try:
        redis.ping()
    except Exception as error:  # redis.ConnectionError and friends
        _require("Redis", "WEGWIJS_REQUIRE_REDIS", f"{REDIS_HOST}:{REDIS_PORT} does not answer: {error}")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for _round in range(3):
        holders = [
            subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, name, REDIS_HOST, str(REDIS_PORT), str(REDIS_DB)],
                             cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            for name in ("A", "B")
        ]
        try:
            for holder in holders:
                assert holder.stdout.readline().strip() == "ready"
            for holder in holders:  # both start at the same moment
                holder.stdin.write("go\n")
                holder.stdin.flush()
            held = [row for holder in holders for row in json.loads(holder.communicate(timeout=60)[0])]
        finally:
            for holder in holders:
                if holder.poll() is None:
                    holder.kill()
                    holder.wait()
        assert [row for row in held if row[4]] == []
        spans = sorted((row[2], row[3]) for row in held)
        assert len(spans) == 16
        assert all(later[0] >= earlier[1] for earlier, later in zip(spans, spans[1:])), spans
    assert redis.keys("locktest:*") == []  # nothing left behind
    redis.close()


# --- the set-up -----------------------------------------------------------------------------------


def _require(what: str, variable: str, reason: str) -> None:
    if os.environ.get(variable) == "1":
        pytest.fail(f"{what} is required here ({variable}=1): {reason}")
    pytest.skip(f"{what} not available: {reason}")


@pytest.fixture(scope="module")
def scaled(tmp_path_factory, model_path):
    if nginx_path() is None:
        _require("nginx", "WEGWIJS_REQUIRE_NGINX", "no /usr/sbin/nginx (apt-get install nginx)")
    redis = redis_client()
    try:
        redis.ping()
    except Exception as error:  # redis.ConnectionError and friends
        _require("Redis", "WEGWIJS_REQUIRE_REDIS", f"{REDIS_HOST}:{REDIS_PORT} does not answer: {error}")
    redis.flushdb()  # our own db number only
    telegram = FakeTelegram(telegram_app.TOKEN).start()
    graph = FakeGraph(whatsapp_app.TOKEN, whatsapp_app.PHONE_ID).start()
    with postgres_database() as url:
        servers = ScaledServers(tmp_path_factory.mktemp("scaled"), database_url=url, tracker_store_url=url,
                                extra_env=whatsapp_app.chat_app_settings(telegram, graph))
        servers.telegram, servers.graph = telegram, graph  # type: ignore[attr-defined]
        servers.start()
        try:
            yield servers
        finally:
            servers.stop()
            telegram.stop()
            graph.stop()
            redis.flushdb()
            redis.close()


# --- tests ----------------------------------------------------------------------------------------


def test_one_senders_messages_at_both_servers_are_handled_one_at_a_time(scaled):
    sender = f"scale-{uuid.uuid4().hex[:10]}"
    texts = [f"{QUESTION} {i}" for i in range(1, 13)]
    results = fire_at_once(scaled.rasa_urls, sender, texts)  # odd ones at Rasa 1, even ones at Rasa 2

    failed = [(texts[i], r) for i, r in enumerate(results) if r[0] != 200 or not r[1]]
    assert not failed, f"{failed}\n{scaled.log('rasa1')[-3000:]}\n{scaled.log('rasa2')[-3000:]}"
    answers = {texts[i]: [m.get("text") for m in r[1]] for i, r in enumerate(results)}

    for url in scaled.rasa_urls:  # both servers read the same conversation from PostgreSQL
        events = tracker_events(scaled, url, sender)
        assert serialisation_problems(events, texts, answers) == []

    # The lock store leaves nothing behind once the messages are done.
    assert redis_client().keys("*lock:*") == []


def test_a_redelivery_to_the_other_server_is_answered_once(scaled):
    """Telegram and WhatsApp deliver at least once; the same update at both Rasa servers gets one answer."""
    import time

    import requests

    first, second = scaled.rasa_urls
    chat_id = 700000 + uuid.uuid4().int % 100000
    update = telegram_app.text_update(chat_id, QUESTION, language="en")
    number = whatsapp_app.new_sender()
    body = whatsapp_app.payload(number, {"type": "text", "text": {"body": QUESTION}})

    def to_telegram_chat():
        return [m for m in scaled.telegram.sent() if int(m["chat_id"]) == chat_id]

    def deliver(rasa_url):
        telegram = requests.post(f"{rasa_url}/webhooks/telegram/webhook", json=update, timeout=60,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": telegram_app.SECRET})
        whatsapp = whatsapp_app.post(type("Rasa", (), {"rasa_url": rasa_url})(), body)
        assert (telegram.status_code, whatsapp.status_code) == (200, 200), (telegram.text, whatsapp.text)

    deliver(first)
    answers = (len(to_telegram_chat()), len(whatsapp_app.to(scaled.graph, number)))
    assert min(answers) >= 1, answers
    deliver(second)  # the redelivery, to the other server
    time.sleep(2)  # a second answer, if any, would have been sent by now
    assert (len(to_telegram_chat()), len(whatsapp_app.to(scaled.graph, number))) == answers
    # The ids are in the shared memory (Redis, as configured here), not only in each server's own.
    assert redis_client().keys("*seen:telegram:*") and redis_client().keys("*seen:whatsapp:*")


def test_the_user_rows_in_postgresql_match(scaled):
    """The events table itself (not only Rasa's view of it): a conversation's user messages, each once."""
    import sqlalchemy as sa

    sender = f"scale-db-{uuid.uuid4().hex[:8]}"
    texts = [f"{QUESTION} db{i}" for i in range(1, 7)]
    results = fire_at_once(scaled.rasa_urls, sender, texts)
    assert all(status == 200 for status, _ in results), results
    engine = sa.create_engine(scaled.tracker_store_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT data FROM events WHERE sender_id = :sender AND type_name = 'user' ORDER BY id"),
                {"sender": sender},
            ).all()
    finally:
        engine.dispose()
    stored = Counter(json.loads(row[0]).get("text") for row in rows)
    assert stored == Counter(texts)


def test_the_public_port_passes_channels_console_and_widget_only(scaled):
    public = scaled.public_url
    user = WebChat(public)
    sender = user.sender
    for text in ("Hello", QUESTION, "What does the exam cost?"):
        status, replies = user.say(text)
        assert status == 200 and replies and replies[0].get("text"), (status, replies)

    status, hello = http("GET", f"{public}/")
    assert status == 200 and "Rasa" in str(hello)
    assert http("GET", f"{public}/webhooks/webchat/")[0] == 200
    assert http("GET", f"{public}/webhooks/telegram/")[0] == 200
    # The REST channel lets its caller pick any conversation id: not public, not even for a made-up one.
    for method, path in (("GET", "/webhooks/rest/"), ("POST", "/webhooks/rest/webhook"), ("GET", "/webhooks/rest")):
        status, _ = http(method, f"{public}{path}", {"sender": sender, "message": "hi"} if method == "POST" else None)
        assert status == 404, (method, path, status)
    # From this machine (nginx's internal listener) it still works, for trusted callers.
    assert say(scaled.rasa_api_url, f"internal-{uuid.uuid4().hex[:8]}", "Hello")[0] == 200
    assert http("GET", f"{public}/console/login")[0] == 200
    assert http("GET", f"{public}/widget/wegwijs-widget.js")[0] == 200
    assert http("GET", f"{public}/widget/texts/en")[0] == 200

    # Rasa's HTTP API is not public, not even with the right token; nor are /nlg, the health pages,
    # the action servers or the widget's demo page (it names the internal Rasa address).
    token = urllib.parse.quote(scaled.rasa_token)
    closed = [
        ("GET", f"/conversations/{sender}/tracker?token={token}"),
        ("POST", f"/conversations/{sender}/tracker/events?token={token}"),
        ("POST", f"/conversations/{sender}/execute?token={token}"),
        ("GET", f"/status?token={token}"),
        ("GET", "/version"),
        ("PUT", f"/model?token={token}"),
        ("POST", f"/model/parse?token={token}"),
        ("POST", "/nlg"),
        ("GET", "/health"),
        ("POST", "/webhook"),
        ("GET", "/actions"),
        ("GET", "/widget/demo"),
    ]
    for method, path in closed:
        status, _ = http(method, f"{public}{path}", {} if method != "GET" else None)
        assert status in (403, 404), (method, path, status)

    # nginx's access log keeps no query strings (tokens travel there).
    access_log = (scaled.nginx_dir / "access.log").read_text()
    assert "/conversations/" in access_log and scaled.rasa_token not in access_log and "token=" not in access_log

    # The internal Rasa API listener (the console's way in) does answer, with the token.
    events = tracker_events(scaled, scaled.rasa_api_url, sender)
    assert said(events) == ["Hello", QUESTION, "What does the exam cost?"]


def test_nginx_leaves_out_a_server_that_is_down(scaled):
    scaled.stop_one("rasa2")
    scaled.stop_one("actions2")
    user = WebChat(scaled.public_url)
    for text in ("Hello", QUESTION, "1", "What does the exam cost?", "Thank you"):
        status, replies = user.say(text)
        assert status == 200 and replies, (text, status, replies)
    events = tracker_events(scaled, scaled.rasa_api_url, user.sender)
    assert len(said(events)) == 5
    # The law-specific answer is a custom action: the remaining action server ran it.
    assert any(e["event"] == "action" and e.get("name") == "action_answer_by_law" for e in events)


def test_rate_limits(scaled):  # last: it uses up this address's allowance
    public = scaled.public_url
    # Console logins: 10 per minute per address, a burst of 5; GETs of the login page do not count.
    assert all(http("GET", f"{public}/console/login")[0] == 200 for _ in range(8))
    statuses = [http("POST", f"{public}/console/login", {})[0] for _ in range(10)]
    assert 429 in statuses and statuses[0] != 429, statuses
    # The channels (here the web chat's): 10 per second per address, a burst of 20; 60 requests at once.
    statuses: List[int] = []
    start = threading.Barrier(60)

    def knock() -> None:
        start.wait()
        statuses.append(http("GET", f"{public}/webhooks/webchat/")[0])

    threads = [threading.Thread(target=knock) for _ in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # At most the burst and the one in hand pass (fewer when earlier tests' requests still count).
    assert 1 <= statuses.count(200) <= 21 and statuses.count(429) >= 39, Counter(statuses)
    assert set(statuses) <= {200, 429}, Counter(statuses)
