"""A typed answer is as good as a pressed button, and a fact said along the way is taken in.

Right after a user message, before the rules decide, this policy looks at the question just asked: when the
message presses one of its buttons in words ("nieuwe wet", "the municipality", "2"), it predicts
`action_press_typed_button`, which replays the message as that button's payload (so the rules see exactly
what a press would give). When the message only states a fact ("no, the old law", "ik ben statushouder") it
predicts `action_note_facts`. A short, unsure follow-up right after a one-answer topic gets that topic's answer.
Forms check their own answers; payloads are already presses.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, List, Optional, Tuple

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.config import Settings
from bot.content.nlg import LiveCatalogue
from bot.dialogue.answers import TOPIC_INTENTS, answers_again
from bot.dialogue.typed_answers import TYPED_ANSWER_MARK, press_for, synonym_languages, with_synonyms
from bot.language.reply_language import reply_language

PRESS_ACTION = "action_press_typed_button"
NOTE_FACTS_ACTION = "action_note_facts"
FACT_ENTITIES = ("law", "situation")
# One-answer topics whose short follow-ups are answered by the same answer.
FOLLOW_UP_ANSWERS = (
    "utter_duo_letter", "utter_moving", "utter_ontzorgen", "utter_residence_naturalisation", "utter_exam_abroad",
    "utter_staatsexamen", "utter_voluntary", "utter_help_own_language", "utter_pregnancy_illness",
    "utter_diploma_exemption", "utter_exam_language",
)
FOLLOW_UP_MAX_WORDS = 7
# A message this long, whose topic the model is this sure of, is its own question even beside a button.
OWN_QUESTION_MIN_WORDS, OWN_QUESTION_CONFIDENCE = 3, 0.6
FOLLOW_UP_MAX_CONFIDENCE = 0.5
FOLLOW_UP_LAW_MAX_WORDS = 5
# Intents a bare fact is often taken for ("nee, de oude wet" reads like "no"): the fact is what counts.
FACT_ONLY_INTENTS = ("inform", "affirm", "deny", "nlu_fallback", "dont_know", "out_of_scope")


def _since_previous_message(tracker: DialogueStateTracker) -> Tuple[List[Any], List[str]]:
    """(the events between the user's previous and latest message, the actions run since the latest one)."""
    recent: List[Any] = []
    ran: List[str] = []
    users = 0
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            users += 1
            if users == 2:
                break
        elif users == 0 and isinstance(event, ActionExecuted):
            ran.append(event.action_name)
        elif users == 1:
            recent.append(event)
    return list(reversed(recent)), ran


@lru_cache(maxsize=1)
def _settings() -> Settings:
    return Settings.from_env()


@lru_cache(maxsize=1)
def _catalogue() -> LiveCatalogue:
    """The content catalogue (reloaded when a file changes): the other names of each button."""
    return LiveCatalogue(_settings().content_dir)


def question_buttons(tracker: DialogueStateTracker, recent: List[Any]) -> List[Dict[str, Any]]:
    """The buttons of the question just asked, with their catalogue synonyms (`synonym_languages`)."""
    offered = [((e.metadata or {}).get("utter_action"), (e.data or {}).get("buttons") or [])
               for e in recent if isinstance(e, BotUttered)]
    if not any(buttons for _, buttons in offered):
        return []
    language = reply_language(tracker.current_slot_values(), _settings().default_language)
    return with_synonyms(offered, _catalogue().get(), synonym_languages(language))


def _asks_another_topic(latest: UserUttered, pressed_intent: str) -> bool:
    """A whole question that names a button's word ("do I pay the loan back?" beside "Loan", "is there help
    in my own language?" beside the language buttons) asks what the model is sure of, not for the button.
    (The law a message reveals always answers the law question.)"""
    name, confidence = (latest.intent or {}).get("name"), float((latest.intent or {}).get("confidence") or 0.0)
    return (len((latest.text or "").split()) > OWN_QUESTION_MIN_WORDS and name in TOPIC_INTENTS
            and name != pressed_intent and confidence >= OWN_QUESTION_CONFIDENCE)


def _other_law_for_the_same_topic(tracker: DialogueStateTracker, latest: UserUttered, last: Optional[str]) -> bool:
    """"En bij de oude wet?" right after an answer: the same topic for that law, whatever the model guessed
    (a short message naming a law, unless the model is sure it asks something else)."""
    intent = latest.intent or {}
    return (any(e.get("entity") == "law" for e in latest.entities or [])
            and len((latest.text or "").split()) <= FOLLOW_UP_LAW_MAX_WORDS
            and float(intent.get("confidence") or 0.0) < FOLLOW_UP_MAX_CONFIDENCE
            and answers_again(tracker.get_slot("topic"), last))


def _last_response(recent: List[Any]) -> Optional[str]:
    answers = [e for e in recent if isinstance(e, BotUttered)]
    return (answers[-1].metadata or {}).get("utter_action") if answers else None


def _stays_on_topic(latest: UserUttered, last_response: Optional[str]) -> bool:
    """A short, unsure question right after a one-answer topic ("hoelang doen ze dat?" after ontzorgen) asks
    about that topic: its answer holds the detail."""
    intent = latest.intent or {}
    return (last_response in FOLLOW_UP_ANSWERS and len((latest.text or "").split()) <= FOLLOW_UP_MAX_WORDS
            and intent.get("name") in (*TOPIC_INTENTS, "nlu_fallback")
            and float(intent.get("confidence") or 0.0) < FOLLOW_UP_MAX_CONFIDENCE)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class TypedAnswerPolicy(Policy):
    """Predicts pressing a button in words, or noting a fact; otherwise abstains (all zeros)."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # Above RulePolicy (6): when sure, it decides before the rules read the message as something else.
        return {"priority": 7}

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource

    def predict_action_probabilities(
        self, tracker: DialogueStateTracker, domain: Domain, rule_only_data: Optional[dict] = None, **kwargs: Any
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        action = self._action_for(tracker)
        if action and action in domain.action_names_or_texts:
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)

    @staticmethod
    def _action_for(tracker: DialogueStateTracker) -> Optional[str]:
        latest = tracker.latest_message
        if latest is None or (latest.text or "").lstrip().startswith("/"):
            return None
        recent, ran = _since_previous_message(tracker)
        if tracker.active_loop_name:
            # A form checks its own answers, but a typed choice is replayed as its button first, so that no
            # rule the words resemble ("how I was treated" read as asking for a person) takes it.
            typed = not ran and not latest.parse_data.get(TYPED_ANSWER_MARK)
            return PRESS_ACTION if typed and press_for(latest.text or "", question_buttons(tracker, recent)) else None
        if ran:  # after its own prediction, listen (no rule knows what follows it)
            return ACTION_LISTEN_NAME if len(ran) == 1 and ran[0] in (NOTE_FACTS_ACTION, *FOLLOW_UP_ANSWERS) else None
        if latest.parse_data.get(TYPED_ANSWER_MARK):
            return None
        press = press_for(latest.text or "", question_buttons(tracker, recent))
        if press and ("law" in press.entities or not _asks_another_topic(latest, press.intent)):
            return PRESS_ACTION
        intent = (latest.intent or {}).get("name")
        if intent in FACT_ONLY_INTENTS and any(e.get("entity") in FACT_ENTITIES for e in latest.entities or []):
            return NOTE_FACTS_ACTION
        last_response = _last_response(recent)
        if _other_law_for_the_same_topic(tracker, latest, last_response):
            return NOTE_FACTS_ACTION  # it answers the topic again for that law
        return last_response if _stays_on_topic(latest, last_response) else None
