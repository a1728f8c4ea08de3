"""Rasa NLU component: finds a case number ("INB-123456"), a date of birth and a complaint reference
("KL-2026-7F3K9Q") in any language.

These are patterns, not words, so no training examples are needed; entities come out normalised
(`INB-123456`, `1990-05-17`, `KL-2026-7F3K9Q`) with their position in the text, for the forms.
"""
from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from bot.cases import find_case_details
from bot.complaints.register import find_complaint_reference
from bot.rasa_components.text_entities import TextEntityExtractor


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class CaseDetailsExtractor(TextEntityExtractor):
    def entities_in(self, text: str) -> List[Dict[str, Any]]:
        return [
            {"entity": name, "value": value, "start": start, "end": end}
            for name, value, start, end in find_case_details(text) + find_complaint_reference(text)
        ]
