"""The web chat channel's session tokens (issue 16): signed with a key of the installation's own, never a
public one; they expire; new sessions are limited per address. Unit tests, then the real servers over HTTP."""
import asyncio
import hashlib
import hmac
import json
from types import SimpleNamespace

import pytest
import requests

from bot.channels.webchat import WebChatInput
from bot.limits import ChannelLimits
from bot.security import PUBLIC_KEYS

KEY = "an-installations-own-key-of-32-characters-or-more"


def channel(clock, key=KEY, hours=12, per_hour=60):
    return WebChatInput(key, ChannelLimits(100, 100), hours * 3600, per_hour, clock=lambda: clock[0])


def test_a_token_carries_its_expiry_and_is_refused_after_it():
    clock = [1_800_000_000.0]
    chat = channel(clock)
    token = chat.new_session()
    session_id, expires, _ = token.split(".")
    assert int(expires) == 1_800_000_000 + 12 * 3600
    assert chat.sender_for(token) == f"web-{session_id}"
    clock[0] += 12 * 3600 - 1
    assert chat.sender_for(token) == f"web-{session_id}"
    clock[0] += 1
    assert chat.sender_for(token) is None  # expired: the next visitor of a shared computer gets nothing


def test_a_forged_expiry_or_an_old_token_without_one_is_refused():
    clock = [1_800_000_000.0]
    chat = channel(clock)
    session_id, expires, signature = chat.new_session().split(".")
    assert chat.sender_for(f"{session_id}.{int(expires) + 10**6}.{signature}") is None
    old = hmac.new(KEY.encode(), f"webchat:{session_id}".encode(), hashlib.sha256).hexdigest()[:32]
    assert chat.sender_for(f"{session_id}.{old}") is None  # the format before expiry: never valid again
    for odd in (None, 7, "", "..", "a.b.c.d", f"{session_id}.١٢٣.{signature}", f"{session_id}.-1.{signature}"):
        assert chat.sender_for(odd) is None


def test_a_public_or_short_key_is_refused():
    (public,) = PUBLIC_KEYS
    for key in (public, "short"):
        with pytest.raises(ValueError):
            channel([0.0], key=key)


def test_new_sessions_are_limited_per_address():
    chat = channel([1_800_000_000.0], per_hour=2)
    blueprint = chat.blueprint(lambda message: None)
    handler = next(route.handler for route in blueprint._future_routes if route.uri == "/session")

    def ask(address):
        answer = asyncio.run(handler(SimpleNamespace(remote_addr=address, ip=address)))
        return answer.status, json.loads(answer.body)

    assert [ask("198.51.100.7")[0] for _ in range(3)] == [200, 200, 429]
    assert ask("198.51.100.8")[0] == 200  # another address is not affected
    status, body = ask("198.51.100.9")
    assert body["expires_in"] == 12 * 3600 and body["session"].count(".") == 2


# --- over HTTP, against the real servers -------------------------------------------------------------


@pytest.mark.slow
def test_the_server_refuses_expired_old_and_publicly_signed_tokens(servers):
    base = f"{servers.rasa_url}/webhooks/webchat"
    (public,) = PUBLIC_KEYS
    past = [1_000_000_000.0]
    expired = channel(past, key=servers.secret_key).new_session()
    session_id = expired.split(".")[0]
    old_format = hmac.new(servers.secret_key.encode(), f"webchat:{session_id}".encode(),
                          hashlib.sha256).hexdigest()[:32]
    # What anyone could sign with the once-public development key, valid for years.
    forged = f"{session_id}.1900000000." + hmac.new(public.encode(), f"webchat:{session_id}:1900000000".encode(),
                                                    hashlib.sha256).hexdigest()[:32]
    for token in (expired, f"{session_id}.{old_format}", forged):
        answer = requests.post(f"{base}/webhook", json={"session": token, "message": "Hallo"}, timeout=30)
        assert answer.status_code == 403 and "expired" in answer.json()["error"]
        assert requests.get(f"{base}/history", params={"session": token}, timeout=30).status_code == 403
    fresh = requests.post(f"{base}/session", timeout=30).json()
    assert fresh["expires_in"] == 12 * 3600
    answer = requests.post(f"{base}/webhook", json={"session": fresh["session"], "message": "Hallo"}, timeout=60)
    assert answer.status_code == 200 and answer.json()["messages"]
