"""The staff console (Sanic blueprint in the web app): log in, the handoff queue, a handoff page to take,
reply, hand back and close, complaints (status, public answer, themes report), conversation review with
"this answer was wrong" notes, and numbers per day.

Security: Argon2 passwords and a lock-out (bot/staff.py); a server-side session in an HttpOnly,
SameSite=Strict cookie (Secure in production); a CSRF token on every form; a strict Content-Security-Policy
(no inline script); pages escape everything (Jinja2 autoescape). Every staff action goes to the audit log.
Writes to conversations go through Rasa's HTTP API (bot/rasa_api.py); reads come from the tracker store.
"""
from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import secrets
from collections import defaultdict
from functools import wraps
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Blueprint, response
from sanic.request import Request
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot import complaints as complaint_rules
from bot import handoff as handoffs
from bot.cases import find_case, summarise
from bot.channels.common import RateLimiter
from bot.config import Settings
from bot.db import make_engine, sessions_for, transaction
from bot.language import SUPPORTED_LANGUAGES
from bot.models import COMPLAINT_STATUSES, AnswerFeedback, Complaint, Handoff, Staff, StaffMessage, utc_now
from bot.privacy import erase_now
from bot.security import same_secret
from bot.rasa_api import RasaApi, RasaUnavailable
from bot.staff import authenticate, csrf_matches, end_session, find_session, start_session
from bot.transcripts import Transcripts, median_minutes

HERE = Path(__file__).resolve().parent
COOKIE = "wegwijs_console"
LOGIN_COOKIE = "wegwijs_login"
QUEUE_VIEWS = ("waiting", "mine", "all")
STATS_DAYS = 14
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
FEEDBACK_CSV_COLUMNS = ("noted_at", "staff", "language", "response", "answered_at", "answer_text", "note")


class Console:
    """What the console's handlers share: settings, both databases, Rasa's API, templates."""

    def __init__(self, settings: Settings, sessions: sessionmaker, transcripts: Transcripts, rasa: RasaApi) -> None:
        self.settings = settings
        self.sessions = sessions
        self.transcripts = transcripts
        self.rasa = rasa
        self.templates = Environment(
            loader=FileSystemLoader(str(HERE / "templates" / "console")), autoescape=select_autoescape(["html"])
        )
        self.templates.filters["minutes"] = lambda value: f"{value // 60} h {value % 60} min" if value >= 60 else f"{value} min"
        self.templates.filters["quote"] = lambda value: quote(str(value), safe="")
        self.handoff_locks: Dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    def render(self, name: str, status: int = 200, **context: Any) -> response.HTTPResponse:
        html = self.templates.get_template(name).render(languages=SUPPORTED_LANGUAGES, **context)
        return response.html(html, status=status, headers=SECURITY_HEADERS)

    @property
    def secure_cookies(self) -> bool:
        return self.settings.environment == "production"

    def set_cookie(self, answer: response.HTTPResponse, name: str, value: str, max_age: int) -> None:
        answer.cookies[name] = value
        cookie = answer.cookies[name]
        cookie["httponly"] = True
        cookie["samesite"] = "Strict"
        cookie["path"] = "/console"
        cookie["max-age"] = max_age
        if self.secure_cookies:
            cookie["secure"] = True


Handler = Callable[..., Awaitable[response.HTTPResponse]]


