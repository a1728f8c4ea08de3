"""Rasa input/output channels (adapters: these import Rasa), configured in credentials.yml."""
