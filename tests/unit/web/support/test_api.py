"""The support lead's JSON API and page, on records written by the live product's own writers."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from unittest import mock

import httpx
import pytest
from redis.asyncio import Redis
from starlette.applications import Starlette

from actions.feedback.csat import CsatRecorder, CsatScore
from actions.handoff.queue import HandoffQueue, HandoffRequest
from actions.keys import Keys
from tests.unit.web.marketing import tiny_app
from tests.unit.web.marketing.tiny_app import FakeSignIn, SignedIn
from web.accounts.audit import audit
from web.accounts.models import User
from web.support import support_routes

API = "/api/agent/team/stats"
SAM = User(username="sam.lee", display_name="Sam Lee", role="agent")
KIM = User(username="kim.ng", display_name="Kim Ng", role="agent")
ADMIN = User(username="ada", display_name="Ada Admin", role="admin")


@pytest.fixture
def keys() -> Keys:
    return Keys("sup")


@pytest.fixture
def signed_in() -> SignedIn:
    return SignedIn(ADMIN)


@pytest.fixture
async def client(redis: Redis, keys: Keys, signed_in: SignedIn) -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(routes=support_routes())
    app.state.services = tiny_app.TestServices(redis, keys)
    app.add_middleware(FakeSignIn, signed_in=signed_in)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://console.test"
    ) as http:
        yield http


async def _logged(redis: Redis, keys: Keys, at: float, actor: str, action: str, target: str) -> None:
    """An audit entry as the console writes it, as if written at ``at``."""
    with mock.patch("web.accounts.audit.time", mock.Mock(time=mock.Mock(return_value=at))):
        await audit(redis, keys, actor, action, target, {})


async def _takeover(redis: Redis, keys: Keys, cid: str, agent: str, start: float, score: int | None) -> None:
    await HandoffQueue(redis, keys).enqueue(
        HandoffRequest(
            conversation_id=cid, reason="very negative message", priority="high", requested_at=start
        )
    )
    await _logged(redis, keys, start + 60, agent, "handoff.claim", cid)
    await _logged(redis, keys, start + 180, agent, "conversation.reply", cid)
    await _logged(redis, keys, start + 900, agent, "handoff.close", cid)
    if score is not None:
        await CsatRecorder(redis, keys).record(CsatScore(conversation_id=cid, score=score, at=start + 960))


def _today() -> dict[str, str]:
    today = datetime.now(UTC).date()
    return {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()}


async def test_the_team_figures_come_from_the_live_records(
    client: httpx.AsyncClient, redis: Redis, keys: Keys
) -> None:
    start = float(int(time.time()) - 3 * 3600)
    await _takeover(redis, keys, "conv-1", SAM.username, start, score=5)
    await _takeover(redis, keys, "conv-2", KIM.username, start + 600, score=2)
    await HandoffQueue(redis, keys).enqueue(
        HandoffRequest(conversation_id="conv-3", reason="asked for a person")
    )
    await CsatRecorder(redis, keys).record(CsatScore(conversation_id="conv-bot", score=4))
    await audit(redis, keys, SAM.username, "auth.sign_in", SAM.username, {})  # not a handoff: ignored

    response = await client.get(API, params=_today())
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    report = response.json()
    team = report["team"]
    assert (team["handoffs"], team["replied"], team["not_claimed"]) == (3, 2, 1)
    assert (team["first_reply_median_s"], team["handle_median_s"], team["closed"]) == (180.0, 840.0, 2)
    assert (team["csat_person_count"], team["csat_person_average"]) == (2, 3.5)
    assert (team["csat_bot_count"], team["csat_bot_average"]) == (1, 4.0)
    assert {row["agent"] for row in report["by_agent"]} == {SAM.username, KIM.username}
    assert report["agents_shown"] == "all"
    assert {(c["name"], c["count"]) for c in report["by_priority"]} >= {("high", 2), ("normal", 1)}
    assert sum(day["handoffs"] for day in report["by_day"]) == 3


async def test_an_agent_sees_the_team_figures_and_only_their_own_row(
    client: httpx.AsyncClient, redis: Redis, keys: Keys, signed_in: SignedIn
) -> None:
    start = float(int(time.time()) - 3 * 3600)
    await _takeover(redis, keys, "conv-1", SAM.username, start, score=5)
    await _takeover(redis, keys, "conv-2", KIM.username, start + 600, score=None)
    signed_in.user = SAM
    report = (await client.get(API, params=_today())).json()
    assert report["team"]["handled"] == 2
    assert [row["agent"] for row in report["by_agent"]] == [SAM.username]
    assert report["agents_shown"] == "own"


async def test_only_the_support_team_may_look(client: httpx.AsyncClient, signed_in: SignedIn) -> None:
    signed_in.user = None
    assert (await client.get(API)).status_code == 401
    signed_in.user = User(username="mia", display_name="Mia Marketer", role="marketer")
    assert (await client.get(API)).status_code == 403
    assert (await client.get("/agent/team")).status_code == 403


async def test_a_malformed_period_names_the_field(client: httpx.AsyncClient) -> None:
    response = await client.get(API, params={"from": "yesterday"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("from:")


async def test_the_page_has_a_chart_and_a_table_for_its_figures(client: httpx.AsyncClient) -> None:
    page = await client.get("/agent/team")
    assert page.status_code == 200
    assert '<script src="/build/team.js" defer></script>' in page.text
    for hook in (
        "team-summary",
        "chart-team-handoffs",
        "table-team-days",
        "table-team-agents",
        "table-team-reasons",
    ):
        assert f'data-testid="{hook}"' in page.text, hook
    assert page.text.count('role="img"') == 5
