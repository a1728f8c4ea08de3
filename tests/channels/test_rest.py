"""The REST channel is for trusted callers only (issue 16): from this machine without a key, from anywhere
else with an integration key, and then in conversations of that integration's own ("rest-<name>-<id>");
never as another channel's user or a pseudo-sender of retention."""
from types import SimpleNamespace

import pytest
import requests

from bot.channels.rest import INTEGRATION_KEY_HEADER, LoudRestInput, from_this_machine
from bot.limits import ChannelLimits
from tests.channels.conftest import OTHER_KEY, PARTNER_KEY

OUTSIDE = "203.0.113.9"


def request(ip="127.0.0.1", client="", key=None):
    headers = {INTEGRATION_KEY_HEADER: key} if key is not None else {}
    return SimpleNamespace(ip=ip, remote_addr=client, headers=headers)


@pytest.fixture
def rest():
    return LoudRestInput(ChannelLimits(10, 10), (("partner", PARTNER_KEY), ("other", OTHER_KEY)))


def test_this_machine_means_the_connection_and_the_client_it_speaks_for():
    assert from_this_machine(request()) and from_this_machine(request(ip="::1", client="127.0.0.1"))
    assert not from_this_machine(request(client=OUTSIDE))  # a proxy on this machine, for a client elsewhere
    assert not from_this_machine(request(ip="10.1.2.3"))  # e.g. a Kubernetes Ingress controller
    assert not from_this_machine(request(ip="not an address"))


def test_from_this_machine_no_key_is_needed_but_reserved_ids_are_refused(rest):
    assert rest.conversation_id(request(), "me") == ("me", None)
    assert rest.conversation_id(request(), "rest-partner-42") == ("rest-partner-42", None)  # trusted: any REST id
    for reserved in ("anonymised", "erased:0123abcd", "tg-123", "web-abc", "wa-316", ""):
        conversation, refusal = rest.conversation_id(request(), reserved)
        assert conversation is None and refusal.status == 400, reserved


def test_from_elsewhere_a_key_is_needed_and_names_the_conversation(rest):
    assert rest.conversation_id(request(client=OUTSIDE), "42")[1].status == 401
    assert rest.conversation_id(request(client=OUTSIDE, key="wrong"), "42")[1].status == 401
    assert rest.conversation_id(request(client=OUTSIDE, key=PARTNER_KEY), "42") == ("rest-partner-42", None)
    assert rest.conversation_id(request(client=OUTSIDE, key=OTHER_KEY), "42") == ("rest-other-42", None)
    assert rest.conversation_id(request(key=PARTNER_KEY), "42") == ("rest-partner-42", None)  # also from here
    assert rest.conversation_id(request(client=OUTSIDE, key=PARTNER_KEY), "anonymised")[1].status == 400
    assert LoudRestInput(ChannelLimits(10, 10)).conversation_id(request(client=OUTSIDE, key=""), "42")[1].status == 401


# --- over HTTP, against the real servers behind a (played) proxy ------------------------------------------


def say(servers, sender, text, client=None, key=None):
    headers = {"X-Real-IP": client} if client else {}
    if key is not None:
        headers[INTEGRATION_KEY_HEADER] = key
    return requests.post(f"{servers.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                         headers=headers, timeout=60)


def user_texts(servers, conversation):
    tracker = requests.get(f"{servers.rasa_url}/conversations/{conversation}/tracker",
                           params={"token": servers.rasa_token}, timeout=30).json()
    return [e["text"] for e in tracker["events"] if e["event"] == "user"]


@pytest.mark.slow
def test_over_http_integrations_need_their_key_and_get_conversations_of_their_own(proxied):
    sender = "case-77"
    assert say(proxied, sender, "Hallo", client=OUTSIDE).status_code == 401
    assert say(proxied, sender, "Hallo", client=OUTSIDE, key="x" * 40).status_code == 401
    answer = say(proxied, sender, "Hallo, goedemorgen!", client=OUTSIDE, key=PARTNER_KEY)
    assert answer.status_code == 200 and answer.json()
    assert {m["recipient_id"] for m in answer.json()} == {sender}  # the caller's own id comes back
    assert say(proxied, sender, "Hello", client=OUTSIDE, key=OTHER_KEY).status_code == 200
    assert user_texts(proxied, f"rest-partner-{sender}") == ["Hallo, goedemorgen!"]
    assert user_texts(proxied, f"rest-other-{sender}") == ["Hello"]
    assert user_texts(proxied, sender) == []
    # From elsewhere, an integration cannot speak for another one, nor for a local or a pseudo-sender.
    assert say(proxied, f"partner-{sender}", "Hallo", client=OUTSIDE, key=OTHER_KEY).status_code == 200
    assert user_texts(proxied, f"rest-partner-{sender}") == ["Hallo, goedemorgen!"]
    for reserved in ("anonymised", "erased:0123456789abcdef"):
        assert say(proxied, reserved, "/delete_my_data", client=OUTSIDE, key=PARTNER_KEY).status_code == 400
        assert say(proxied, reserved, "/delete_my_data").status_code == 400
    assert say(proxied, "a-local-tool", "Hallo").status_code == 200  # make run, the CLI, the tests
    assert "Traceback" not in proxied.log("rasa")
