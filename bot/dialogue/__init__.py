"""What to answer next: the answer for the person's law and situation, asking back, case and handoff replies."""
from bot.dialogue.answers import ANSWER_BASES, answer_for, clarification, misunderstanding_reply
from bot.dialogue.replies import Reply, case_status_replies, handoff_replies, opening_arguments

__all__ = [
    "ANSWER_BASES", "Reply", "answer_for", "case_status_replies", "clarification", "handoff_replies",
    "misunderstanding_reply", "opening_arguments",
]
