"""The console's handoff pages: the queue, a handoff's page, and take, reply, send again, hand back, close and
reassign. The rules are in bot/handoff/workflow.py; Rasa is paused, resumed and asked to relay through its
HTTP API (bot/rasa_api.py). One lock per handoff keeps a staff member's clicks in order."""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional

from sanic import response
from sanic.request import Request
from sqlalchemy.orm import Session

from bot import authorization
from bot.audit import audit
from bot.cases import summarise
from bot.console.context import Console
from bot.console.http import Notice, notice
from bot.db import transaction
from bot.handoff import workflow
from bot.models import Handoff, Staff, utc_now
from bot.rasa_api import RasaUnavailable

QUEUE_VIEWS = ("waiting", "mine", "all")
NOTICES = {
    "not_taken": "Not taken: {reason}.",
    "not_paused": "Not taken: the assistant could not be paused ({reason}).",
    "not_possible": "Not possible: {reason}.",
    "not_sent": "Not sent: {reason}.",
    "not_delivered": "Not delivered ({reason}). The reply is kept; use 'send again'.",
    "not_resumed": "Nothing changed: the assistant could not take over ({reason}).",
    "end_not_told": "Done, but the newcomer could not be told ({reason}).",
    "not_reassigned": "Not reassigned: {reason}.",
    "reassigned": "Reassigned.",
}


def back_to(console: Console, request: Request, handoff_id: int,
            told: Optional[Notice] = None) -> response.HTTPResponse:
    return console.redirect(request, f"/console/handoffs/{handoff_id}", told)


async def home(console: Console, request: Request) -> response.HTTPResponse:
    """The first page of the staff member's role: the queue, the complaints, or else the numbers."""
    if authorization.may(request.ctx.staff, "handoffs"):
        return response.redirect("/console/queue?view=waiting")
    if authorization.may(request.ctx.staff, "complaints"):
        return response.redirect("/console/complaints")
    return response.redirect("/console/stats")


async def queue_page(console: Console, request: Request) -> response.HTTPResponse:
    view = request.args.get("view", "waiting")
    view = view if view in QUEUE_VIEWS else "waiting"
    with console.sessions() as session:
        rows = workflow.queue(session, request.ctx.staff, view)
    # The newcomer's last message counts for open handoffs only: after its end it is not the handoff's any more.
    activity = console.transcripts.last_user_activity(h.sender_id for h in rows
                                                      if authorization.transcript_until(h) is None)
    rows = sorted(rows, key=lambda h: max(h.updated_at, activity.get(h.sender_id, h.updated_at)), reverse=True)
    template = "queue_rows.html" if request.args.get("fragment") else "queue.html"
    return console.page(request, template, view=view, views=QUEUE_VIEWS, handoffs=rows, activity=activity,
                        waiting_minutes=workflow.waiting_minutes, now=utc_now())


def handoff_context(console: Console, session: Session, staff: Staff, handoff_id: int) -> Dict[str, Any]:
    details = workflow.handoff_details(session, staff, handoff_id)
    handoff = details.handoff
    until = authorization.transcript_until(handoff)  # a finished handoff: the conversation up to its end
    lines = [line for line in console.transcripts.transcript(handoff.sender_id) if until is None or line.at <= until]
    last_user = max((line.at for line in lines if line.kind == "user"), default=None)
    return dict(handoff=handoff, case=summarise(details.case) if details.case else None, lines=lines,
                messages=details.messages, colleagues=details.colleagues, outcomes=workflow.OUTCOMES,
                window_closed=workflow.reply_window_closed(handoff.channel, last_user, utc_now()),
                waiting_minutes=workflow.waiting_minutes(handoff))


async def handoff_page(console: Console, request: Request, handoff_id: int) -> response.HTTPResponse:
    fragment = bool(request.args.get("fragment"))
    with transaction(console.sessions) as session:
        try:
            context = handoff_context(console, session, request.ctx.staff, handoff_id)
        except workflow.HandoffError:
            return console.not_found(request, "There is no such handoff for you.")
        if not fragment:
            audit(session, request.ctx.staff, "view_handoff", context["handoff"])
    return console.page(request, "transcript.html" if fragment else "handoff.html", **context)


