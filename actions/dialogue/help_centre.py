"""Answers from the store's help centre and catalogue."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue.base import ServiceAction
from actions.dialogue.formatting import format_product

logger = logging.getLogger(__name__)


class ActionAnswerFromHelpCentre(ServiceAction):
    """Quotes the help-centre article that best answers the customer's question."""

    def name(self) -> str:
        """Action name."""
        return "action_answer_from_help_centre"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Reply with the article's first paragraph and its link."""
        intent = tracker.get_intent_of_latest_message() or ""
        question = tracker.latest_message.get("text") or ""
        article = await self.services.knowledge.best_article(question, intent)
        if article is None:
            logger.info("no article for intent=%s sender_id=%s", intent, tracker.sender_id)
            dispatcher.utter_message(response="utter_no_article")
            return []
        logger.info("article %s for sender_id=%s", article.id, tracker.sender_id)
        dispatcher.utter_message(
            response="utter_help_article", summary=article.summary, title=article.title, url=article.url
        )
        return []


class ActionAnswerProductQuestion(ServiceAction):
    """Lists the catalogue products that match the customer's question."""

    def name(self) -> str:
        """Action name."""
        return "action_answer_product_question"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Reply with up to three products, their prices and availability."""
        question = tracker.latest_message.get("text") or ""
        products = await self.services.knowledge.matching_products(question)
        if not products:
            dispatcher.utter_message(response="utter_no_products")
            return []
        policy = await self.services.store.policy()
        lines = "\n".join(format_product(p, policy.currency) for p in products)
        dispatcher.utter_message(response="utter_products_found", products=lines)
        return []
