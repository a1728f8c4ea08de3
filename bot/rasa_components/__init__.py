"""Adapters that plug Wegwijs into Rasa (these modules import Rasa; the rest of `bot` does not).

Importing this package (Rasa does, to load the model's components) also applies `validation_cache`.
"""
from bot.rasa_components import validation_cache

validation_cache.install()
