"""The shopping assistant in the conversation: searches, refinements and "the second one"."""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue.base import ServiceAction
from actions.dialogue.offers import offer_for_turn
from actions.dialogue.order_flow import ORDER_PROBLEM
from actions.dialogue.product_questions import POLICY_ABOUT_PRODUCT, answer_about_products
from actions.dialogue.product_replies import ShoppingReplies, describe
from actions.services import Services
from actions.shopping import references
from actions.shopping.catalogue import CatalogueIndex, tokens
from actions.shopping.context import SLOT, ShoppingContext, refine, refinement
from actions.shopping.lexicon import TYPE_GROUPS, group_of
from actions.shopping.request import ShoppingRequest, parse_request
from actions.shopping.search import SearchResult
from actions.store.models import Product

logger = logging.getLogger(__name__)

# "looking for ...", "do you have ...", "show me ...": a message that asks for products.
_ASKS_FOR_PRODUCTS = re.compile(
    r"\b(?:do|does|d'you)\s+(?:you|u|ya|y'all|you guys|u guys)\s+(?:\w+\s+)?"
    r"(?:sell|have|carry|stock|got|make)\b"
    r"|\bhave you got\b|\bgot any\b|\b(?:looking|searching|shopping) for\b"
    r"|\b(?:i|we) (?:need|want|would like|'d like)\s+"
    r"(?:a|an|some|something|anything|new|to buy|to get)\b|\bshow me\b|\b(?:i'?m|im) after\b"
    r"|\bin the market for\b|\bwhere (?:can i|do i) (?:buy|find)\b"
    r"|\bany\s+\w+(?:\s+\w+)?\s+(?:for|under|in|with)\b|\bi'?d like to buy\b|\bdo you sell\b"
    r"|\bgot any(?:thing)?\b|\b(?:any|some)thing\s+(?:for|under|in|like|to|that)\b"
    r"|\bwhat(?:'?s|s| is| are)? good for\b"
    r"|\bwhat (?:do|should|would|could|can) (?:i|we) (?:need|get|buy|give)\b|\bideas?\b|\bsuggestions?\b",
    re.IGNORECASE,
)


def asks_for_products(text: str) -> bool:
    """Whether the message asks for products (so "we don't sell that" is an answer to it)."""
    return bool(_ASKS_FOR_PRODUCTS.search(text))


