"""Complaints: who handles what, checking what people type, filing with an unguessable reference, the
status check's access rule, the status flow for staff, and the themes report. No Rasa here.

A complaint gets a reference (KL-2026-7F3K9Q: 6 random characters from 32, about 10^9 per year) and a
6-digit code, given once and stored only as a keyed hash. From the conversation that filed it the reference
is enough; from anywhere else the code is needed too, and wrong tries lock out like the case lookup.
"""
from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import authorization
from bot.attempts import guarded_check
from bot.audit import audit
from bot.config import PROJECT_ROOT
from bot.language.detection import SUPPORTED_LANGUAGES
from bot.models import (
    COMPLAINT_STATUSES,
    COMPLAINT_TRANSITIONS,
    OPEN_COMPLAINT_STATUSES,
    Complaint,
    Staff,
    states_leading_to,
    utc_now,
)
from bot.patterns import COMPLAINT_REFERENCE_RE, E_MAIL_RE, parse_phone_number
from bot.security import keyed_hash
from bot.text import ascii_digits

BODIES_FILE = PROJECT_ROOT / "data" / "complaints" / "bodies.yml"
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O or 1/I to mix up
CODE_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
TEXT_LIMITS = {"what": (10, 3000), "happened_when": (2, 200), "wish": (2, 1000)}
STATUS_FLOW = COMPLAINT_TRANSITIONS
LIST_LIMIT = 500  # complaints on the console's list at most


class ComplaintError(Exception):
    """A staff action on a complaint that is not possible; the message is shown in the console."""


@dataclass(frozen=True)
class Bodies:
    """data/complaints/bodies.yml: which bodies exist, which is handled here, their terms; the themes."""

    weeks: Dict[str, Optional[int]]
    handled_here: Tuple[str, ...]
    themes: Tuple[str, ...]

    @classmethod
    def load(cls, path: Path = BODIES_FILE) -> "Bodies":
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        bodies = data["bodies"]
        return cls(
            weeks={name: spec.get("handling_weeks") for name, spec in bodies.items()},
            handled_here=tuple(name for name, spec in bodies.items() if spec.get("handled_here")),
            themes=tuple(data["themes"]),
        )


@lru_cache(maxsize=1)
def bodies() -> Bodies:
    return Bodies.load()


# --- what people type --------------------------------------------------------------------------------


def text_problem(field: str, text: Optional[str]) -> Optional[str]:
    """Why a typed answer cannot be used ("empty", "no_words", "too_short", "too_long"), or None."""
    minimum, maximum = TEXT_LIMITS[field]
    text = (text or "").strip()
    if not text:
        return "empty"
    if not any(ch.isalpha() for ch in text):  # only emoji, digits or punctuation
        return "no_words"
    if len(text) < minimum:
        return "too_short"
    if len(text) > maximum:
        return "too_long"
    return None


def parse_contact(text: str) -> Optional[str]:
    """An e-mail address or a phone number to be reached on, normalised; None when it is neither."""
    text = (text or "").strip()
    if len(text) > 200:
        return None
    if E_MAIL_RE.fullmatch(text):
        return text.lower()
    return parse_phone_number(text)


def parse_reference(text: str) -> Optional[str]:
    found = find_complaint_reference(text)
    return found[0][1] if found else None


def find_complaint_reference(text: str) -> List[Tuple[str, str, int, int]]:
    """[("complaint_reference", "KL-2026-7F3K9Q", start, end)] when the text holds a reference."""
    match = COMPLAINT_REFERENCE_RE.search(text or "")
    if not match:
        return []
    year = ascii_digits(match.group(1))  # "KL-٢٠٢٦-…" typed on an Arabic keyboard is the same reference
    return [("complaint_reference", f"KL-{year}-{match.group(2).upper()}", match.start(), match.end())]


def parse_code(text: str) -> Optional[str]:
    match = CODE_RE.search(ascii_digits(text or ""))
    return match.group(1) if match else None


OBJECTION_TERMS_FILE = PROJECT_ROOT / "data" / "complaints" / "objection_terms.yml"
UNKNOWN_DECISION_BODY = "unknown"


@dataclass(frozen=True)
class ObjectionTerm:
    """data/complaints/objection_terms.yml: how long one decision-maker's decisions are open to objection."""

    body: str
    weeks: Optional[int]  # None: no objection stage (an asylum decision goes to the court directly)
    appeal_weeks: Tuple[int, ...] = ()
    source: str = ""


