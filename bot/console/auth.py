"""Logging in and out of the console, and who may see a console page (a staff session; on a POST its CSRF
token too; what each role may do is bot/authorization.py). Passwords, the growing wait after failed logins
and sessions are in bot/console/accounts.py."""
from __future__ import annotations

import secrets
from typing import Optional

from sanic import response
from sanic.request import Request

from bot.console.accounts import find_session, log_in, log_out
from bot.console.context import Console
from bot.console.http import (
    COOKIE,
    LOGIN_COOKIE,
    SECURITY_HEADERS,
    csrf_refusal,
    delete_cookie,
    form_token_matches,
    set_cookie,
)
from bot.db import transaction

NOTICES: dict = {}
# The one answer to every failed login: it never tells whether the account exists or must wait.
LOGIN_FAILED = "Wrong username or password. After several wrong tries, wait a little before the next one."
LOGIN_FORM_SECONDS = 3600
SESSION_COOKIE_SECONDS = 36000


def admit(console: Console, request: Request) -> Optional[response.HTTPResponse]:
    """Loads the logged-in staff member into `request.ctx`; the answer for anyone else (or a forged form)."""
    with console.sessions() as session:
        staff_session = find_session(session, request.cookies.get(COOKIE))
        if staff_session is None:
            if request.method == "GET" and not request.args.get("fragment"):
                return response.redirect("/console/login")
            return response.json({"error": "log in again"}, status=401, headers=SECURITY_HEADERS)
        refused = csrf_refusal(request, staff_session.csrf_token)
        if refused is not None:
            return refused
        request.ctx.staff = staff_session.staff
        request.ctx.csrf = staff_session.csrf_token
    return None


def login_page(console: Console, error: Optional[str] = None, status: int = 200) -> response.HTTPResponse:
    nonce = secrets.token_urlsafe(24)
    answer = console.render("login.html", status=status, error=error, csrf=nonce)
    set_cookie(answer, LOGIN_COOKIE, nonce, max_age=LOGIN_FORM_SECONDS, secure=console.secure_cookies)
    return answer


async def login_form(console: Console, request: Request) -> response.HTTPResponse:
    return login_page(console)


async def login(console: Console, request: Request) -> response.HTTPResponse:
    address = request.remote_addr or request.ip
    if not console.login_attempts.allow(address):
        return login_page(console, "Too many login attempts from this address: wait a minute.", status=429)
    if not form_token_matches(request, request.cookies.get(LOGIN_COOKIE)):
        return login_page(console, "The form was out of date; please try again.", status=403)
    token = await log_in(console.sessions, console.settings.secret_key, request.form.get("username") or "",
                         request.form.get("password") or "", address)
    if token is None:
        return login_page(console, LOGIN_FAILED, status=401)
    answer = response.redirect("/console/")
    set_cookie(answer, COOKIE, token, max_age=SESSION_COOKIE_SECONDS, secure=console.secure_cookies)
    delete_cookie(answer, LOGIN_COOKIE)
    return answer


async def logout(console: Console, request: Request) -> response.HTTPResponse:
    with transaction(console.sessions) as session:
        log_out(session, request.ctx.staff, request.cookies.get(COOKIE))
    answer = response.redirect("/console/login")
    delete_cookie(answer, COOKIE)
    return answer
