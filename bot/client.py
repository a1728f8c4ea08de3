"""A small client for the running assistant: `python -m bot ask` and `python -m bot chat`.

Talks to Rasa's REST channel, and reads what was understood from Rasa's HTTP API (on loopback).
"""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Dict, List, Optional


class AssistantUnavailable(RuntimeError):
    """The Rasa server did not answer."""


def _request(url: str, body: Optional[Dict[str, Any]] = None, timeout: float = 30.0) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read() or b"null")
    except (urllib.error.URLError, OSError) as error:
        raise AssistantUnavailable(
            f"no answer from the assistant at {url} ({error}). Start it first with `make run`."
        ) from None


def send(rasa_url: str, sender: str, text: str, metadata: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
    """Send one message over the REST channel; returns the bot's messages."""
    body: Dict[str, Any] = {"sender": sender, "message": text}
    if metadata:
        body["metadata"] = metadata
    return _request(f"{rasa_url}/webhooks/rest/webhook", body) or []


def ask(rasa_url: str, text: str, sender: Optional[str] = None, token: str = "") -> Dict[str, Any]:
    """Send one message and report the detected language, the intent, its confidence and the reply.

    What the assistant understood comes from Rasa's HTTP API, which needs its token.
    """
    sender = sender or f"cli-{uuid.uuid4().hex[:12]}"
    replies = send(rasa_url, sender, text)
    query = urllib.parse.urlencode({"include_events": "NONE", **({"token": token} if token else {})})
    tracker = _request(f"{rasa_url}/conversations/{sender}/tracker?{query}")
    latest = (tracker or {}).get("latest_message") or {}
    intent = latest.get("intent") or {}
    return {
        "sender": sender,
        "language": (latest.get("language") or {}).get("code"),
        "reply_language": (tracker or {}).get("slots", {}).get("language")
        or (tracker or {}).get("slots", {}).get("language_guess"),
        "intent": intent.get("name"),
        "confidence": intent.get("confidence"),
        "reply": replies,
    }


def chat(rasa_url: str) -> int:
    """An interactive terminal chat; buttons are numbered, type the number to press one."""
    sender = f"terminal-{uuid.uuid4().hex[:12]}"
    buttons: List[Dict[str, str]] = []
    print("Chat with Wegwijs (Ctrl-D or /exit to stop).")
    while True:
        try:
            text = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if text in ("/exit", "/quit"):
            return 0
        if text.isdecimal() and 0 < int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        if not text:
            continue
        try:
            replies = send(rasa_url, sender, text)
        except AssistantUnavailable as error:
            print(f"error: {error}")
            return 2
        buttons = []
        for reply in replies:
            if reply.get("text"):
                print(f"bot> {reply['text']}")
            for button in reply.get("buttons") or []:
                buttons.append(button)
                print(f"     [{len(buttons)}] {button['title']}")
