"""Products said in the channel's way.

A carousel on the widget, numbered lines elsewhere; one product described.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answering.answerer import PRODUCT_KIND_WORDS
from actions.dialogue.offers import CAROUSEL_CHANNELS
from actions.recommendations.carousel import carousel_payload, wording_from_domain
from actions.recommendations.models import Recommendation
from actions.services import Services
from actions.shopping.context import SLOT, ShoppingContext
from actions.shopping.request import parse_request
from actions.shopping.wording import ShoppingWording
from actions.store.models import Product


class ShoppingReplies:
    """Says a search result in the channel's way: a carousel on the widget, numbered lines elsewhere."""

    def __init__(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, currency: str
    ) -> None:
        self.dispatcher = dispatcher
        self.tracker = tracker
        self.domain = domain
        self.wording = ShoppingWording.from_domain(domain, currency)
        self.currency = currency

    def products(self, products: list[Product], detailed: bool = False) -> None:
        """The products, best first."""
        if self.tracker.get_latest_input_channel() in CAROUSEL_CHANNELS:
            carousel = wording_from_domain(self.domain, self.currency)
            items = [_as_card(p, self.wording.stock(p)) for p in products]
            self.dispatcher.utter_message(json_message=dict(carousel_payload(items, carousel)))
        if detailed or self.tracker.get_latest_input_channel() not in CAROUSEL_CHANNELS:
            self.dispatcher.utter_message(text=self.wording.lines(products, detailed=detailed))

    def say(self, response: str, **values: Any) -> None:
        """A domain response with the search's values."""
        self.dispatcher.utter_message(response=response, **values)


def _as_card(product: Product, stock: str) -> Recommendation:
    return Recommendation(
        product_id=product.id, name=product.name, price=product.price, category=product.category,
        reason="similar", score=0.0, note=stock,
    )  # fmt: skip


async def describe(
    services: Services,
    dispatcher: CollectingDispatcher,
    context: ShoppingContext | None,
    product: Product,
    question: str | None = None,
) -> list[dict[str, Any]]:
    """The product's catalogue passage (price, stock, description, details), and the product in focus.

    Asked something the passage does not say ("is it waterproof?" of a book), the reply says so first.
    """
    passages = await services.retriever.source_passages(product.id)
    if question and passages:
        uncovered = await services.coverage.uncovered(question, passages[:1], PRODUCT_KIND_WORDS)
        if uncovered:
            dispatcher.utter_message(response="utter_product_detail_unknown", name=product.name)
    dispatcher.utter_message(text=passages[0].text if passages else product.description)
    focused = (
        context.model_copy(update={"focus": product.id})
        if context is not None
        else ShoppingContext(request=parse_request(product.name), shown=(product.id,), focus=product.id)
    )
    return [SlotSet(SLOT, focused.to_slot()), SlotSet("topic", product.category)]
