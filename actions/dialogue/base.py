"""What every action shares: access to services and one error edge."""

from __future__ import annotations

import logging
from abc import abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import metrics
from actions.errors import AssistantError
from actions.services import Services, get_services

logger = logging.getLogger(__name__)


class ServiceAction(Action):
    """Base of our actions: injected services and a safe error edge.

    Subclasses declare ``name()`` and implement ``act()``; this class is not
    registered because ``name()`` stays abstract.
    """

    def __init__(self, services: Services | None = None) -> None:
        self._services = services

    @property
    def services(self) -> Services:
        """Services given by a test, else the process-wide ones."""
        return self._services or get_services()

    @abstractmethod
    def name(self) -> str:
        """The action's name in the domain."""

    @abstractmethod
    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Do the action's work; may raise AssistantError."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Run ``act`` and turn our own errors into a fixed, honest reply."""
        try:
            return await self.act(dispatcher, tracker, domain)
        except AssistantError as error:
            logger.exception("%s failed for sender_id=%s", self.name(), tracker.sender_id)
            metrics.action_failed(self.name(), metrics.error_kind(error))
            dispatcher.utter_message(response="utter_technical_problem")
            return []
