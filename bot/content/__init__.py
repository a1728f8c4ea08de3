"""The content catalogue (data/content/<lang>.yml): every answer once per language, and the NLG endpoint."""
from bot.content.catalogue import Catalogue, ContentError, Entry, Rendered, content_status, widget_texts
from bot.content.nlg import LiveCatalogue, nlg_response

__all__ = ["Catalogue", "ContentError", "Entry", "LiveCatalogue", "Rendered", "content_status", "nlg_response",
           "widget_texts"]
