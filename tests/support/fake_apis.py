"""Local servers that play chat apps' APIs (Telegram's Bot API, WhatsApp's Graph API) for the tests."""
from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any, Dict, List, Optional

from aiohttp import web

from bot.devservers import free_port

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Wegwijs", "username": "wegwijs_test_bot"}


class LoopbackApp:
    """An aiohttp app served on a free loopback port from a background thread, recording the calls."""

    def __init__(self) -> None:
        self.port = free_port()
        self.calls: List[Dict[str, Any]] = []
        self._lock = threading.Lock()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._runner: Optional[web.AppRunner] = None

    def add_routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def record(self, method: str, params: Dict[str, Any]) -> None:
        with self._lock:
            self.calls.append({"method": method, "params": params, "at": time.monotonic()})

    def sent(self, method: str) -> List[Dict[str, Any]]:
        with self._lock:
            return [c["params"] for c in self.calls if c["method"] == method]

    def wait_for(self, count: int, method: str, timeout: float = 30) -> List[Dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.sent(method)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"expected {count} {method} calls, got {self.sent(method)}")

    def start(self):
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            app = web.Application()
            self.add_routes(app)
            self._runner = web.AppRunner(app)
            self._loop.run_until_complete(self._runner.setup())
            self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
            ready.set()
            self._loop.run_forever()

        threading.Thread(target=run, daemon=True).start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop and self._runner:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)


class FakeTelegram(LoopbackApp):
    """Plays the Bot API; can answer sendMessage with 429s and serve updates to getUpdates."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.updates: List[Dict[str, Any]] = []
        self.too_many_requests = 0  # answer this many sendMessage calls with 429
        self._message_id = 0

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def sent(self, method: str = "sendMessage") -> List[Dict[str, Any]]:
        return super().sent(method)

    def wait_for(self, count: int, method: str = "sendMessage", timeout: float = 30) -> List[Dict[str, Any]]:
        return super().wait_for(count, method, timeout)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/bot{token}/{method}", self._handle)

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = {k: _maybe_json(v) for k, v in (await request.post()).items()}
        self.record(method, params)
        if method == "getMe":
            return _ok(BOT_USER)
        if method == "sendMessage":
            with self._lock:
                if self.too_many_requests > 0:
                    self.too_many_requests -= 1
                    return web.json_response(
                        {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                         "parameters": {"retry_after": 1}}, status=429)
                self._message_id += 1
                message_id = self._message_id
            return _ok({"message_id": message_id, "date": int(time.time()),
                        "chat": {"id": int(params["chat_id"]), "type": "private"}, "text": params.get("text", "")})
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            with self._lock:
                pending = [u for u in self.updates if u["update_id"] >= offset]
            if not pending:
                await asyncio.sleep(min(float(params.get("timeout") or 0), 0.5))
            return _ok(pending)
        return _ok(True)  # deleteWebhook, answerCallbackQuery, setWebhook ...


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class FakeGraph(LoopbackApp):
    """Plays the WhatsApp Cloud API's message endpoint (POST /<phone number id>/messages)."""

    def __init__(self, token: str, phone_number_id: str) -> None:
        super().__init__()
        self.token = token
        self.phone_number_id = phone_number_id
        # Recipients whose 24-hour customer-service window is closed: free-form messages are refused.
        self.closed_windows: set = set()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v19.0"

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v19.0/{phone_number_id}/messages", self._messages)

    async def _messages(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"error": {"code": 190, "message": "Invalid OAuth access token"}}, status=401)
        if request.match_info["phone_number_id"] != self.phone_number_id:
            return web.json_response({"error": {"code": 100, "message": "Unknown phone number id"}}, status=400)
        body = await request.json()
        if body.get("to") in self.closed_windows:
            return web.json_response({"error": {"code": 131047, "message": "Re-engagement message",
                                                "error_data": {"details": "More than 24 hours have passed"}}},
                                     status=400)
        self.record("messages", body)
        return web.json_response({"messaging_product": "whatsapp", "contacts": [{"wa_id": body["to"]}],
                                  "messages": [{"id": f"wamid.{len(self.calls)}"}]})