async def relay(console: Console, handoff: Handoff, message_ids: List[int]) -> Optional[Notice]:
    """Asks Rasa to send the pending replies to the user's channel; a notice when it could not."""
    try:
        await console.rasa.run_action(handoff.sender_id, "action_relay_staff_messages")
        return None
    except RasaUnavailable as error:
        with transaction(console.sessions) as session:
            workflow.mark_relayed(session, message_ids, error=str(error))
        return notice("not_delivered", reason=error)


async def take(console: Console, request: Request, handoff_id: int) -> response.HTTPResponse:
    async with console.handoff_locks[handoff_id]:
        try:
            with transaction(console.sessions) as session:
                handoff = workflow.take(session, request.ctx.staff, handoff_id)
                # The bot falls silent before the take is committed; if Rasa is unreachable, nothing changes.
                await console.rasa.pause(handoff.sender_id)
        except workflow.HandoffConflict as conflict:
            return back_to(console, request, handoff_id, notice("not_taken", reason=conflict))
        except workflow.HandoffError as error:
            return back_to(console, request, handoff_id, notice("not_possible", reason=error))
        except RasaUnavailable as error:
            return back_to(console, request, handoff_id, notice("not_paused", reason=error))
    return back_to(console, request, handoff_id)


async def reply(console: Console, request: Request, handoff_id: int) -> response.HTTPResponse:
    async with console.handoff_locks[handoff_id]:
        try:
            with transaction(console.sessions) as session:
                message = workflow.add_staff_message(session, request.ctx.staff, handoff_id,
                                                     request.form.get("text") or "")
                handoff = workflow.get_handoff(session, request.ctx.staff, handoff_id)
        except workflow.HandoffError as error:
            return back_to(console, request, handoff_id, notice("not_sent", reason=error))
        problem = await relay(console, handoff, [message.id])
    return back_to(console, request, handoff_id, problem)


async def send_again(console: Console, request: Request, handoff_id: int) -> response.HTTPResponse:
    async with console.handoff_locks[handoff_id]:
        try:
            with transaction(console.sessions) as session:
                handoff, message_ids = workflow.send_again(session, request.ctx.staff, handoff_id)
        except workflow.HandoffError as error:
            return back_to(console, request, handoff_id, notice("not_sent", reason=error))
        problem = await relay(console, handoff, message_ids)
    return back_to(console, request, handoff_id, problem)


async def finish(console: Console, request: Request, handoff_id: int,
                 move: Callable[[Session], Handoff]) -> response.HTTPResponse:
    """Hand back or close: the bot resumes before the change is committed (if Rasa cannot resume,
    nothing changes); then the newcomer is told, in their language, by an action reading the new state."""
    async with console.handoff_locks[handoff_id]:
        try:
            with transaction(console.sessions) as session:
                handoff = move(session)
                await console.rasa.resume(handoff.sender_id)
        except workflow.HandoffError as error:
            return back_to(console, request, handoff_id, notice("not_possible", reason=error))
        except RasaUnavailable as error:
            return back_to(console, request, handoff_id, notice("not_resumed", reason=error))
        try:
            await console.rasa.run_action(handoff.sender_id, "action_announce_handoff_end")
        except RasaUnavailable as error:
            return back_to(console, request, handoff_id, notice("end_not_told", reason=error))
    return response.redirect("/console/queue?view=mine")


async def hand_back(console: Console, request: Request, handoff_id: int) -> response.HTTPResponse:
    return await finish(console, request, handoff_id,
                        lambda session: workflow.hand_back(session, request.ctx.staff, handoff_id))


async def close(console: Console, request: Request, handoff_id: int) -> response.HTTPResponse:
    outcome = request.form.get("outcome") or ""
    return await finish(console, request, handoff_id,
                        lambda session: workflow.close(session, request.ctx.staff, handoff_id, outcome))


async def reassign(console: Console, request: Request, handoff_id: int) -> response.HTTPResponse:
    assignee = request.form.get("assignee") or ""
    try:
        with transaction(console.sessions) as session:
            workflow.reassign(session, request.ctx.staff, handoff_id, int(assignee) if assignee.isdecimal() else None)
    except workflow.HandoffError as error:
        return back_to(console, request, handoff_id, notice("not_reassigned", reason=error))
    return back_to(console, request, handoff_id, notice("reassigned"))
