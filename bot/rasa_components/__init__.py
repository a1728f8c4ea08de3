"""Adapters that plug Wegwijs into Rasa (these modules import Rasa; the rest of `bot` does not).

Importing this package (Rasa does, to load the model's components and our tracker store) also applies
`validation_cache` (speed), `tracker_store.install` (no silent in-memory fallback for conversations) and
`action_failures.install` (an honest answer, and a person, when the action server is down), and makes
sure every logger redacts personal data (bot/privacy/log_redaction.py).
"""
from bot.privacy.log_redaction import protect_everything
from bot.rasa_components import action_failures, tracker_store, validation_cache

validation_cache.install()
tracker_store.install()
action_failures.install()
protect_everything()
