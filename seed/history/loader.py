"""Loads the demo history into a demo store's Redis: once, in demo mode only.

Reads what the history is written for from Redis (the loaded demo store's products,
categories, customers with their orders and segment profiles, the offer rules in
force), simulates the traffic (``volume.py``), fills in the conversations
(``plan.py``), writes them as the live product would (``writer.py``) and records that
the history is loaded (``Keys.demo_history``), so a second start skips it.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from actions.errors import AssistantError
from actions.keys import Keys
from actions.offers.rules import OfferRule
from actions.offers.store import RuleStore
from actions.redis_edge import text
from actions.segments.models import CustomerProfile
from seed.catalogue_words import COUNTRIES, VOUCHER_CODES
from seed.history.open_handoffs import OpenHandoffPlanner, open_inbox, prepare_open
from seed.history.orders import add_demo_orders, restore_demo_orders
from seed.history.plan import Customer, Planner, first_midnight
from seed.history.subjects import Fillers, load_subjects
from seed.history.volume import simulate
from seed.history.writer import HistoryWriter
from web.accounts.demo import DEMO_ACCOUNTS

DEFAULT_DAYS = 42
DEFAULT_SEED = 7
# Signed-in conversations come from this many demo customers (their orders, their segments).
CUSTOMERS = 400
CARRIERS = ["UPS", "USPS", "DHL Express"]
COUNTRY_NAMES = {"CA": "Canada", "GB": "the UK", "DE": "Germany", "FR": "France", "NL": "the Netherlands"}


class HistoryRefused(AssistantError):
    """The demo history may not be loaded here (production mode, or no demo store loaded)."""


@dataclass(frozen=True)
class HistoryOptions:
    """How much history, from which seed, ending when (default now)."""

    days: int = DEFAULT_DAYS
    seed: int = DEFAULT_SEED
    now: float | None = None


@dataclass
class HistoryReport:
    """What was loaded (empty ``counts`` when a history was already there)."""

    already_loaded: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    onset: str | None = None

    def lines(self) -> list[str]:
        """Printable summary."""
        if self.already_loaded:
            return ["demo history already loaded: left as it is"]
        what = ", ".join(f"{count} {kind}" for kind, count in self.counts.items())
        planted = f"; planted rise from {self.onset}" if self.onset else ""
        return [f"demo history loaded in {self.seconds:.1f} s: {what}{planted}"]


def load_history(
    redis_url: str, keys: Keys, mode: str, options: HistoryOptions | None = None
) -> HistoryReport:
    """Load the demo history unless one is loaded (module docstring).

    Raises:
        HistoryRefused: ``mode`` is production, or no demo store is loaded.

    """
    if mode != "demo":
        raise HistoryRefused(f"the demo history is simulated data for demo mode only (CS_ENV={mode})")
    options = options or HistoryOptions()
    if options.days < 8:
        raise ValueError("days: at least 8, so that the emerging test has a baseline")
    started = time.perf_counter()
    redis = Redis.from_url(redis_url)
    try:
        if redis.exists(keys.demo_history):
            restore_demo_orders(redis, keys)  # a store reload (every demo start) dropped them
            return HistoryReport(already_loaded=True)
        now = time.time() if options.now is None else options.now
        fillers, customers = _store_material(redis, keys, options.seed)
        version, rules = asyncio.run(_rules(redis_url, keys))
        subjects = list(load_subjects())
        first = first_midnight(now, options.days)
        traffic = simulate(subjects, options.days, first.weekday(), options.seed)
        conversations = Planner(subjects, fillers, customers, rules, options.seed).plan(traffic, first, now)
        agent = next(a for a in DEMO_ACCOUNTS if a.role == "agent")
        writer = HistoryWriter(redis, keys, now, (agent.username, agent.display_name), version)
        # The last hour's conversations still waiting for a person (open_handoffs.py).
        opened = OpenHandoffPlanner(subjects, fillers, customers, rules, options.seed).plan(now)
        conversations += [o.conversation for o in opened]
        for conversation in conversations:
            writer.add(conversation)
        prepare_open(redis, keys, writer, opened)
        counts = dict(writer.flush().counts) | open_inbox(redis_url, redis, keys, writer, opened, now)
        counts["demo orders"] = add_demo_orders(redis, keys, conversations, options.seed, now)
        onset = None if traffic.onset is None else (first + timedelta(days=traffic.onset)).date().isoformat()
        report = HistoryReport(counts=counts, onset=onset)
        redis.hset(
            keys.demo_history,
            mapping={
                "loaded_at": datetime.fromtimestamp(now, UTC).isoformat(),
                "days": options.days,
                "seed": options.seed,
                "first_day": first.date().isoformat(),
                "onset": report.onset or "",
                "counts": json.dumps(counts, sort_keys=True),
            },
        )
        report.seconds = time.perf_counter() - started
        return report
    finally:
        redis.close()


def _store_material(redis: Redis, keys: Keys, seed: int) -> tuple[Fillers, list[Customer]]:
    """Product names, categories and a seeded sample of customers with their orders and segments."""
    products = [json.loads(raw) for raw in redis.hvals(keys.products)]
    if not products:
        raise HistoryRefused(f"no store is loaded ({keys.products} is empty): load the demo store first")
    names = sorted(str(p["name"]) for p in products)
    categories = sorted({str(p["category"]) for p in products})
    ids = sorted(text(raw) for raw in redis.smembers(keys.customer_ids))
    chosen = random.Random(seed).sample(ids, min(CUSTOMERS, len(ids)))
    pipe = redis.pipeline(transaction=False)
    for customer_id in chosen:
        pipe.get(keys.profile(customer_id))
        pipe.zrange(keys.customer_orders(customer_id), 0, -1)
    replies = pipe.execute()
    customers: list[Customer] = []
    orders: list[str] = []
    for customer_id, raw_profile, raw_orders in zip(chosen, replies[::2], replies[1::2], strict=True):
        profile = CustomerProfile.model_validate_json(raw_profile) if raw_profile else None
        own = tuple(text(o) for o in raw_orders)
        orders += own
        customers.append(
            Customer(
                customer_id,
                profile.segment_id if profile else None,
                profile.segment_label if profile else None,
                own,
            )
        )
    fillers = Fillers(
        products=names,
        categories=[c.lower() for c in categories],
        orders=orders or ["104233"],
        codes=VOUCHER_CODES,
        countries=sorted(set(COUNTRY_NAMES.values()) | {c for c in COUNTRIES if c not in COUNTRY_NAMES}),
        carriers=[c for c in CARRIERS if c != "USPS"],  # USPS is the planted subject's own
    )
    return fillers, customers


async def _rules(redis_url: str, keys: Keys) -> tuple[int, list[OfferRule]]:
    client = AsyncRedis.from_url(redis_url)
    try:
        version, rule_set = await RuleStore(client, keys).current_rules()
    finally:
        await client.aclose()
    return version, list(rule_set.rules)
