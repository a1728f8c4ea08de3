"""The action server: rasa_sdk's own app and arguments, refusing every call without the shared token.

    python -m actions.server --port 5055 --logging-config_file logging.yml

Rasa sends the token in the header X-Wegwijs-Action-Token (endpoints.yml: the action endpoint's `headers`,
from WEGWIJS_ACTION_SERVER_TOKEN). Without it any process that reaches the port could post a tracker with
`verified_case` set and read that case. `GET /health` stays open, for health checks. The server does not
start without a token (`make run` and the test servers make one; production sets it).
"""
from __future__ import annotations

import logging
import os
import sys
from typing import Optional, Sequence

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_app, create_argument_parser, create_ssl_context
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.config import Settings, SettingsError
from bot.security import same_secret

logger = logging.getLogger(__name__)

TOKEN_HEADER = "X-Wegwijs-Action-Token"
OPEN_PATHS = frozenset({"/health"})
REFUSED = {"error": f"this action server answers Rasa only: {TOKEN_HEADER} is missing or wrong"}


def guarded_app(token: str, actions: str = "actions", cors_origins: Optional[Sequence[str]] = None) -> Sanic:
    """rasa_sdk's app (its /webhook, /actions, /health) with a check of the token before every request."""
    if not token:
        raise ValueError("the action server needs a token (WEGWIJS_ACTION_SERVER_TOKEN)")
    app = create_app(actions, cors_origins=list(cors_origins) if cors_origins else None)

    @app.middleware("request")
    async def require_token(request: Request) -> Optional[HTTPResponse]:
        if request.path in OPEN_PATHS or same_secret(request.headers.get(TOKEN_HEADER), token):
            return None
        logger.warning("Action server call refused: no or a wrong %s", TOKEN_HEADER)
        return response.json(REFUSED, status=401)

    return app


def main(argv: Optional[Sequence[str]] = None) -> int:
    """`python -m rasa_sdk`'s start-up (same arguments), with the guarded app."""
    args = create_argument_parser().parse_args(argv)
    logging.getLogger("matplotlib").setLevel(logging.WARN)
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), args.log_file, args.loglevel,
                                 args.logging_config_file)
    utils.update_sanic_log_level()
    try:
        token = Settings.from_env().action_server_token
    except SettingsError as error:
        logger.error("Not starting the action server: %s", error)
        return 2
    if not token:
        logger.error("Not starting the action server: set WEGWIJS_ACTION_SERVER_TOKEN (`make run` makes one in "
                     "var/action-server-token); Rasa sends it (endpoints.yml)")
        return 2
    app = guarded_app(token, args.actions or "actions", args.cors)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    ssl_context = create_ssl_context(args.ssl_certificate, args.ssl_keyfile, args.ssl_password)
    host = os.environ.get("SANIC_HOST", "0.0.0.0")
    logger.info("Action server (token required) on %s:%s", host, args.port)
    app.run(host, args.port, ssl=ssl_context, workers=utils.number_of_sanic_workers())
    return 0


if __name__ == "__main__":
    sys.exit(main())
