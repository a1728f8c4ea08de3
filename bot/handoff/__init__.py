"""Handing a conversation to a person: the queue, routing to a contact person, office hours."""
from bot.handoff.office_hours import DAY_NAMES, OfficeHours, OfficeHoursError, dutch_public_holidays
from bot.handoff.workflow import (
    HANDOFF_REASONS,
    OUTCOMES,
    HandoffConflict,
    HandoffError,
    HandoffRequest,
    add_staff_message,
    close,
    get_handoff,
    hand_back,
    latest_handoff,
    mark_relayed,
    open_handoff,
    pending_messages,
    queue,
    reassign,
    reply_window_closed,
    request_handoff,
    save_callback_phone,
    take,
    waiting_minutes,
)

__all__ = [
    "DAY_NAMES", "HANDOFF_REASONS", "OUTCOMES", "HandoffConflict", "HandoffError", "HandoffRequest", "OfficeHours",
    "OfficeHoursError", "add_staff_message", "close", "dutch_public_holidays", "get_handoff", "hand_back",
    "latest_handoff", "mark_relayed", "open_handoff", "pending_messages", "queue", "reassign",
    "reply_window_closed", "request_handoff", "save_callback_phone", "take", "waiting_minutes",
]
