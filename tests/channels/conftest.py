"""Real servers as behind a proxy on this machine (SANIC_REAL_IP_HEADER, as in the scale-out set-up), with two
REST integrations, for the channels' HTTP tests."""
import pytest

from bot.devservers import Servers

PARTNER_KEY = "partner-key-" + "p" * 32
OTHER_KEY = "other-key-" + "o" * 32


@pytest.fixture(scope="package")
def proxied(tmp_path_factory, model_path):
    servers = Servers(tmp_path_factory.mktemp("proxied"), extra_env={
        "SANIC_REAL_IP_HEADER": "X-Real-IP",
        "WEGWIJS_REST_INTEGRATION_KEYS": f"partner:{PARTNER_KEY},other:{OTHER_KEY}",
    }).start()
    yield servers
    servers.stop()