def create_console(settings: Settings) -> Blueprint:
    """The console blueprint, mounted at /console by bot.web."""
    console = Console(
        settings,
        sessions=sessions_for(settings.database_url),
        transcripts=Transcripts(make_engine(settings.tracker_store_url)),
        rasa=RasaApi(settings.rasa_url, settings.rasa_token),
    )
    bp = Blueprint("console", url_prefix="/console")
    bp.static("/static", str(HERE / "static" / "console"), name="static")

    def staff_only(handler: Handler) -> Handler:
        """Loads the logged-in staff member; checks the CSRF token on every POST."""

        @wraps(handler)
        async def wrapped(request: Request, *args: Any, **kwargs: Any) -> response.HTTPResponse:
            with console.sessions() as session:
                staff_session = find_session(session, request.cookies.get(COOKIE))
                if staff_session is None:
                    if request.method == "GET" and not request.args.get("fragment"):
                        return response.redirect("/console/login")
                    return response.json({"error": "log in again"}, status=401, headers=SECURITY_HEADERS)
                if request.method == "POST" and not csrf_matches(staff_session, request.form.get("csrf")):
                    return response.text("The form was out of date: go back, reload and try again.",
                                         status=403, headers=SECURITY_HEADERS)
                request.ctx.staff = staff_session.staff
                request.ctx.csrf = staff_session.csrf_token
            return await handler(request, *args, **kwargs)

        return wrapped

    def page(request: Request, name: str, status: int = 200, **context: Any) -> response.HTTPResponse:
        return console.render(name, status=status, staff=request.ctx.staff, csrf=request.ctx.csrf, **context)

    # --- logging in and out ------------------------------------------------------------------------

    def login_page(error: Optional[str] = None, status: int = 200) -> response.HTTPResponse:
        nonce = secrets.token_urlsafe(24)
        answer = console.render("login.html", status=status, error=error, csrf=nonce)
        console.set_cookie(answer, LOGIN_COOKIE, nonce, max_age=3600)
        return answer

    @bp.get("/login")
    async def login_form(request: Request) -> response.HTTPResponse:
        return login_page()

    login_attempts = RateLimiter(settings.rate_limit_per_ip)

    @bp.post("/login")
    async def login(request: Request) -> response.HTTPResponse:
        if not login_attempts.allow(request.remote_addr or request.ip):
            return login_page("Too many login attempts from this address: wait a minute.", status=429)
        expected = request.cookies.get(LOGIN_COOKIE) or ""
        if not expected or not same_secret(request.form.get("csrf"), expected):
            return login_page("The form was out of date; please try again.", status=403)
        username = (request.form.get("username") or "").strip()
        with transaction(console.sessions) as session:
            result = authenticate(session, username, request.form.get("password") or "")
            if result.staff is None:
                known = session.scalars(select(Staff).where(Staff.username == username.lower())).first()
                handoffs.audit(session, known, "login_failed", detail="locked" if result.locked_until else None)
            else:
                token = start_session(session, result.staff)
                handoffs.audit(session, result.staff, "login")
        if result.staff is None:
            if result.locked_until:
                return login_page("Too many failed attempts: this account is locked for 15 minutes.", status=429)
            return login_page("Wrong username or password.", status=401)
        answer = response.redirect("/console/")
        console.set_cookie(answer, COOKIE, token, max_age=36000)
        del answer.cookies[LOGIN_COOKIE]
        return answer

    @bp.post("/logout")
    @staff_only
    async def logout(request: Request) -> response.HTTPResponse:
        with transaction(console.sessions) as session:
            end_session(session, request.cookies.get(COOKIE))
            handoffs.audit(session, request.ctx.staff, "logout")
        answer = response.redirect("/console/login")
        del answer.cookies[COOKIE]
        return answer

    # --- the queue -----------------------------------------------------------------------------------

    @bp.get("/")
    @staff_only
    async def home(request: Request) -> response.HTTPResponse:
        return response.redirect("/console/queue?view=waiting")

    @bp.get("/queue")
    @staff_only
    async def queue_page(request: Request) -> response.HTTPResponse:
        view = request.args.get("view", "waiting")
        view = view if view in QUEUE_VIEWS else "waiting"
        with console.sessions() as session:
            rows = handoffs.queue(session, request.ctx.staff, view)
        activity = console.transcripts.last_user_activity(h.sender_id for h in rows)
        rows = sorted(rows, key=lambda h: max(h.updated_at, activity.get(h.sender_id, h.updated_at)), reverse=True)
        template = "queue_rows.html" if request.args.get("fragment") else "queue.html"
        return page(request, template, view=view, views=QUEUE_VIEWS, handoffs=rows, activity=activity,
                    waiting_minutes=handoffs.waiting_minutes, now=utc_now())

    # --- one handoff ---------------------------------------------------------------------------------

    def handoff_context(session, staff: Staff, handoff_id: int) -> Dict[str, Any]:
        handoff = handoffs.get_handoff(session, staff, handoff_id)
        case = find_case(session, handoff.case_number) if handoff.case_number else None
        lines = console.transcripts.transcript(handoff.sender_id)
        last_user = max((line.at for line in lines if line.kind == "user"), default=None)
        window_closed = handoffs.reply_window_closed(handoff.channel, last_user, utc_now())
        messages = session.scalars(select(StaffMessage).where(StaffMessage.handoff_id == handoff.id)
                                   .order_by(StaffMessage.id)).all()
        colleagues = session.scalars(select(Staff).order_by(Staff.display_name)).all()
        return dict(handoff=handoff, case=summarise(case) if case else None, lines=lines, messages=messages,
                    window_closed=window_closed, colleagues=colleagues, outcomes=handoffs.OUTCOMES,
                    waiting_minutes=handoffs.waiting_minutes(handoff))

    @bp.get("/handoffs/<handoff_id:int>")
    @staff_only
    async def handoff_page(request: Request, handoff_id: int) -> response.HTTPResponse:
        notice = request.args.get("notice")
        with transaction(console.sessions) as session:
            try:
                context = handoff_context(session, request.ctx.staff, handoff_id)
            except handoffs.HandoffError:
                return page(request, "error.html", status=404, message="There is no such handoff for you.")
            if not request.args.get("fragment"):
                handoffs.audit(session, request.ctx.staff, "view_handoff", context["handoff"])
        template = "transcript.html" if request.args.get("fragment") else "handoff.html"
        return page(request, template, notice=notice, **context)

    def back_to(handoff_id: int, notice: Optional[str] = None) -> response.HTTPResponse:
        suffix = f"?notice={quote(notice)}" if notice else ""
        return response.redirect(f"/console/handoffs/{handoff_id}{suffix}")

    async def relay(handoff: Handoff, message_ids: List[int]) -> Optional[str]:
        """Asks Rasa to send the pending replies to the user's channel; an error text when it could not."""
        try:
            await console.rasa.run_action(handoff.sender_id, "action_relay_staff_messages")
            return None
        except RasaUnavailable as error:
            with transaction(console.sessions) as session:
                handoffs.mark_relayed(session, message_ids, error=str(error))
            return f"Not delivered ({error}). The reply is kept; use 'send again'."

    @bp.post("/handoffs/<handoff_id:int>/take")
    @staff_only
    async def take(request: Request, handoff_id: int) -> response.HTTPResponse:
        async with console.handoff_locks[handoff_id]:
            try:
                with transaction(console.sessions) as session:
                    handoff = handoffs.take(session, request.ctx.staff, handoff_id)
                    # The bot falls silent before the take is committed; if Rasa is unreachable, nothing changes.
                    await console.rasa.pause(handoff.sender_id)
            except handoffs.HandoffConflict as conflict:
                return back_to(handoff_id, f"Not taken: {conflict}.")
            except handoffs.HandoffError as error:
                return back_to(handoff_id, f"Not possible: {error}.")
            except RasaUnavailable as error:
                return back_to(handoff_id, f"Not taken: the assistant could not be paused ({error}).")
        return back_to(handoff_id)

    @bp.post("/handoffs/<handoff_id:int>/reply")
    @staff_only
    async def reply(request: Request, handoff_id: int) -> response.HTTPResponse:
        async with console.handoff_locks[handoff_id]:
            try:
                with transaction(console.sessions) as session:
                    message = handoffs.add_staff_message(session, request.ctx.staff, handoff_id,
                                                         request.form.get("text") or "")
                    handoff = session.get(Handoff, handoff_id)
            except handoffs.HandoffError as error:
                return back_to(handoff_id, f"Not sent: {error}.")
            problem = await relay(handoff, [message.id])
        return back_to(handoff_id, problem)

    @bp.post("/handoffs/<handoff_id:int>/send-again")
    @staff_only
    async def send_again(request: Request, handoff_id: int) -> response.HTTPResponse:
        async with console.handoff_locks[handoff_id]:
            with transaction(console.sessions) as session:
                handoff = handoffs.get_handoff(session, request.ctx.staff, handoff_id)
                failed = session.scalars(select(StaffMessage).where(StaffMessage.handoff_id == handoff_id,
                                                                    StaffMessage.status == "failed")).all()
                for message in failed:
                    message.status = "pending"
                handoffs.audit(session, request.ctx.staff, "send_again", handoff)
            problem = await relay(handoff, [m.id for m in failed])
        return back_to(handoff_id, problem)

    async def finish(request: Request, handoff_id: int, move: Callable) -> response.HTTPResponse:
        """Hand back or close: the bot resumes before the change is committed (if Rasa cannot resume,
        nothing changes); then the newcomer is told, in their language, by an action reading the new state."""
        async with console.handoff_locks[handoff_id]:
            try:
                with transaction(console.sessions) as session:
                    handoff = move(session)
                    await console.rasa.resume(handoff.sender_id)
            except handoffs.HandoffError as error:
                return back_to(handoff_id, f"Not possible: {error}.")
            except RasaUnavailable as error:
                return back_to(handoff_id, f"Nothing changed: the assistant could not take over ({error}).")
            try:
                await console.rasa.run_action(handoff.sender_id, "action_announce_handoff_end")
            except RasaUnavailable as error:
                return back_to(handoff_id, f"Done, but the newcomer could not be told ({error}).")
        return response.redirect("/console/queue?view=mine")

    @bp.post("/handoffs/<handoff_id:int>/hand-back")
    @staff_only
    async def hand_back(request: Request, handoff_id: int) -> response.HTTPResponse:
        return await finish(request, handoff_id,
                            lambda session: handoffs.hand_back(session, request.ctx.staff, handoff_id))

    @bp.post("/handoffs/<handoff_id:int>/close")
    @staff_only
    async def close(request: Request, handoff_id: int) -> response.HTTPResponse:
        outcome = request.form.get("outcome") or ""
        return await finish(request, handoff_id,
                            lambda session: handoffs.close(session, request.ctx.staff, handoff_id, outcome))

    @bp.post("/handoffs/<handoff_id:int>/reassign")
    @staff_only
    async def reassign(request: Request, handoff_id: int) -> response.HTTPResponse:
        assignee = request.form.get("assignee") or ""
        try:
            with transaction(console.sessions) as session:
                handoffs.reassign(session, request.ctx.staff, handoff_id, int(assignee) if assignee.isdecimal() else None)
        except handoffs.HandoffError as error:
            return back_to(handoff_id, f"Not reassigned: {error}.")
        return back_to(handoff_id, "Reassigned.")

    # --- conversation review -------------------------------------------------------------------------

    def day(text: Optional[str], default: dt.date) -> dt.date:
        try:
            return dt.date.fromisoformat(text) if text else default
        except ValueError:
            return default

    def choice(text: Optional[str]) -> Optional[bool]:
        return {"yes": True, "no": False}.get(text or "")

    @bp.get("/conversations")
    @staff_only
    async def conversations(request: Request) -> response.HTTPResponse:
        today = utc_now().date()
        since = day(request.args.get("since"), today - dt.timedelta(days=7))
        until = day(request.args.get("until"), today)
        language = request.args.get("language") if request.args.get("language") in SUPPORTED_LANGUAGES else None
        filters = dict(since=since.isoformat(), until=until.isoformat(), language=language or "",
                       fallback=request.args.get("fallback", ""), handoff=request.args.get("handoff", ""))
        with console.sessions() as session:
            senders = set(session.scalars(select(Handoff.sender_id)).all())
        notice = request.args.get("notice")
        rows = console.transcripts.recent_conversations(
            dt.datetime.combine(since, dt.time()), dt.datetime.combine(until + dt.timedelta(days=1), dt.time()),
            language=language, fallback=choice(filters["fallback"]), handoff_senders=senders,
            handoff=choice(filters["handoff"]),
        )
        return page(request, "conversations.html", rows=rows, filters=filters, notice=notice)

    @bp.get("/conversation")
    @staff_only
    async def conversation(request: Request) -> response.HTTPResponse:
        sender_id = request.args.get("sender") or ""
        lines = console.transcripts.transcript(sender_id)
        if not lines:
            return page(request, "error.html", status=404, message="There is no such conversation.")
        with transaction(console.sessions) as session:
            handoffs.audit(session, request.ctx.staff, "view_conversation", sender_id=sender_id)
        return page(request, "conversation.html", sender_id=sender_id, lines=lines, notice=request.args.get("notice"))

    @bp.post("/feedback")
    @staff_only
    async def feedback(request: Request) -> response.HTTPResponse:
        sender_id = request.form.get("sender") or ""
        note = (request.form.get("note") or "").strip()[:2000]
        try:
            timestamp = float(request.form.get("timestamp") or "")
        except ValueError:
            timestamp = -1.0
        line = next((l for l in console.transcripts.transcript(sender_id)
                     if l.kind == "bot" and l.timestamp == timestamp), None)
        target = f"/console/conversation?sender={quote(sender_id, safe='')}"
        if line is None or not note:
            return response.redirect(target + "&notice=" + quote("Write a note for an answer of this conversation."))
        with transaction(console.sessions) as session:
            session.add(AnswerFeedback(sender_id=sender_id, answered_at=line.at, response=line.response,
                                       language=line.language, answer_text=line.text, note=note,
                                       staff_id=request.ctx.staff.id))
            handoffs.audit(session, request.ctx.staff, "mark_wrong", sender_id=sender_id, detail=line.response)
        return response.redirect(target + "&notice=" + quote("Noted for the content editors."))

    @bp.get("/feedback.csv")
    @staff_only
    async def feedback_csv(request: Request) -> response.HTTPResponse:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(FEEDBACK_CSV_COLUMNS)
        with transaction(console.sessions) as session:
            for item in session.scalars(select(AnswerFeedback).order_by(AnswerFeedback.id)):
                writer.writerow([item.created_at.isoformat(timespec="seconds"), item.staff.display_name,
                                 item.language or "", item.response or "", item.answered_at.isoformat(timespec="seconds"),
                                 _csv_safe(item.answer_text), _csv_safe(item.note)])
            handoffs.audit(session, request.ctx.staff, "export_feedback")
        return response.text(out.getvalue(), content_type="text/csv; charset=utf-8",
                             headers={**SECURITY_HEADERS,
                                      "Content-Disposition": 'attachment; filename="answer-feedback.csv"'})

    @bp.post("/conversation/erase")
    @staff_only
    async def erase_conversation(request: Request) -> response.HTTPResponse:
        sender_id = request.form.get("sender") or ""
        target = f"/console/conversation?sender={quote(sender_id, safe='')}"
        if request.form.get("confirm") != "yes":
            return response.redirect(target + "&notice=" + quote("Tick the box to confirm the erasure."))
        report = erase_now(console.sessions, console.transcripts.engine, settings.secret_key, sender_id,
                           request.ctx.staff)
        return response.redirect("/console/conversations?notice=" + quote(f"Erased: {report}."))

    # --- complaints ----------------------------------------------------------------------------------

    @bp.get("/complaints")
    @staff_only
    async def complaints_page(request: Request) -> response.HTTPResponse:
        filters = {key: request.args.get(key, "") for key in ("status", "body", "language", "older_than")}
        query = select(Complaint).where(Complaint.kind == "complaint").order_by(Complaint.created_at.desc())
        if filters["status"] in COMPLAINT_STATUSES:
            query = query.where(Complaint.status == filters["status"])
        if filters["body"] in complaint_rules.bodies().weeks:
            query = query.where(Complaint.body == filters["body"])
        if filters["language"] in SUPPORTED_LANGUAGES:
            query = query.where(Complaint.language == filters["language"])
        if filters["older_than"].isdecimal() and len(filters["older_than"]) < 6:
            query = query.where(Complaint.created_at < utc_now() - dt.timedelta(days=int(filters["older_than"])))
        with console.sessions() as session:
            rows = session.scalars(query.limit(500)).all()
        return page(request, "complaints.html", rows=rows, filters=filters, statuses=COMPLAINT_STATUSES,
                    bodies=list(complaint_rules.bodies().weeks), overdue=complaint_rules.overdue)

    @bp.get("/complaints/<complaint_id:int>")
    @staff_only
    async def complaint_page(request: Request, complaint_id: int) -> response.HTTPResponse:
        with transaction(console.sessions) as session:
            complaint = session.get(Complaint, complaint_id)
            if complaint is None or complaint.kind != "complaint":
                return page(request, "error.html", status=404, message="There is no such complaint.")
            handoffs.audit(session, request.ctx.staff, "view_complaint", sender_id=complaint.sender_id,
                           detail=complaint.reference)
        return page(request, "complaint.html", complaint=complaint, overdue=complaint_rules.overdue(complaint),
                    next_statuses=complaint_rules.STATUS_FLOW[complaint.status], themes=complaint_rules.bodies().themes,
                    lines=console.transcripts.transcript(complaint.sender_id), notice=request.args.get("notice"))

    async def announce(complaint: Complaint) -> Optional[str]:
        """Tells the newcomer on their channel; the change stays marked as not yet told when that fails."""
        try:
            await console.rasa.run_action(complaint.sender_id, "action_announce_complaint_updates")
            return None
        except RasaUnavailable as error:
            return f"Saved, but the newcomer was not told yet ({error}); use 'tell the newcomer again'."

    @bp.post("/complaints/<complaint_id:int>/status")
    @staff_only
    async def complaint_status(request: Request, complaint_id: int) -> response.HTTPResponse:
        target = f"/console/complaints/{complaint_id}"
        try:
            with transaction(console.sessions) as session:
                complaint = complaint_rules.change_status(session, request.ctx.staff, complaint_id,
                                                          request.form.get("status") or "",
                                                          request.form.get("answer") or "")
        except complaint_rules.ComplaintError as error:
            return response.redirect(f"{target}?notice={quote(f'Not changed: {error}.')}")
        problem = await announce(complaint)
        return response.redirect(f"{target}?notice={quote(problem or 'Changed; the newcomer has been told.')}")

    @bp.post("/complaints/<complaint_id:int>/tell-again")
    @staff_only
    async def complaint_tell_again(request: Request, complaint_id: int) -> response.HTTPResponse:
        with console.sessions() as session:
            complaint = session.get(Complaint, complaint_id)
        problem = await announce(complaint) if complaint else "There is no such complaint."
        return response.redirect(f"/console/complaints/{complaint_id}?notice={quote(problem or 'The newcomer has been told.')}")

    @bp.post("/complaints/<complaint_id:int>/theme")
    @staff_only
    async def complaint_theme(request: Request, complaint_id: int) -> response.HTTPResponse:
        try:
            with transaction(console.sessions) as session:
                complaint_rules.set_theme(session, request.ctx.staff, complaint_id, request.form.get("theme") or "")
        except complaint_rules.ComplaintError as error:
            return response.redirect(f"/console/complaints/{complaint_id}?notice={quote(str(error))}")
        return response.redirect(f"/console/complaints/{complaint_id}?notice=Theme+changed.")

    def themes_since() -> dt.datetime:
        today = utc_now().date()
        return dt.datetime(today.year - 1, today.month, 1)  # this month and the 12 before it

    @bp.get("/complaints/themes")
    @staff_only
    async def themes(request: Request) -> response.HTTPResponse:
        with console.sessions() as session:
            counts = complaint_rules.themes_report(session, themes_since())
        months = sorted({month for month, _, _ in counts})
        per_body = {body: [sum(n for (m, b, _), n in counts.items() if m == month and b == body) for month in months]
                    for body in sorted({b for _, b, _ in counts})}
        return page(request, "themes.html", counts=sorted(counts.items()), months=months,
                    chart=_stacked_chart(months, per_body))

    @bp.get("/complaints/themes.csv")
    @staff_only
    async def themes_csv(request: Request) -> response.HTTPResponse:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(("month", "body", "theme", "count"))
        with transaction(console.sessions) as session:
            for (month, body, theme), count in sorted(complaint_rules.themes_report(session, themes_since()).items()):
                writer.writerow((month, body, theme, count))
            handoffs.audit(session, request.ctx.staff, "export_themes")
        return response.text(out.getvalue(), content_type="text/csv; charset=utf-8",
                             headers={**SECURITY_HEADERS, "Content-Disposition": 'attachment; filename="complaint-themes.csv"'})

    # --- numbers -------------------------------------------------------------------------------------

    @bp.get("/stats")
    @staff_only
    async def stats(request: Request) -> response.HTTPResponse:
        since = dt.datetime.combine(utc_now().date() - dt.timedelta(days=STATS_DAYS - 1), dt.time())
        numbers = console.transcripts.daily_numbers(since)
        with console.sessions() as session:
            recent = session.scalars(select(Handoff).where(Handoff.created_at >= since)).all()
        for item in recent:
            numbers.add("handoffs", item.created_at.date(), item.language)
        median = median_minutes([h.first_reply_at - h.created_at for h in recent if h.first_reply_at])
        days = [since.date() + dt.timedelta(days=i) for i in range(STATS_DAYS)]
        return page(request, "stats.html", numbers=numbers, days=days, median=median,
                    chart=_chart(numbers, days), measures=("conversations", "handoffs", "fallbacks"))

    return bp


