"""The Rasa side of privacy: erasure and retention under the conversation's lock, with Rasa's own lock store
and our SQL tracker store (bot/rasa_components/privacy.py, tracker_store.py); complaint codes never stored;
SQL parameters never in error texts.

A "turn" here does what Rasa's agent does for a message: take the conversation's lock, read the tracker,
add the turn's events, save, release.
"""
import asyncio
import json
import time
from contextlib import asynccontextmanager
from types import SimpleNamespace

import pytest
import sqlalchemy
from rasa.core.lock_store import InMemoryLockStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import select

from bot.config import PROJECT_ROOT
from bot.privacy.conversations import CONCEALED, erase_events
from bot.rasa_components.privacy import erase_conversation, retain_conversations
from bot.rasa_components.tracker_store import UrlSQLTrackerStore
from bot.transcripts import events_table

SENDER = "web-forget-me"


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


@pytest.fixture
def agent(tmp_path, domain):
    store = UrlSQLTrackerStore(domain, url=f"sqlite:///{tmp_path / 'tracker.db'}")
    yield SimpleNamespace(tracker_store=store, lock_store=InMemoryLockStore())
    store.engine.dispose()


@asynccontextmanager
async def turn(agent, text, answer=None):
    """A message of the conversation being handled: yields the tracker; saves it at the end."""
    async with agent.lock_store.lock(SENDER):
        tracker = await agent.tracker_store.get_or_create_tracker(SENDER, append_action_listen=False)
        tracker.update(UserUttered(text, {"name": "greet", "confidence": 1.0}))
        yield tracker
        tracker.update(BotUttered(answer or f"an answer to {text}"))
        tracker.update(ActionExecuted("action_listen"))
        await agent.tracker_store.save(tracker)


def stored(agent, sender=SENDER):
    with agent.tracker_store.engine.connect() as connection:
        rows = connection.execute(select(events_table.c.type_name, events_table.c.data)
                                  .where(events_table.c.sender_id == sender).order_by(events_table.c.id)).all()
    return [(kind, json.loads(data)) for kind, data in rows]


def texts(agent, sender=SENDER):
    return [data.get("text") for kind, data in stored(agent, sender) if kind in ("user", "bot")]


def test_an_erasure_during_a_turn_waits_for_it_and_nothing_comes_back(agent):
    async def scenario():
        async with turn(agent, "my case is INB-123456"):
            pass
        async with turn(agent, "please forget me"):
            erasing = asyncio.create_task(erase_conversation(agent, SENDER, None, wait=True))
            quick = await erase_conversation(agent, SENDER, None, wait=False)
            await asyncio.sleep(0.3)
            waiting = erasing.done()
        erased = await erasing
        async with turn(agent, "hello again"):
            pass
        return quick, waiting, erased

    quick, waiting, erased = asyncio.run(scenario())
    assert quick is None and waiting is False  # neither deleted anything while the turn ran
    assert erased["remaining"] == 0 and erased["erased"] >= 6
    assert texts(agent) == ["hello again", "an answer to hello again"]  # nothing of before came back


def test_rows_deleted_outside_the_lock_during_a_turn_come_back(agent):
    """Why the lock is needed: Rasa writes back what it had read when rows disappear during a turn."""
    async def scenario():
        async with turn(agent, "my case is INB-123456"):
            pass
        async with turn(agent, "please forget me"):
            with agent.tracker_store.engine.begin() as connection:
                erase_events(connection, SENDER)  # what the web app used to do

    asyncio.run(scenario())
    assert "my case is INB-123456" in texts(agent)


def test_retention_in_an_active_conversation_keeps_what_rasa_needs(agent):
    long_ago = time.time() - 100 * 86400

    async def scenario():
        tracker = DialogueStateTracker(SENDER, agent.tracker_store.domain.slots)
        tracker.update(SessionStarted())
        await agent.tracker_store.save(tracker)
        async with turn(agent, "an old message"):
            pass
        with agent.tracker_store.engine.begin() as connection:  # the session started 100 days ago
            connection.execute(events_table.update().values(timestamp=long_ago))
        async with turn(agent, "a recent message"):
            pass
        result = await retain_conversations(agent, time.time() - 90 * 86400, "", 10)
        async with turn(agent, "and now"):
            pass
        return result, await agent.tracker_store.retrieve(SENDER)

    result, tracker = asyncio.run(scenario())
    assert result == {"conversations": 1, "events": 3, "next": None}
    assert [kind for kind, _data in stored(agent)][:2] == ["session_started", "user"]
    assert texts(agent) == ["a recent message", "an answer to a recent message", "and now", "an answer to and now"]
    assert tracker.latest_message.text == "and now"  # Rasa loads the session and goes on with it


def test_no_complaint_code_is_ever_stored(agent):
    async def scenario():
        async with turn(agent, "what is the status of my complaint KL-2026-7F3K9Q") as tracker:
            tracker.update(ActiveLoop("complaint_status_form"))
            tracker.update(SlotSet("requested_slot", "complaint_code"))
        async with turn(agent, "my code is 482913", answer="Your complaint is being handled.") as tracker:
            assert tracker.latest_message.text == "my code is 482913"  # the turn itself has it
            tracker.update(SlotSet("complaint_code", "482913"))
            tracker.update(ActiveLoop(None))
            tracker.update(SlotSet("requested_slot", None))
            tracker.update(SlotSet("complaint_code", None))
        async with turn(agent, "thank you") as tracker:
            tracker.update(BotUttered("Your reference is KL-2026-7F3K9Q and your code is 551234.",
                                      metadata={"utter_action": "utter_complaint_filed", "code": "551234"}))
        return await agent.tracker_store.retrieve(SENDER)

    tracker = asyncio.run(scenario())
    rows = json.dumps(stored(agent), ensure_ascii=False)
    assert "482913" not in rows and "551234" not in rows and CONCEALED in rows
    assert "KL-2026-7F3K9Q" in rows and "thank you" in rows  # everything else as it was
    assert tracker.get_slot("complaint_code") is None


def test_the_tracker_store_hides_sql_parameters(agent):
    assert agent.tracker_store.engine.hide_parameters
    with pytest.raises(sqlalchemy.exc.IntegrityError) as raised:
        with agent.tracker_store.engine.begin() as connection:
            connection.execute(events_table.insert().values(
                sender_id=None, type_name="user", data=json.dumps({"text": "my secret story"})))
    assert "my secret story" not in str(raised.value)
