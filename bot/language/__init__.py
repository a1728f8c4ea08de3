"""Which language a message is in, and which language the assistant answers in."""
from bot.language.detection import (
    RIGHT_TO_LEFT_LANGUAGES,
    SUPPORTED_LANGUAGES,
    UNDETERMINED,
    Detection,
    LanguageDetector,
    NgramModel,
    find_requested_language,
    plain_langdetect,
    text_direction,
)
from bot.language.reply_language import language_slot_updates, reply_language

__all__ = [
    "RIGHT_TO_LEFT_LANGUAGES", "SUPPORTED_LANGUAGES", "UNDETERMINED", "Detection", "LanguageDetector", "NgramModel",
    "find_requested_language", "language_slot_updates", "plain_langdetect", "reply_language", "text_direction",
]
