"""The Wegwijs web application (Sanic, which Rasa already brings): the NLG endpoint, health checks, the
website widget's script and texts, and the staff console (bot/console/)."""
from __future__ import annotations

import asyncio
import itertools
import logging
from pathlib import Path

import yaml
from sanic import Sanic, response
from sanic.request import Request

from bot.config import PROJECT_ROOT, Settings
from bot.console import create_console
from bot.content.catalogue import widget_texts
from bot.content.nlg import LiveCatalogue, nlg_response
from bot.db import make_engine, sessions_for
from bot.handoff.retries import recover_retries
from bot.language.detection import SUPPORTED_LANGUAGES
from bot.privacy.erasure import erase_requested
from bot.privacy.log_redaction import protect_everything
from bot.rasa_api import RasaApi

WIDGET_DIR = Path(__file__).resolve().parent / "static" / "widget"
ERASER_PERIOD_SECONDS = 3
RETRY_RECOVERY_PERIOD_SECONDS = 60

logger = logging.getLogger(__name__)
_app_numbers = itertools.count(1)


def logging_config() -> dict:
    """Sanic's own loggers, redacted like every other (logging.yml)."""
    return yaml.safe_load((PROJECT_ROOT / "logging.yml").read_text(encoding="utf-8"))


def create_app(settings: Settings) -> Sanic:
    """Build the web app; the content catalogue is loaded once and reloaded when its files change."""
    app = Sanic(f"wegwijs_web_{next(_app_numbers)}", log_config=logging_config())
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

    @app.get("/widget/texts/<language:str>")
    async def widget_labels(request: Request, language: str) -> response.HTTPResponse:
        # Public content, fetched by the widget from the municipality's own site.
        language = language if language in SUPPORTED_LANGUAGES else settings.default_language
        return response.json(widget_texts(catalogue.get(), language), headers={"Access-Control-Allow-Origin": "*"})

    app.static("/widget/wegwijs-widget.js", str(WIDGET_DIR / "wegwijs-widget.js"), name="widget_script",
               content_type="text/javascript; charset=utf-8")

    @app.get("/widget/demo")
    async def widget_demo(request: Request) -> response.HTTPResponse:
        """A page standing in for a municipality's site, to try the widget (`make run` prints its address)."""
        page = (WIDGET_DIR / "demo.html").read_text(encoding="utf-8")
        return response.html(page.replace("RASA_URL", settings.rasa_url))
    app.blueprint(create_console(settings))
    protect_everything()

    @app.listener("after_server_start")
    async def start_background_work(app_: Sanic, _loop: object) -> None:
        loop = asyncio.get_running_loop()
        app_.ctx.background = [loop.create_task(_carry_out_erasure_requests(settings)),
                               loop.create_task(_recover_handoff_retries(settings))]

    @app.listener("before_server_stop")
    async def stop_background_work(app_: Sanic, _loop: object) -> None:
        for task in app_.ctx.background:
            task.cancel()

    return app


async def _recover_handoff_retries(settings: Settings) -> None:
    """Handoff retries a restarted Rasa server forgot run again (bot/handoff/retries.py)."""
    if not settings.rasa_token:
        logger.warning("No WEGWIJS_RASA_TOKEN: handoff retries lost in a Rasa restart are not recovered")
        return
    tracker_engine = make_engine(settings.tracker_store_url)
    rasa = RasaApi(settings.rasa_url, settings.rasa_token)
    while True:
        await asyncio.sleep(RETRY_RECOVERY_PERIOD_SECONDS)
        try:
            await recover_retries(tracker_engine, rasa)
        except Exception:  # noqa: BLE001 - tried again next round
            logger.exception("Handoff retries not looked after this round")


async def _carry_out_erasure_requests(settings: Settings) -> None:
    """Newcomers' "forget me": erases their messages from the tracker store right after their turn."""
    sessions = sessions_for(settings.database_url)
    tracker_engine = make_engine(settings.tracker_store_url)
    while True:
        await asyncio.sleep(ERASER_PERIOD_SECONDS)
        try:
            done = await asyncio.get_running_loop().run_in_executor(None, erase_requested, sessions, tracker_engine)
            if done:
                logger.info("Erased %d conversation(s) on request", done)
        except Exception:  # noqa: BLE001 - tried again next round; `retention run` also carries them out
            logger.exception("Erasure requests not carried out this round")


def serve(settings: Settings) -> None:
    """Run the web app in the foreground (one worker; Rasa scales out with more processes)."""
    app = create_app(settings)
    app.run(host=settings.web_host, port=settings.web_port, access_log=False, motd=False)