# "do you sell ...?", "have you got ...", "do u have any ...": answered yes or no.
_YES_NO = re.compile(
    r"\b(?:do|does|d'you)\s+(?:you|u|ya|y'all|you guys|u guys|brightcart)\s+(?:\w+\s+)?"
    r"(?:sell|have|carry|stock|do|offer|make|got)\b"
    r"|\bhave you got\b|\bgot any\b|\bare there any\b|\bis there any\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Shown:
    """What a shopping turn showed, for the slot and the offer decision."""

    events: list[dict[str, Any]]
    products: list[Product]


def _main_category(products: list[Product]) -> str | None:
    categories = Counter(p.category for p in products)
    return categories.most_common(1)[0][0] if categories else None


class ShoppingFlow:
    """One shopping turn: read the request (or the refinement), search, reply, remember."""

    def __init__(self, services: Services, replies: ShoppingReplies, tracker: Tracker) -> None:
        self.services = services
        self.replies = replies
        self.tracker = tracker
        self.context = ShoppingContext.from_slot(tracker.get_slot(SLOT))

    async def run(self, text: str, detailed: bool = False) -> Shown | None:
        """Search and reply; None when the message asks for nothing a search can answer."""
        if not_a_search(text):
            return None
        request = parse_request(text)
        how = refinement(text)
        names_a_kind = await self.services.product_search.names_a_kind(request)
        gift_for_someone = self.context is not None and bool(
            self.context.request.recipient or self.context.request.gift
        )
        adds_to_a_gift = (
            gift_for_someone and bool(request.interests) and not (names_a_kind or request.recipient)
        )
        if self.context is not None and (
            how or adds_to_a_gift or not (names_a_kind or request.interests or request.recipient)
        ):
            if how or request.has_criteria or request.excluded:
                return await self._refined(request, how, detailed)
        if not request.has_criteria:
            return None
        result = await self.services.product_search.search(request)
        return await self._reply(request, result, detailed, yes_no=bool(_YES_NO.search(text)))

    async def _refined(self, new: ShoppingRequest, how: str | None, detailed: bool) -> Shown | None:
        assert self.context is not None
        search = self.services.product_search
        index = await search.index()
        by_id = {p.id: p for p in index.products}
        shown_prices = [by_id[i].price for i in self.context.shown if i in by_id]
        request = refine(self.context.request, new, how, shown_prices)  # type: ignore[arg-type]
        exclude = self.context.seen if how == "more" else ()
        result = await search.search(request, exclude=exclude)
        wording = self.replies.wording
        what = result.what if result.kind != "ideas" else wording.ideas(self.context.request)
        if not result.products and result.kind in ("match", "partial", "ideas"):
            # Everything fits, but all of it was shown already: say so rather than repeat.
            response = {
                "cheaper": "utter_products_cheapest_already",
                "dearer": "utter_products_dearest_already",
            }
            self.replies.say(
                response.get(how or "", "utter_products_no_more"),
                what=what, constraints=wording.constraints(self.context.request),
            )  # fmt: skip
            return Shown([], [])
        if how == "cheaper" and result.kind == "filtered_out" and result.blocked_by == "price":
            self.replies.say(
                "utter_products_cheapest_already",
                what=what,
                constraints=wording.constraints(self.context.request),
            )
            return Shown([], [])
        seen = (*self.context.seen, *(p.id for p in result.products)) if how == "more" else ()
        return await self._reply(request, result, detailed, more=how == "more", seen=seen)

    async def _reply(
        self,
        request: ShoppingRequest,
        result: SearchResult,
        detailed: bool,
        *,
        yes_no: bool = False,
        more: bool = False,
        seen: tuple[str, ...] = (),
    ) -> Shown | None:
        wording = self.replies.wording
        constraints = wording.constraints(request)
        products = result.products
        if result.kind == "match":
            response = (
                "utter_products_more"
                if more
                else ("utter_products_yes" if yes_no else "utter_products_found")
            )
            self.replies.say(response, what=result.what, constraints=constraints)
        elif result.kind == "partial":
            asked = " ".join((*result.missing, result.what))
            self.replies.say("utter_products_partial", asked=asked, what=result.what, constraints=constraints)
        elif result.kind == "ideas":
            if not (request.gift or request.interests or asks_for_products(request.text)):
                return None  # "it's going to my mum in Toronto": a person named is not a shopping request
            self.replies.say(
                "utter_products_ideas", for_whom=wording.for_whom(request), constraints=constraints
            )
        elif result.kind == "none":
            if not asks_for_products(request.text):
                return None  # "you got a good banana bread recipe?" is no product search
            products = await self._nearest(request, result)
        else:
            self._filtered_out(request, result, constraints)
        if products:
            self.replies.products(products, detailed=detailed)
        logger.info(
            "shopping sender_id=%s kind=%s total=%d shown=%s",
            self.tracker.sender_id,
            result.kind,
            result.total,
            [p.id for p in products],
        )
        context = ShoppingContext(
            request=request,
            shown=tuple(p.id for p in products) or (self.context.shown if self.context else ()),
            seen=seen or tuple(p.id for p in products),
            focus=products[0].id if len(products) == 1 else None,
        )
        return Shown([SlotSet(SLOT, context.to_slot())], products)

    async def _nearest(self, request: ShoppingRequest, result: SearchResult) -> list[Product]:
        """After "We don't sell lawn mowers": the nearest department's best, within the customer's filters."""
        if result.nearest_category is None:
            self.replies.say("utter_products_none_plain", what=result.what)
            return []
        department = request.model_copy(
            update={"words": tuple(result.nearest_category.lower().split()), "interests": ()}
        )
        found = await self.services.product_search.search(department)
        if not found.products:
            self.replies.say("utter_products_none_plain", what=result.what)
            return []
        self.replies.say("utter_products_none", what=result.what, category=result.nearest_category)
        return found.products

    def _filtered_out(self, request: ShoppingRequest, result: SearchResult, constraints: str) -> None:
        options = ", ".join(result.options)
        if result.blocked_by == "colour":
            self.replies.say(
                "utter_products_none_colour",
                what=result.what,
                wanted=" or ".join(request.colours),
                options=options,
            )
        elif result.blocked_by == "size":
            self.replies.say(
                "utter_products_none_size",
                what=result.what,
                wanted=" or ".join(request.sizes),
                options=options,
            )
        elif result.blocked_by == "numbers":
            attribute, wanted, how = request.numbers[0]
            most = result.options[-1] if how == "min" and result.options else options
            response = "utter_products_none_min" if how == "min" else "utter_products_none_equal"
            self.replies.say(
                response, what=result.what, wanted=f"{wanted:g}", attribute=attribute, options=most
            )
        elif result.blocked_by == "stock":
            self.replies.say("utter_products_none_stock", what=result.what, constraints=constraints)
        else:
            self.replies.say("utter_products_none_price", what=result.what, constraints=constraints)


# About a product already bought ("the jacket i got looks nothing like the photos"): not a search.
_BOUGHT = re.compile(
    r"\b(?:i|we)\s+(?:got|received|bought|ordered|purchased)\b|\b(?:arrived|came|delivered)\b|\bmy order\b",
    re.IGNORECASE,
)


def not_a_search(text: str) -> bool:
    """Whether the message is about a policy or a purchase already made, however many product words it has.

    "do you have any laptops? mine just died" still asks for products.
    """
    if POLICY_ABOUT_PRODUCT.search(text):
        return True
    return not asks_for_products(text) and bool(_BOUGHT.search(text) or ORDER_PROBLEM.search(text))


async def show_products(
    services: Services, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, text: str,
    detailed: bool = False,
) -> list[dict[str, Any]] | None:  # fmt: skip
    """Run a shopping turn for ``text`` with the offer that fits what was shown.

    None if it is no shopping request.
    """
    policy = await services.store.policy()
    flow = ShoppingFlow(services, ShoppingReplies(dispatcher, tracker, domain, policy.currency), tracker)
    shown = await flow.run(text, detailed=detailed)
    if shown is None:
        return None
    events = list(shown.events)
    topic = _main_category(shown.products)
    if topic:
        events.append(SlotSet("topic", topic))
        offer, offer_events = await offer_for_turn(
            services, tracker, tracker.get_intent_of_latest_message(), topic, [p.id for p in shown.products]
        )
        if offer:
            dispatcher.utter_message(text=offer)
        events += offer_events
    return events


class ActionSearchProducts(ServiceAction):
    """Products for what the customer asks ("running shoes under $100"), or its refinement ("in blue")."""

    def name(self) -> str:
        """Action name."""
        return "action_search_products"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Search (or refine, or pick from the last list).

        A message that is no search goes to the answering action.
        """
        text = tracker.latest_message.get("text") or ""
        picked = await answer_about_products(self.services, dispatcher, tracker, domain, text)
        if picked is not None:
            return picked
        events = await show_products(self.services, dispatcher, tracker, domain, text)
        if events is None:
            return [FollowupAction("action_answer_question")]
        return events


class ActionChooseProduct(ServiceAction):
    """For "the second one": that product of the last list, described from the catalogue."""

    def name(self) -> str:
        """Action name."""
        return "action_choose_product"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Describe the chosen product and keep it in focus."""
        text = tracker.latest_message.get("text") or ""
        context = ShoppingContext.from_slot(tracker.get_slot(SLOT))
        if context is None or not context.shown:
            dispatcher.utter_message(response="utter_products_ask_what")
            return []
        index = await self.services.product_search.index()
        by_id = {p.id: p for p in index.products}
        shown = [by_id[i] for i in context.shown if i in by_id]
        chosen = references.pick(text, shown, by_id.get(context.focus or ""), index)
        if chosen is None:
            dispatcher.utter_message(response="utter_products_which_one")
            return []
        return await describe(self.services, dispatcher, context, chosen)


def looks_like_shopping(text: str, index: CatalogueIndex) -> bool:
    """Whether a question asks for products rather than a policy.

    "do you have yoga mats" asks for products, "how much is shipping" for a policy.
    """
    if POLICY_ABOUT_PRODUCT.search(text):
        return False
    request = parse_request(text)
    return bool(request.interests) or any(
        (words := tokens(word)) and (words[0] in index.vocabulary or group_of(words[0], TYPE_GROUPS))
        for word in request.words
    )
