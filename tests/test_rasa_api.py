"""bot/rasa_api.py against a small local server on 127.0.0.1 that plays Rasa's HTTP API: the requests it sends
(paths, bodies, the token), what it returns, and how every failure becomes RasaUnavailable."""
import asyncio
import json
import time
from urllib.parse import unquote

import pytest
from aiohttp import web

from bot.devservers import free_port
from bot.rasa_api import RasaApi, RasaUnavailable
from tests.support.fake_apis import LoopbackApp

TOKEN = "rasa-token-for-tests"


class FakeRasa(LoopbackApp):
    """Records every POST (raw path, query, JSON body); `answers[raw path]` = (status, body) to answer with
    instead of Rasa's usual 200, `delays[raw path]` = seconds to wait first."""

    def __init__(self) -> None:
        super().__init__()
        self.answers = {}
        self.delays = {}

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/{tail:.*}", self._handle)

    async def _handle(self, request: web.Request) -> web.Response:
        path = request.raw_path.split("?")[0]
        self.record("POST", {"path": path, "query": dict(request.query), "body": await request.json()})
        await asyncio.sleep(self.delays.get(path, 0))
        if path in self.answers:
            status, body = self.answers[path]
            return web.Response(status=status, text=body, content_type="application/json")
        if path.endswith("/execute"):
            return web.json_response({"tracker": {"sender_id": "x"}, "messages": [{"text": "hello"}]})
        return web.json_response({"sender_id": "x", "events": []})


@pytest.fixture(scope="module")
def rasa():
    fake = FakeRasa().start()
    yield fake
    fake.stop()


@pytest.fixture
def calls(rasa):
    """What the played Rasa received during the test: [{path, query, body}]."""
    with rasa._lock:
        rasa.calls.clear()
    rasa.answers.clear()
    rasa.delays.clear()
    yield lambda: rasa.sent("POST")
    time.sleep(max(rasa.delays.values(), default=0))  # a delayed answer finishes before the server stops


def api(rasa, token=TOKEN, timeout=30.0):
    return RasaApi(f"http://127.0.0.1:{rasa.port}/", token, timeout=timeout)


def test_pause_and_resume_append_an_event_to_the_conversation(rasa, calls):
    asyncio.run(api(rasa).pause("web-abc"))
    asyncio.run(api(rasa).resume("web-abc"))
    assert calls() == [
        {"path": "/conversations/web-abc/tracker/events", "query": {"token": TOKEN}, "body": [{"event": "pause"}]},
        {"path": "/conversations/web-abc/tracker/events", "query": {"token": TOKEN}, "body": [{"event": "resume"}]},
    ]


def test_an_action_runs_with_its_messages_to_the_latest_channel(rasa, calls):
    answer = asyncio.run(api(rasa).run_action("web-abc", "action_relay_staff_messages"))
    assert answer["messages"] == [{"text": "hello"}]
    assert calls() == [{"path": "/conversations/web-abc/execute",
                        "query": {"output_channel": "latest", "token": TOKEN},
                        "body": {"name": "action_relay_staff_messages"}}]


def test_any_sender_id_stays_one_path_segment(rasa, calls):
    sender = "316 12/34?x=1#y%"
    asyncio.run(api(rasa).append_events(sender, [{"event": "pause"}]))
    _, conversations, segment, *rest = calls()[0]["path"].split("/")
    assert (conversations, rest) == ("conversations", ["tracker", "events"])
    assert unquote(segment) == sender and not set("/?# ") & set(segment)


def test_without_a_token_none_is_sent(rasa, calls):
    asyncio.run(api(rasa, token="").run_action("web-abc", "action_announce_handoff_end"))
    assert calls()[0]["query"] == {"output_channel": "latest"}


def test_rasas_own_error_message_is_passed_on(rasa, calls):
    rasa.answers["/conversations/wa-1/execute"] = (500, json.dumps({"message": "Re-engagement message: 24 hours"}))
    with pytest.raises(RasaUnavailable) as error:
        asyncio.run(api(rasa).run_action("wa-1", "action_relay_staff_messages"))
    assert str(error.value) == "Rasa answered 500: Re-engagement message: 24 hours"


@pytest.mark.parametrize("body, shown", [
    ("not json at all", ""),
    (json.dumps(["a", "list"]), ""),
    (json.dumps({"status": "failure"}), ""),
    (json.dumps({"message": "x" * 1000}), "x" * 300),
])
def test_an_odd_error_answer_still_becomes_rasa_unavailable(rasa, calls, body, shown):
    rasa.answers["/conversations/odd/tracker/events"] = (401, body)
    with pytest.raises(RasaUnavailable) as error:
        asyncio.run(api(rasa).pause("odd"))
    assert str(error.value) == f"Rasa answered 401: {shown}"


def test_rasa_down_becomes_rasa_unavailable():
    down = RasaApi(f"http://127.0.0.1:{free_port()}", TOKEN, timeout=5)
    with pytest.raises(RasaUnavailable, match="ClientConnectorError"):
        asyncio.run(down.pause("web-abc"))


def test_a_slow_rasa_becomes_rasa_unavailable(rasa, calls):
    rasa.delays["/conversations/slow/tracker/events"] = 1
    with pytest.raises(RasaUnavailable):
        asyncio.run(api(rasa, timeout=0.3).pause("slow"))
