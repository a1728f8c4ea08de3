"""Adapters that plug Wegwijs into Rasa (these modules import Rasa; the rest of `bot` does not)."""
