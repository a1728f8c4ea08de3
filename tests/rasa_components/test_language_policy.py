"""The reply language switches on request, not when a language is named about the exam."""
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.config import PROJECT_ROOT
from bot.rasa_components.language_policy import LanguagePolicy

DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))


def slot_events(previous_answer):
    parse = {"intent": {"name": "change_language", "confidence": 0.7}, "text": "en in het Engels?",
             "entities": [{"entity": "requested_language", "value": "en"}],
             "language": {"code": "nl", "clear": False, "grounded": True}}
    events = [ActionExecuted("action_listen"), UserUttered("mag het examen in het Arabisch?", {"name": "x"}),
              BotUttered("…", metadata={"utter_action": previous_answer}), ActionExecuted("action_listen"),
              UserUttered(parse["text"], parse["intent"], parse["entities"], parse)]
    tracker = DialogueStateTracker.from_events("someone", events, DOMAIN.slots)
    tracker.update(SlotSet("language", "nl"))
    policy = LanguagePolicy.create(LanguagePolicy.get_default_config(), LocalModelStorage(PROJECT_ROOT / ".rasa"),
                                   Resource("language"), ExecutionContext(GraphSchema({}), "test"))
    return [(e.key, e.value) for e in policy.predict_action_probabilities(tracker, DOMAIN).events]


def test_a_language_named_right_after_the_exam_language_answer_does_not_switch():
    assert slot_events("utter_exam_language") == []


def test_a_request_elsewhere_switches():
    assert slot_events("utter_greet") == [("language", "en")]
