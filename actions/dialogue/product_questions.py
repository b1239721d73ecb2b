"""Questions about products named or just shown: "is it waterproof?", "the cheapest of those", "X or Y?"."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue.form_validation import is_question
from actions.dialogue.product_replies import ShoppingReplies, describe
from actions.services import Services
from actions.shopping import references
from actions.shopping.context import SLOT, ShoppingContext, refinement
from actions.shopping.request import parse_request

# Questions about a shown product that the help centre answers ("can I return it?", "when will it be back?").
POLICY_ABOUT_PRODUCT = re.compile(
    r"\b(return\w*|refund\w*|exchange\w*|warrant\w*|guarantee\w*|deliver\w*|ship\w*|postage|customs|"
    r"back in stock|restock\w*|be back|come back|available again|gift ?wrap\w*)\b",
    re.IGNORECASE,
)
_RETURN = re.compile(r"\b(return\w*|send (?:it )?back|refund\w*)\b", re.IGNORECASE)
# A follow-up refers to the products of a search made this many customer messages ago at most.
RECENT_TURNS = 4


def recent_context(tracker: Tracker) -> ShoppingContext | None:
    """The shopping context, if the customer talked about products in their last few messages."""
    messages = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            messages += 1
            if messages > RECENT_TURNS:
                return None
        elif event.get("event") == "slot" and event.get("name") == SLOT:
            return ShoppingContext.from_slot(event.get("value"))
    return None


async def answer_about_products(
    services: Services, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, text: str
) -> list[dict[str, Any]] | None:
    """Answer a question about products named or just shown; None when the help centre should answer.

    "whats the price difference between the X and the Y" lists both; "is it waterproof?",
    "the first one, is it waterproof?", "which lasts longest?" describe the product meant;
    "do they have GPS?" describes every shown product.
    """
    index = await services.product_search.index()
    named = index.named_in(text)
    policy = await services.store.policy()
    replies = ShoppingReplies(dispatcher, tracker, domain, policy.currency)
    if len(named) > 1:
        replies.products(named, detailed=True)
        chosen = ShoppingContext(request=parse_request(text), shown=tuple(p.id for p in named))
        return [SlotSet(SLOT, chosen.to_slot()), SlotSet("topic", named[0].category)]
    context = recent_context(tracker)
    if named or context is None or not context.shown or not references.mentions_products(text):
        return None
    if refinement(text) and references.ordinal(text) is None and not references.about_all_shown(text):
        return None  # "nothing cheaper than that?" narrows the list: the shopping flow's job
    by_id = {p.id: p for p in index.products}
    shown = [by_id[i] for i in context.shown if i in by_id]
    product = references.pick(text, shown, by_id.get(context.focus or ""), index)
    if product is not None and product.final_sale and _RETURN.search(text):
        return await describe(
            services, dispatcher, context, product
        )  # its passage says it cannot be returned
    if POLICY_ABOUT_PRODUCT.search(text):
        return None
    if product is None:
        # "do they have GPS?", "does it do contactless payments?" about a list: every listed product,
        # described.
        if not (references.about_all_shown(text) or is_question(text)):
            return None
        replies.products(shown, detailed=True)
        return []
    return await describe(
        services, dispatcher, context, product, question=text if is_question(text) else None
    )


def policy_question_about_products(tracker: Tracker, text: str) -> bool:
    """Whether the text is a help-centre question about products in view.

    For example "can I return it?", "when will it be back?".
    """
    context = recent_context(tracker)
    return bool(
        context and context.shown and references.mentions_products(text) and POLICY_ABOUT_PRODUCT.search(text)
    )


async def focus_on(services: Services, tracker: Tracker, product_id: str) -> list[dict[str, Any]]:
    """Keep a product the answer was about in focus, so that "is it in stock?" means it."""
    context = ShoppingContext.from_slot(tracker.get_slot(SLOT))
    if context is not None and product_id in context.shown:
        focused = context.model_copy(update={"focus": product_id})
    else:
        index = await services.product_search.index()
        product = next((p for p in index.products if p.id == product_id), None)
        if product is None:
            return []
        focused = ShoppingContext(request=parse_request(product.name), shown=(product_id,), focus=product_id)
    return [SlotSet(SLOT, focused.to_slot())]