@lru_cache(maxsize=1)
def objection_terms(path: Path = OBJECTION_TERMS_FILE) -> Dict[str, ObjectionTerm]:
    """Decision-maker -> its objection term, in the file's order (the question's buttons use the same names)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))["decision_bodies"]
    return {name: ObjectionTerm(name, spec.get("objection_weeks"), tuple(spec.get("appeal_weeks") or ()),
                                spec.get("source") or "")
            for name, spec in data.items()}


def objection_deadline(decision_date: dt.date, body: str = UNKNOWN_DECISION_BODY) -> Optional[dt.date]:
    """The last day to object to a decision of `body`: its term in weeks after the date of the decision (Awb 6:7
    and 6:8; IND regular decisions 4 weeks). None when there is no objection stage (IND asylum decisions).
    An unknown body raises ValueError."""
    term = objection_terms().get(body)
    if term is None:
        raise ValueError(f"unknown decision body {body!r}")
    return None if term.weeks is None else decision_date + dt.timedelta(weeks=term.weeks)


# --- filing ------------------------------------------------------------------------------------------


def new_reference(year: int) -> str:
    return f"KL-{year}-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def _code_hash(secret: str, reference: str, code: str) -> str:
    return keyed_hash(secret, f"complaint-code:{reference}:{code}")


@dataclass(frozen=True)
class ComplaintDraft:
    sender_id: str
    channel: str
    language: str
    theme: str
    what: str
    happened_when: str
    wish: str
    contact: str


def file_complaint(session: Session, secret: str, draft: ComplaintDraft) -> Tuple[Complaint, str]:
    """Stores a complaint in one go (never half); returns it and its code (shown once, stored hashed)."""
    if draft.theme not in bodies().themes:
        raise ValueError(f"unknown theme {draft.theme!r}")
    for field in TEXT_LIMITS:
        if text_problem(field, getattr(draft, field)):
            raise ValueError(f"{field} is not usable")
    code = f"{secrets.randbelow(10**6):06d}"
    for _ in range(10):  # a clash is very unlikely; a new reference is drawn if it happens
        reference = new_reference(utc_now().year)
        complaint = Complaint(kind="complaint", reference=reference, code_hash=_code_hash(secret, reference, code),
                              body=bodies().handled_here[0], status="received", **draft.__dict__)
        try:
            with session.begin_nested():
                session.add(complaint)
                session.flush()
            return complaint, code
        except IntegrityError:
            continue
    raise RuntimeError("no free complaint reference found")


def record_referral(session: Session, sender_id: str, channel: str, language: str, body: str) -> Complaint:
    """Records that someone was sent to another body (or to the objection procedure): no story kept."""
    referral = Complaint(kind="referral", sender_id=sender_id, channel=channel, language=language, body=body,
                         status="referred")
    session.add(referral)
    session.flush()
    return referral


# --- the status check ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusLookup:
    complaint: Optional[Complaint] = None
    needs_code: bool = False
    locked_until: Optional[dt.datetime] = None


def owned_here(session: Session, sender_id: str, reference: str) -> bool:
    """True when this conversation filed the complaint (then the reference alone is enough)."""
    complaint = session.scalars(select(Complaint).where(Complaint.reference == reference)).first()
    return complaint is not None and complaint.sender_id == sender_id


def look_up_status(
    session: Session, secret: str, sender_id: str, reference: str, code: Optional[str],
    now: Optional[dt.datetime] = None,
) -> StatusLookup:
    """The complaint when this conversation may see it. Unknown reference and wrong code look the same."""
    now = now or utc_now()
    complaint = session.scalars(select(Complaint).where(Complaint.reference == reference)).first()
    if complaint is not None and complaint.sender_id == sender_id:
        return StatusLookup(complaint)
    if not code:
        return StatusLookup(needs_code=True)
    def matches() -> bool:
        expected = _code_hash(secret, reference, code)
        return complaint is not None and hmac.compare_digest(complaint.code_hash or "", expected)

    result = guarded_check(session, secret, f"complaint-sender:{sender_id}", f"complaint:{reference}", matches, now)
    return StatusLookup(complaint if result.succeeded else None, locked_until=result.locked_until)


# --- staff ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintFilter:
    """The console list's filters as typed in the query; a value that is not one of the known ones is ignored."""

    status: str = ""
    body: str = ""
    language: str = ""
    older_than: str = ""  # days


def find_complaints(session: Session, staff: Staff, filters: ComplaintFilter, now: Optional[dt.datetime] = None,
                    limit: int = LIST_LIMIT) -> List[Complaint]:
    """Complaints (not referrals) matching the filters that this staff member may handle, newest first."""
    query = (select(Complaint).where(Complaint.kind == "complaint", authorization.visible_complaints(staff))
             .order_by(Complaint.created_at.desc()))
    if filters.status in COMPLAINT_STATUSES:
        query = query.where(Complaint.status == filters.status)
    if filters.body in bodies().weeks:
        query = query.where(Complaint.body == filters.body)
    if filters.language in SUPPORTED_LANGUAGES:
        query = query.where(Complaint.language == filters.language)
    if filters.older_than.isdecimal() and len(filters.older_than) < 6:
        query = query.where(Complaint.created_at < (now or utc_now()) - dt.timedelta(days=int(filters.older_than)))
    return list(session.scalars(query.limit(limit)))


