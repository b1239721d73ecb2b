"""The demo history on the demo store, then one real topics run: the planted USPS subject is flagged."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from actions.insights.overrides import TopicBoard, TopicView
from actions.keys import Keys
from actions.settings import Settings
from jobs.topic_run import run_topics
from jobs.topics import load_encoder, store_masker
from seed.generate import generate
from seed.history.loader import HistoryOptions, load_history
from seed.personalisation import prepare_personalisation
from seed.redis_loader import load_store

pytestmark = pytest.mark.integration

KEYS = Keys("cs")


def test_the_demo_history_gives_the_topics_job_a_flagged_emerging_topic(
    redis_client: Redis, redis_url: str
) -> None:
    store = generate(7, date.today())
    load_store(redis_client, KEYS, store, source="demo")
    prepare_personalisation(redis_client, redis_url, KEYS, store)  # segments, profiles, demo offer rules
    report = load_history(redis_url, KEYS, "demo", HistoryOptions(days=21))
    assert report.counts["conversations"] > 300 and report.onset is not None
    assert load_history(redis_url, KEYS, "demo").already_loaded  # a second start skips it
    run = run_topics(
        redis_client, KEYS, load_encoder(2), store_masker(redis_client, KEYS, Settings().order_id_pattern)
    )
    assert run.topics >= 10
    assert run.emerging, "the planted rise was not flagged"
    views = asyncio.run(_topics(redis_url))
    flagged = [views[flag.topic_id] for flag in run.emerging if flag.topic_id in views]
    text = " ".join(" ".join(e.text for e in view.examples) + view.name for view in flagged).lower()
    assert "usps" in text, text


async def _topics(redis_url: str) -> dict[str, TopicView]:
    client = AsyncRedis.from_url(redis_url)
    try:
        return {view.id: view for view in await TopicBoard(client, KEYS).topics()}
    finally:
        await client.aclose()
