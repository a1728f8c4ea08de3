"""What the console's handlers share: the settings, both databases, Rasa's API, the templates, the notices,
the per-handoff locks and the login rate limit; and how a page is rendered, refused or redirected to."""
from __future__ import annotations

import asyncio
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, Mapping, Optional
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import response
from sanic.request import Request
from sqlalchemy.orm import sessionmaker

from bot import authorization
from bot.audit import audit
from bot.config import Settings
from bot.console.http import SECURITY_HEADERS, Notice, Notices, redirect
from bot.db import make_engine, sessions_for, transaction
from bot.language.detection import SUPPORTED_LANGUAGES
from bot.limits import RateLimiter
from bot.models import Handoff
from bot.rasa_api import RasaApi
from bot.transcripts import Transcripts

BOT_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = BOT_DIR / "templates" / "console"
STATIC_DIR = BOT_DIR / "static" / "console"
# What a refused page says, per bot/authorization.py REASONS.
REFUSALS = {
    "role": "This part of the console is not for your role.",
    "not_yours": "This handoff is not in your queue.",
    "about_you": "A complaint in this conversation may be about you, so a colleague handles it.",
}


def _minutes(value: int) -> str:
    return f"{value // 60} h {value % 60} min" if value >= 60 else f"{value} min"


def templates() -> Environment:
    environment = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=select_autoescape(["html"]))
    environment.filters["minutes"] = _minutes
    environment.filters["quote"] = lambda value: quote(str(value), safe="")
    return environment


class Console:
    def __init__(self, settings: Settings, sessions: sessionmaker, transcripts: Transcripts, rasa: RasaApi,
                 notices: Mapping[str, str]) -> None:
        self.settings = settings
        self.sessions = sessions
        self.transcripts = transcripts
        self.rasa = rasa
        self.templates = templates()
        self.notices = Notices(settings.secret_key, notices)
        self.handoff_locks: Dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.login_attempts = RateLimiter(settings.rate_limit_per_ip)

    @classmethod
    def for_settings(cls, settings: Settings, notices: Mapping[str, str]) -> "Console":
        return cls(settings, sessions=sessions_for(settings.database_url),
                   transcripts=Transcripts(make_engine(settings.tracker_store_url)),
                   rasa=RasaApi(settings.rasa_url, settings.rasa_token), notices=notices)

    @property
    def secure_cookies(self) -> bool:
        return self.settings.environment == "production"

    def render(self, name: str, status: int = 200, **context: Any) -> response.HTTPResponse:
        html = self.templates.get_template(name).render(languages=SUPPORTED_LANGUAGES, **context)
        return response.html(html, status=status, headers=SECURITY_HEADERS)

    def page(self, request: Request, name: str, status: int = 200, **context: Any) -> response.HTTPResponse:
        """A page for the logged-in staff member, with the notice a redirect brought (if the console made it)."""
        notice = self.notices.shown(request.ctx.csrf, request.args)
        staff = request.ctx.staff
        return self.render(name, status=status, staff=staff, csrf=request.ctx.csrf, notice=notice,
                           may=lambda permission: authorization.may(staff, permission), **context)

    def not_found(self, request: Request, message: str) -> response.HTTPResponse:
        return self.page(request, "error.html", status=404, heading="Not found", message=message)

    def refused(self, request: Request, where: str, refusal: authorization.Refused) -> response.HTTPResponse:
        """403 for what the policy does not allow this staff member; the refusal goes to the audit log."""
        with transaction(self.sessions) as session:
            handoff = session.get(Handoff, refusal.handoff_id) if refusal.handoff_id else None
            audit(session, request.ctx.staff, "refused", handoff, sender_id=refusal.sender_id,
                  detail=f"{where}: {refusal.reason} ({refusal.what})"[:200])
        return self.page(request, "error.html", status=403, heading="Not allowed",
                         message=REFUSALS[refusal.reason])

    def redirect(self, request: Request, path: str, notice: Optional[Notice] = None,
                 **query: str) -> response.HTTPResponse:
        """To a console page, with one of the fixed notices for the staff member to read there."""
        return redirect(path, **query, **self.notices.query(request.ctx.csrf, notice))
