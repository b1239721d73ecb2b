"""The outcomes job on Redis: the stream and the orders in, one hash per rule out, never counted twice."""

from __future__ import annotations

from redis.asyncio import Redis

from actions.keys import Keys
from actions.offers.attribution import CONTROL_ARM, OVERALL
from actions.offers.events import EventType, OfferEvent
from actions.offers.outcomes import RuleOutcomes, compute_outcomes, read_outcomes

DAY = 86400.0
T0 = 1_800_000_000.0


async def add_event(
    redis: Redis, keys: Keys, kind: EventType, customer: str, at: float, rule: str = "welcome"
) -> None:
    event = OfferEvent(
        type=kind,
        rule=rule,
        kind="upsell",
        variant="" if kind == "control" else "a",
        segment="3",
        conversation=f"conv-{customer}",
        customer=customer,
        version=1,
        ts=at,
    )
    await redis.xadd(keys.offer_events, dict(zip(event.fields()[::2], event.fields()[1::2], strict=True)))


async def add_order(redis: Redis, keys: Keys, customer: str, order_id: str, at: float) -> None:
    await redis.zadd(keys.customer_orders(customer), {order_id: at})


async def test_the_window_is_after_the_first_event_and_at_most_seven_days(redis: Redis, keys: Keys) -> None:
    for customer in ("C1", "C2", "C3", "C4"):
        await add_event(redis, keys, "exposure", customer, T0)
    await add_event(redis, keys, "control", "C5", T0)
    await add_event(redis, keys, "exposure", "anonymous", T0)
    await add_order(redis, keys, "C1", "100001", T0 + 7 * DAY)  # the last second of the window: counts
    await add_order(redis, keys, "C2", "100002", T0 + 7 * DAY + 1)  # one second late
    await add_order(redis, keys, "C3", "100003", T0 - 60)  # before the offer
    await add_order(redis, keys, "C4", "100004", T0 + DAY)
    await add_order(redis, keys, "C5", "100005", T0 + 2 * DAY)

    report = await compute_outcomes(redis, keys, now=T0 + 10 * DAY)
    assert report.events == 6 and report.customers == 5 and report.malformed == 0
    stored = (await read_outcomes(redis, keys, ["welcome", "other"]))["welcome"]
    assert stored is not None
    assert stored.arm(OVERALL, "a").model_dump() == {"customers": 4, "converted": 2}
    assert stored.arm("3", CONTROL_ARM).model_dump() == {"customers": 1, "converted": 1}
    assert stored.anonymous == 1 and stored.window_days == 7 and stored.computed_at == T0 + 10 * DAY
    assert 0 < await redis.ttl(keys.offer_outcomes("welcome"))


async def test_running_again_recomputes_and_never_counts_twice(redis: Redis, keys: Keys) -> None:
    await add_event(redis, keys, "exposure", "C1", T0)
    await add_order(redis, keys, "C1", "100001", T0 + DAY)
    first = await compute_outcomes(redis, keys, now=T0 + 8 * DAY)
    second = await compute_outcomes(redis, keys, now=T0 + 8 * DAY)
    assert first.rules == second.rules
    # A later exposure of the same customer changes nothing; a new customer is added once.
    await add_event(redis, keys, "exposure", "C1", T0 + 2 * DAY)
    await add_event(redis, keys, "exposure", "C2", T0)
    await compute_outcomes(redis, keys, now=T0 + 9 * DAY)
    await compute_outcomes(redis, keys, now=T0 + 9 * DAY)
    stored = (await read_outcomes(redis, keys, ["welcome"]))["welcome"]
    assert stored is not None and stored.arm(OVERALL, "a").model_dump() == {"customers": 2, "converted": 1}


async def test_a_malformed_entry_is_skipped_and_the_hash_reads_back(redis: Redis, keys: Keys) -> None:
    await redis.xadd(keys.offer_events, {"type": "exposure"})
    await add_event(redis, keys, "exposure", "C1", T0)
    report = await compute_outcomes(redis, keys, now=T0 + 8 * DAY, chunk=1)  # chunked reading too
    assert report.malformed == 1 and report.events == 1
    outcomes = report.rules["welcome"]
    assert RuleOutcomes.parse("welcome", outcomes.fields()) == outcomes
    assert "welcome: a 0/1" in "\n".join(report.lines())
