"""What to answer next: law-specific answers, misunderstandings, case-status and handoff replies."""
from bot.dialogue.replies import (
    LAWS,
    Reply,
    answer_by_law,
    case_status_replies,
    handoff_replies,
    misunderstanding_reply,
    opening_arguments,
)

__all__ = [
    "LAWS", "Reply", "answer_by_law", "case_status_replies", "handoff_replies", "misunderstanding_reply",
    "opening_arguments",
]
