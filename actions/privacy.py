""""Forget me": after the newcomer confirms, their conversation and linked records are erased."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.services import sessions, settings
from bot.db import transaction
from bot.privacy.erasure import request_erasure

logger = logging.getLogger(__name__)


class ActionEraseMyData(Action):
    """Erases handoffs, complaints and notes now, and the messages once this turn is over (bot/privacy/erasure.py:
    the web app's eraser has Rasa delete them under the conversation's lock, then checks both databases)."""

    def name(self) -> Text:
        return "action_erase_my_data"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        try:
            with transaction(sessions()) as session:
                request_erasure(session, settings().secret_key, tracker.sender_id)
        except SQLAlchemyError as error:  # its type only: a database error's text can hold the data
            logger.error("Erasure not recorded: database error (%s)", type(error).__name__)
            dispatcher.utter_message(response="utter_service_unavailable")
            return []
        dispatcher.utter_message(response="utter_data_erased")
        return [AllSlotsReset()]  # the assistant forgets at once what it was told
