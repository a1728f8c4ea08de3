"""Complaints: who handles what, filing with an unguessable reference, the status check, the status flow."""
from bot.complaints.register import (
    ComplaintDraft,
    ComplaintError,
    StatusLookup,
    bodies,
    change_status,
    file_complaint,
    find_complaint_reference,
    look_up_status,
    objection_deadline,
    overdue,
    parse_code,
    parse_contact,
    parse_reference,
    pending_announcements,
    record_referral,
    set_theme,
    text_problem,
    themes_report,
)

__all__ = [
    "ComplaintDraft", "ComplaintError", "StatusLookup", "bodies", "change_status", "file_complaint",
    "find_complaint_reference", "look_up_status", "objection_deadline", "overdue", "parse_code", "parse_contact",
    "parse_reference", "pending_announcements", "record_referral", "set_theme", "text_problem", "themes_report",
]
