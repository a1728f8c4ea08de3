"""Custom actions (rasa_sdk). Importing them makes every logger of the action server redact personal data."""
from bot.privacy.log_redaction import protect_everything

protect_everything()
