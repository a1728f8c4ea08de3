"""Every console route in one table, and the blueprint that serves them (mounted at /console by bot/web.py).

A staff route needs a logged-in staff member, on a POST the session's CSRF token (bot.console.auth.admit),
and its permission (bot/authorization.py); all are checked here, before the handler runs. What the handler
then reads or changes is checked item by item by the same policy; a refusal anywhere answers 403 and is
audited. The two public routes are the login form and the login.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Awaitable, Callable, Dict, Iterable, Optional, Tuple

from sanic import Blueprint, response
from sanic.request import Request

from bot import authorization
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
    permission: Optional[str] = None  # bot/authorization.py PERMISSIONS; every staff route names one
    staff: bool = True  # False: open to anyone (the login)

    @property
    def name(self) -> str:
        return self.handler.__name__


ROUTES: Tuple[Route, ...] = (
    Route("GET", "/login", auth.login_form, staff=False),
    Route("POST", "/login", auth.login, staff=False),
    Route("POST", "/logout", auth.logout, "any_staff"),
    Route("GET", "/", handoffs.home, "any_staff"),
    Route("GET", "/queue", handoffs.queue_page, "handoffs"),
    Route("GET", "/handoffs/<handoff_id:int>", handoffs.handoff_page, "handoffs"),
    Route("POST", "/handoffs/<handoff_id:int>/take", handoffs.take, "handoffs"),
    Route("POST", "/handoffs/<handoff_id:int>/reply", handoffs.reply, "handoffs"),
    Route("POST", "/handoffs/<handoff_id:int>/send-again", handoffs.send_again, "handoffs"),
    Route("POST", "/handoffs/<handoff_id:int>/hand-back", handoffs.hand_back, "handoffs"),
    Route("POST", "/handoffs/<handoff_id:int>/close", handoffs.close, "handoffs"),
    Route("POST", "/handoffs/<handoff_id:int>/reassign", handoffs.reassign, "reassign"),
    Route("GET", "/conversations", review.conversations, "conversations"),
    Route("GET", "/conversation", review.conversation, "conversations"),
    Route("POST", "/feedback", review.feedback, "conversations"),
    Route("GET", "/feedback.csv", review.feedback_csv, "notes_export"),
    Route("POST", "/conversation/erase", review.erase_conversation, "erase"),
    Route("GET", "/complaints", complaints.complaints_page, "complaints"),
    Route("GET", "/complaints/<complaint_id:int>", complaints.complaint_page, "complaints"),
    Route("POST", "/complaints/<complaint_id:int>/status", complaints.complaint_status, "complaints"),
    Route("POST", "/complaints/<complaint_id:int>/tell-again", complaints.complaint_tell_again, "complaints"),
    Route("POST", "/complaints/<complaint_id:int>/theme", complaints.complaint_theme, "complaints"),
    Route("GET", "/complaints/themes", complaints.themes, "complaints"),
    Route("GET", "/complaints/themes.csv", complaints.themes_csv, "complaints"),
    Route("GET", "/stats", numbers.stats, "numbers"),
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
    """The route's handler as Sanic calls it: the console first, and staff routes only for staff with the
    route's permission; a refusal (here or in the handler) answers 403 and is audited."""

    async def handle(request: Request, **parameters: object) -> response.HTTPResponse:
        if not route.staff:
            return await route.handler(console, request, **parameters)
        refused = auth.admit(console, request)
        if refused is not None:
            return refused
        try:
            authorization.require(request.ctx.staff, route.permission)
            return await route.handler(console, request, **parameters)
        except authorization.Refused as refusal:
            return console.refused(request, route.name, refusal)

    handle.__name__ = route.name
    return handle


def create_console(settings: Settings) -> Blueprint:
    """The console blueprint: every route of ROUTES, and the static files."""
    unnamed = [route.name for route in ROUTES if route.staff and route.permission not in authorization.PERMISSIONS]
    if unnamed:
        raise ValueError(f"staff routes without a known permission: {unnamed}")
    console = Console.for_settings(settings, all_notices())
    blueprint = Blueprint("console", url_prefix="/console")
    blueprint.static("/static", str(STATIC_DIR), name="static")
    for route in ROUTES:
        blueprint.add_route(serve(console, route), route.path, methods=[route.method], name=route.name)
    return blueprint
