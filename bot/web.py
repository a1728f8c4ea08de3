"""The Wegwijs web application (Sanic, which Rasa already brings): the NLG endpoint, health checks and
the staff console (bot/console.py)."""
from __future__ import annotations

import itertools
import logging

from sanic import Sanic, response
from sanic.request import Request

from bot.config import Settings
from bot.console import create_console
from bot.nlg import LiveCatalogue, nlg_response

logger = logging.getLogger(__name__)
_app_numbers = itertools.count(1)


def create_app(settings: Settings) -> Sanic:
    """Build the web app; the content catalogue is loaded once and reloaded when its files change."""
    app = Sanic(f"wegwijs_web_{next(_app_numbers)}")
    catalogue = LiveCatalogue(settings.content_dir)

    @app.post("/nlg")
    async def nlg(request: Request) -> response.HTTPResponse:
        body = request.json
        if not isinstance(body, dict):
            return response.json({"error": "expected a JSON object"}, status=400)
        return response.json(nlg_response(body, catalogue.get(), settings.default_language))

    @app.get("/health")
    async def health(request: Request) -> response.HTTPResponse:
        return response.json({"status": "ok", "languages": catalogue.get().languages})

    app.blueprint(create_console(settings))
    return app


def serve(settings: Settings) -> None:
    """Run the web app in the foreground (one worker; Rasa scales out with more processes)."""
    app = create_app(settings)
    app.run(host=settings.web_host, port=settings.web_port, access_log=False, motd=False)
