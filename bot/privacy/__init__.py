"""Personal data kept in check: erasure ("forget me"), retention, and log redaction."""
from bot.privacy.erasure import RetentionPeriods, apply_retention, erase_now, erase_requested, request_erasure
from bot.privacy.log_redaction import RedactingFilter, protect_everything, redact

__all__ = [
    "RedactingFilter", "RetentionPeriods", "apply_retention", "erase_now", "erase_requested", "protect_everything",
    "redact", "request_erasure",
]
