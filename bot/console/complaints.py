"""The console's complaint pages: the list (filtered), a complaint's page (status, public answer, theme),
telling the newcomer, and the themes report with its CSV. The rules are in bot/complaints/register.py; the
newcomer is told on their channel by an action run through Rasa's HTTP API."""
from __future__ import annotations

from typing import Optional

from sanic import response
from sanic.request import Request

from bot.complaints import register
from bot.console.context import Console
from bot.console.http import Notice, csv_download, notice
from bot.console.numbers import themes_chart
from bot.db import transaction
from bot.models import COMPLAINT_STATUSES, Complaint
from bot.rasa_api import RasaUnavailable

FILTERS = ("status", "body", "language", "older_than")
THEMES_CSV_COLUMNS = ("month", "body", "theme", "count")
NOTICES = {
    "not_changed": "Not changed: {reason}.",
    "changed_and_told": "Changed; the newcomer has been told.",
    "not_told_yet": "Saved, but the newcomer was not told yet ({reason}); use 'tell the newcomer again'.",
    "told": "The newcomer has been told.",
    "no_such_complaint": "There is no such complaint.",
    "theme_not_changed": "Theme not changed: {reason}.",
    "theme_changed": "Theme changed.",
}


def back_to(console: Console, request: Request, complaint_id: int, told: Notice) -> response.HTTPResponse:
    return console.redirect(request, f"/console/complaints/{complaint_id}", told)


async def complaints_page(console: Console, request: Request) -> response.HTTPResponse:
    filters = {key: request.args.get(key, "") for key in FILTERS}
    with console.sessions() as session:
        rows = register.find_complaints(session, request.ctx.staff, register.ComplaintFilter(**filters))
    return console.page(request, "complaints.html", rows=rows, filters=filters, statuses=COMPLAINT_STATUSES,
                        bodies=list(register.bodies().weeks), overdue=register.overdue)


async def complaint_page(console: Console, request: Request, complaint_id: int) -> response.HTTPResponse:
    with transaction(console.sessions) as session:
        try:
            complaint = register.view_complaint(session, request.ctx.staff, complaint_id)
        except register.ComplaintError:
            return console.not_found(request, "There is no such complaint.")
    return console.page(request, "complaint.html", complaint=complaint, overdue=register.overdue(complaint),
                        next_statuses=register.STATUS_FLOW[complaint.status], themes=register.bodies().themes,
                        lines=console.transcripts.transcript(complaint.sender_id))


async def announce(console: Console, complaint: Complaint) -> Optional[Notice]:
    """Tells the newcomer on their channel; the change stays marked as not yet told when that fails."""
    try:
        await console.rasa.run_action(complaint.sender_id, "action_announce_complaint_updates")
        return None
    except RasaUnavailable as error:
        return notice("not_told_yet", reason=error)


async def complaint_status(console: Console, request: Request, complaint_id: int) -> response.HTTPResponse:
    try:
        with transaction(console.sessions) as session:
            complaint = register.change_status(session, request.ctx.staff, complaint_id,
                                               request.form.get("status") or "", request.form.get("answer") or "")
    except register.ComplaintError as error:
        return back_to(console, request, complaint_id, notice("not_changed", reason=error))
    problem = await announce(console, complaint)
    return back_to(console, request, complaint_id, problem or notice("changed_and_told"))


async def complaint_tell_again(console: Console, request: Request, complaint_id: int) -> response.HTTPResponse:
    try:
        with console.sessions() as session:
            complaint = register.staff_complaint(session, request.ctx.staff, complaint_id)
    except register.ComplaintError:
        return back_to(console, request, complaint_id, notice("no_such_complaint"))
    problem = await announce(console, complaint)
    return back_to(console, request, complaint_id, problem or notice("told"))


async def complaint_theme(console: Console, request: Request, complaint_id: int) -> response.HTTPResponse:
    try:
        with transaction(console.sessions) as session:
            register.set_theme(session, request.ctx.staff, complaint_id, request.form.get("theme") or "")
    except register.ComplaintError as error:
        return back_to(console, request, complaint_id, notice("theme_not_changed", reason=error))
    return back_to(console, request, complaint_id, notice("theme_changed"))


async def themes(console: Console, request: Request) -> response.HTTPResponse:
    with console.sessions() as session:
        counts = register.themes_report(session, register.themes_since())
    chart, months = themes_chart(counts)
    return console.page(request, "themes.html", counts=sorted(counts.items()), months=months, chart=chart)


async def themes_csv(console: Console, request: Request) -> response.HTTPResponse:
    with transaction(console.sessions) as session:
        rows = register.export_themes(session, request.ctx.staff, register.themes_since())
    return csv_download("complaint-themes.csv", THEMES_CSV_COLUMNS, rows)