def _csv_safe(text: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas; a leading quote stops that."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _stacked_chart(months: List[str], per_body: Dict[str, List[int]]) -> Dict[str, Any]:
    """Bar geometry for the themes page: one bar per month, stacked by body."""
    height, bar, gap = 200, 28, 16
    peak = max([sum(values[i] for values in per_body.values()) for i in range(len(months))] + [1])
    bars, labels = [], []
    for i, month in enumerate(months):
        x, top = 40 + i * (bar + gap), 10 + height
        for body, values in per_body.items():
            h = round(height * values[i] / peak)
            top -= h
            bars.append({"x": x, "y": top, "height": h, "body": body, "value": values[i], "month": month})
        labels.append({"x": x, "text": month})
    return {"bars": bars, "labels": labels, "peak": peak, "width": 60 + len(months) * (bar + gap),
            "height": height, "bar": bar, "bodies": list(per_body)}


def _chart(numbers, days: List[dt.date]) -> Dict[str, Any]:
    """Bar geometry for the stats page's SVG: three bars per day (conversations, handoffs, fallbacks)."""
    measures = ("conversations", "handoffs", "fallbacks")
    peak = max([numbers.total(m, d) for m in measures for d in days] + [1])
    height, bar, gap = 200, 10, 14
    bars = []
    for i, day in enumerate(days):
        for j, measure in enumerate(measures):
            value = numbers.total(measure, day)
            h = round(height * value / peak)
            bars.append({"x": 40 + i * (3 * bar + gap) + j * bar, "y": 10 + height - h, "height": h,
                         "measure": measure, "value": value, "day": day})
    labels = [{"x": 40 + i * (3 * bar + gap), "text": d.strftime("%d-%m")} for i, d in enumerate(days)]
    return {"bars": bars, "labels": labels, "peak": peak, "width": 60 + len(days) * (3 * bar + gap),
            "height": height, "bar": bar}
