"""Rasa NLU component: the facts a message reveals along the way, as entities (`law`, `situation`).

"ik ben in 2023 gekomen, wat kost het?" carries `law: wi2021`; "ik ben statushouder" carries
`situation: status_holder`. The slots of the same names fill from them (domain.yml), in any intent, so a
fact once said is never asked again. The rules themselves are in bot/dialogue/facts.py.
"""
from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from bot.dialogue.facts import find_facts
from bot.rasa_components.text_entities import TextEntityExtractor


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class FactsExtractor(TextEntityExtractor):
    def entities_in(self, text: str) -> List[Dict[str, Any]]:
        # A fact is read from the message as a whole (a year with "gekomen", "old" with "law"): it spans it.
        return [{"entity": name, "value": value, "start": 0, "end": len(text)} for name, value in find_facts(text)]
