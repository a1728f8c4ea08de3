"""Every console route in one table, and the blueprint that serves them (mounted at /console by bot/web.py).

A staff route needs a logged-in staff member, and on a POST the session's CSRF token; both are checked here,
before the handler runs (bot.console.auth.admit). The two public routes are the login form and the login.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Awaitable, Callable, Dict, Iterable, Tuple

from sanic import Blueprint, response
from sanic.request import Request

from bot.config import Settings
from bot.console import auth, complaints, handoffs, numbers, review
from bot.console.context import STATIC_DIR, Console

Handler = Callable[..., Awaitable[response.HTTPResponse]]
AREAS = (auth, handoffs, complaints, review, numbers)


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # under /console
    handler: Handler  # handler(console, request, **path parameters)
    staff: bool = True  # False: open to anyone (the login)

    @property
    def name(self) -> str:
        return self.handler.__name__


ROUTES: Tuple[Route, ...] = (
    Route("GET", "/login", auth.login_form, staff=False),
    Route("POST", "/login", auth.login, staff=False),
    Route("POST", "/logout", auth.logout),
    Route("GET", "/", handoffs.home),
    Route("GET", "/queue", handoffs.queue_page),
    Route("GET", "/handoffs/<handoff_id:int>", handoffs.handoff_page),
    Route("POST", "/handoffs/<handoff_id:int>/take", handoffs.take),
    Route("POST", "/handoffs/<handoff_id:int>/reply", handoffs.reply),
    Route("POST", "/handoffs/<handoff_id:int>/send-again", handoffs.send_again),
    Route("POST", "/handoffs/<handoff_id:int>/hand-back", handoffs.hand_back),
    Route("POST", "/handoffs/<handoff_id:int>/close", handoffs.close),
    Route("POST", "/handoffs/<handoff_id:int>/reassign", handoffs.reassign),
    Route("GET", "/conversations", review.conversations),
    Route("GET", "/conversation", review.conversation),
    Route("POST", "/feedback", review.feedback),
    Route("GET", "/feedback.csv", review.feedback_csv),
    Route("POST", "/conversation/erase", review.erase_conversation),
    Route("GET", "/complaints", complaints.complaints_page),
    Route("GET", "/complaints/<complaint_id:int>", complaints.complaint_page),
    Route("POST", "/complaints/<complaint_id:int>/status", complaints.complaint_status),
    Route("POST", "/complaints/<complaint_id:int>/tell-again", complaints.complaint_tell_again),
    Route("POST", "/complaints/<complaint_id:int>/theme", complaints.complaint_theme),
    Route("GET", "/complaints/themes", complaints.themes),
    Route("GET", "/complaints/themes.csv", complaints.themes_csv),
    Route("GET", "/stats", numbers.stats),
)


def all_notices(areas: Iterable = AREAS) -> Dict[str, str]:
    """The fixed notices of every area; a key used twice is a mistake."""
    notices: Dict[str, str] = {}
    for area in areas:
        clash = notices.keys() & area.NOTICES.keys()
        if clash:
            raise ValueError(f"notice keys used twice: {sorted(clash)}")
        notices.update(area.NOTICES)
    return notices


def serve(console: Console, route: Route) -> Handler:
    """The route's handler as Sanic calls it: the console first, and staff routes only for staff."""

    async def handle(request: Request, **parameters: object) -> response.HTTPResponse:
        if route.staff:
            refused = auth.admit(console, request)
            if refused is not None:
                return refused
        return await route.handler(console, request, **parameters)

    handle.__name__ = route.name
    return handle


def create_console(settings: Settings) -> Blueprint:
    """The console blueprint: every route of ROUTES, and the static files."""
    console = Console.for_settings(settings, all_notices())
    blueprint = Blueprint("console", url_prefix="/console")
    blueprint.static("/static", str(STATIC_DIR), name="static")
    for route in ROUTES:
        blueprint.add_route(serve(console, route), route.path, methods=[route.method], name=route.name)
    return blueprint
