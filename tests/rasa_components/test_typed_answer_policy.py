"""The policy that turns a typed answer into the button it names, or a bare fact into a note."""
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.config import PROJECT_ROOT
from bot.rasa_components.typed_answer_policy import NOTE_FACTS_ACTION, PRESS_ACTION, TypedAnswerPolicy

DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))
LAW_BUTTONS = [{"title": "From 2022 (new law, 2021)", "payload": '/ask_deadline{"law":"wi2021"}'},
               {"title": "Before 2022 (old law, 2013)", "payload": '/ask_deadline{"law":"wi2013"}'}]


def tracker(text, intent="inform", entities=(), buttons=LAW_BUTTONS, after=(), parse_extra=None):
    parse = {"intent": {"name": intent, "confidence": 0.6}, "entities": list(entities), "text": text,
             **(parse_extra or {})}
    events = [
        ActionExecuted("action_listen"), UserUttered("how long do I have?", {"name": "ask_deadline"}),
        ActionExecuted("action_answer_by_law"), BotUttered("Which law?", {"buttons": list(buttons)}),
        ActionExecuted("action_listen"), UserUttered(text, parse["intent"], parse["entities"], parse), *after,
    ]
    return DialogueStateTracker.from_events("someone", events, DOMAIN.slots)


def predicted(the_tracker):
    policy = TypedAnswerPolicy.create(TypedAnswerPolicy.get_default_config(), LocalModelStorage(PROJECT_ROOT / ".rasa"),
                                      Resource("typed_answers"), ExecutionContext(GraphSchema({}), "test"))
    probabilities = policy.predict_action_probabilities(the_tracker, DOMAIN).probabilities
    best = max(range(len(probabilities)), key=probabilities.__getitem__)
    return DOMAIN.action_names_or_texts[best] if probabilities[best] > 0 else None


@pytest.mark.parametrize("text", ["new law", "nieuwe wet", "2021", "ik ben in 2023 gekomen", "1"])
def test_a_typed_answer_to_the_question_presses_its_button(text):
    assert predicted(tracker(text, intent="ask_learning_route")) == PRESS_ACTION


def test_a_bare_fact_without_buttons_is_noted():
    law = {"entity": "law", "value": "wi2013"}
    assert predicted(tracker("no, the old law", intent="deny", entities=[law], buttons=[])) == NOTE_FACTS_ACTION


@pytest.mark.parametrize("case", ["payload", "replayed", "after_an_action", "unrelated"])
def test_it_abstains_otherwise(case):
    the_tracker = {
        "payload": lambda: tracker('/ask_deadline{"law":"wi2021"}', intent="ask_deadline"),
        "replayed": lambda: tracker("new law", parse_extra={"typed_answer": "/ask_deadline"}),
        "after_an_action": lambda: tracker("new law", after=[ActionExecuted("action_press_typed_button")]),
        "unrelated": lambda: tracker("what does the exam cost?", intent="ask_costs"),
    }[case]()
    assert predicted(the_tracker) is None


def follow_up(text, confidence, previous="utter_ontzorgen", intent="ask_deadline"):
    parse = {"intent": {"name": intent, "confidence": confidence}, "entities": [], "text": text}
    events = [ActionExecuted("action_listen"), UserUttered("ontzorgen?", {"name": "ask_ontzorgen"}),
              ActionExecuted(previous), BotUttered("…", metadata={"utter_action": previous}),
              ActionExecuted("action_listen"), UserUttered(text, parse["intent"], [], parse)]
    return DialogueStateTracker.from_events("someone", events, DOMAIN.slots)


def test_a_short_unsure_follow_up_stays_on_the_topic_just_answered():
    assert predicted(follow_up("hoelang doen ze dat", 0.31)) == "utter_ontzorgen"
    assert predicted(follow_up("wat kost het examen voor mij eigenlijk precies", 0.9, intent="ask_costs")) is None
    assert predicted(follow_up("hoelang doen ze dat", 0.31, previous="utter_greet")) is None


def test_after_its_own_prediction_it_listens():
    law = {"entity": "law", "value": "wi2013"}
    noted = tracker("nee, de oude wet", intent="deny", entities=[law], buttons=[],
                    after=[ActionExecuted(NOTE_FACTS_ACTION)])
    assert predicted(noted) == "action_listen"


def test_a_typed_choice_inside_a_form_is_replayed_as_its_button():
    """In the complaint form "how they treated me" (read by the model as asking for a person) is the choice."""
    buttons = [{"title": "A decision", "payload": '/choose{"complaint_kind":"decision"}'},
               {"title": "How I was treated", "payload": '/choose{"complaint_kind":"treatment"}'}]
    events = [ActionExecuted("action_listen"), UserUttered("i want to complain", {"name": "file_complaint"}),
              ActionExecuted("complaint_form"), ActiveLoop("complaint_form"),
              BotUttered("Is it about…", {"buttons": buttons},
                         metadata={"utter_action": "utter_ask_complaint_form_complaint_kind"}),
              ActionExecuted("action_listen"),
              UserUttered("how they treated me", {"name": "request_human", "confidence": 0.49})]
    form = DialogueStateTracker.from_events("someone", events, DOMAIN.slots)
    assert predicted(form) == PRESS_ACTION
    events[-1] = UserUttered("ik wil een mens spreken", {"name": "request_human", "confidence": 0.99})
    assert predicted(DialogueStateTracker.from_events("someone", events, DOMAIN.slots)) is None


def test_a_whole_question_beside_a_topic_button_is_its_own_question():
    topics = [{"title": "Loan", "payload": "/ask_loan"}, {"title": "Exams", "payload": "/ask_exam"}]
    own = tracker("do i have to pay the loan back later", intent="ask_loan_repayment", buttons=topics)
    own.latest_message.intent["confidence"] = 0.9
    assert predicted(own) is None
    assert predicted(tracker("the loan", intent="ask_loan_repayment", buttons=topics)) == PRESS_ACTION


def test_the_other_law_right_after_an_answer_answers_the_same_topic_again():
    from rasa.shared.core.events import SlotSet

    def after_pvt(text, confidence):
        law = {"entity": "law", "value": "wi2013"}
        parse = {"intent": {"name": "ask_deadline", "confidence": confidence}, "entities": [law], "text": text}
        events = [ActionExecuted("action_listen"), UserUttered("wat is de pvt?", {"name": "ask_pvt_map"}),
                  SlotSet("topic", "ask_pvt_map"), SlotSet("law", "wi2021"), ActionExecuted("action_answer_by_law"),
                  BotUttered("…", metadata={"utter_action": "utter_pvt_map_wi2021"}),
                  ActionExecuted("action_listen"), UserUttered(text, parse["intent"], [law], parse)]
        return DialogueStateTracker.from_events("someone", events, DOMAIN.slots)

    assert predicted(after_pvt("en bij de oude wet?", 0.39)) == NOTE_FACTS_ACTION
    assert predicted(after_pvt("termijn oude wet?", 0.85)) is None  # a question of its own