def staff_complaint(session: Session, staff: Staff, complaint_id: int) -> Complaint:
    """The complaint, when this staff member may handle it (bot/authorization.py: otherwise `Refused`; never
    one about themselves)."""
    complaint = session.get(Complaint, complaint_id)
    if complaint is None or complaint.kind != "complaint":
        raise ComplaintError("no such complaint")
    authorization.check_complaint(session, staff, complaint)
    return complaint


def view_complaint(session: Session, staff: Staff, complaint_id: int) -> Complaint:
    """A complaint for its console page; the view goes to the audit log."""
    complaint = staff_complaint(session, staff, complaint_id)
    audit(session, staff, "view_complaint", sender_id=complaint.sender_id, detail=complaint.reference)
    return complaint


def change_status(session: Session, staff: Staff, complaint_id: int, status: str, answer: str) -> Complaint:
    """Moves a complaint on and sets the public answer; the newcomer is told on their channel afterwards."""
    complaint = staff_complaint(session, staff, complaint_id)
    answer = (answer or "").strip()
    if status not in STATUS_FLOW.get(complaint.status, ()):
        current, wanted = complaint.status.replace("_", " "), status.replace("_", " ")
        raise ComplaintError(f"a {current} complaint cannot become {wanted}")
    if status == "answered" and not answer:
        raise ComplaintError("write the answer for the newcomer")
    if len(answer) > 4000:
        raise ComplaintError("the answer is longer than 4000 characters")
    values = {"status": status, "answer_pending": True, "updated_at": utc_now()}
    if answer:
        values["public_answer"] = answer
    # Compare-and-set, as for handoffs: a colleague's change in the meantime is not overwritten.
    moved = session.execute(
        update(Complaint)
        .where(Complaint.id == complaint_id, Complaint.status == complaint.status,
               Complaint.status.in_(states_leading_to(COMPLAINT_TRANSITIONS, status)))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    complaint = session.get(Complaint, complaint_id, populate_existing=True)
    if moved != 1:
        raise ComplaintError(f"the complaint is {complaint.status.replace('_', ' ')} now")
    audit(session, staff, "complaint_status", sender_id=complaint.sender_id, detail=f"{complaint.reference} {status}")
    return complaint


def set_theme(session: Session, staff: Staff, complaint_id: int, theme: str) -> Complaint:
    complaint = staff_complaint(session, staff, complaint_id)
    if theme not in bodies().themes:
        raise ComplaintError("choose one of the themes")
    complaint.theme = theme
    audit(session, staff, "complaint_theme", sender_id=complaint.sender_id, detail=f"{complaint.reference} {theme}")
    return complaint


def pending_announcements(session: Session, sender_id: str) -> List[Complaint]:
    return list(session.scalars(select(Complaint).where(Complaint.sender_id == sender_id,
                                                        Complaint.answer_pending.is_(True))))


def overdue(complaint: Complaint, now: Optional[dt.datetime] = None) -> bool:
    """Still open after the body's handling term."""
    weeks = bodies().weeks.get(complaint.body)
    if complaint.status not in OPEN_COMPLAINT_STATUSES or not weeks:
        return False
    return (now or utc_now()) - complaint.created_at > dt.timedelta(weeks=weeks)


def themes_since(now: Optional[dt.datetime] = None) -> dt.datetime:
    """Where the themes report starts: this month and the 12 before it."""
    today = (now or utc_now()).date()
    return dt.datetime(today.year - 1, today.month, 1)


def export_themes(session: Session, staff: Staff, since: dt.datetime) -> List[Tuple[str, str, str, int]]:
    """The themes report as (month, body, theme, count) rows, sorted; the export goes to the audit log."""
    authorization.require(staff, "complaints")
    counts = themes_report(session, since)
    rows = [(month, body, theme, count) for (month, body, theme), count in sorted(counts.items())]
    audit(session, staff, "export_themes")
    return rows


def themes_report(session: Session, since: dt.datetime) -> Counter:
    """Counter[(month "2026-11", body, theme or "referral")] of complaints and referrals since `since`."""
    counts: Counter = Counter()
    for complaint in session.scalars(select(Complaint).where(Complaint.created_at >= since)):
        theme = complaint.theme if complaint.kind == "complaint" else "referral"
        counts[(complaint.created_at.strftime("%Y-%m"), complaint.body, theme or "other")] += 1
    return counts
