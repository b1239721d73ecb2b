"""Builds what the web app's routes use, lazily, once per app.

``create_app`` builds one ``WebServices`` from the settings (or takes a test's), opens
and closes it in the app's lifespan and keeps it on ``app.state.services``; routes
reach it with ``services_of(request)``, ``AuthMiddleware`` is given its ``accounts``.
Tests replace a dependency by subclassing and overriding that property, as they do
with the action server's ``actions.services.Services``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from redis.asyncio import Redis
from starlette.requests import HTTPConnection

from actions.emotion.timeline import EmotionTimeline
from actions.insights.overrides import TopicBoard
from actions.keys import Keys
from actions.offers.store import RuleStore
from actions.segments.models import CustomerProfile
from actions.segments.storage import customer_profile
from actions.store.repository import StoreRepository
from web.accounts.audit import audit
from web.accounts.services import AccountServices
from web.agent.desk import HandoffDesk
from web.agent.live import BLOCK_MS
from web.agent.rasa_api import RasaApi
from web.errors import WebSetupError
from web.pages import Pages
from web.settings import WebSettings

if TYPE_CHECKING:
    from actions.offers.copy_drafts import CopyDrafter

# Console requests make small reads: a Redis that does not answer in this long is down.
REDIS_TIMEOUT_S = 5.0
REDIS_CONNECT_TIMEOUT_S = 2.0


@dataclass
class WebServices:
    """The web app's dependencies, built from one WebSettings object."""

    settings: WebSettings

    @cached_property
    def redis(self) -> Redis:
        """One connection pool for every request, from REDIS_URL."""
        return Redis.from_url(
            self.settings.redis_url,
            socket_timeout=REDIS_TIMEOUT_S,
            socket_connect_timeout=REDIS_CONNECT_TIMEOUT_S,
        )

    @cached_property
    def stream_redis(self) -> Redis:
        """The live streams' pool: they block on XREAD for BLOCK_MS, so their timeout is longer."""
        return Redis.from_url(
            self.settings.redis_url,
            socket_timeout=BLOCK_MS / 1000 + REDIS_TIMEOUT_S,
            socket_connect_timeout=REDIS_CONNECT_TIMEOUT_S,
        )

    @cached_property
    def keys(self) -> Keys:
        """Key names under the configured prefix."""
        return Keys(self.settings.cs_key_prefix)

    @cached_property
    def rasa(self) -> RasaApi:
        """Rasa's HTTP API, with its token, on the server side only."""
        return RasaApi(
            self.settings.rasa_url, self.settings.rasa_token.get_secret_value(), self.settings.rasa_timeout_s
        )

    @cached_property
    def pages(self) -> Pages:
        """The one template environment, and the headers of every page."""
        return Pages()

    @cached_property
    def accounts(self) -> AccountServices:
        """Console users, sessions, sign-in limits and form tokens."""
        return AccountServices(self.settings.accounts, self.redis, self.keys)

    @cached_property
    def emotion_timeline(self) -> EmotionTimeline:
        """Per-conversation emotion timelines (written by the action server)."""
        return EmotionTimeline(self.redis, self.keys)

    @cached_property
    def desk(self) -> HandoffDesk:
        """The handoff queue as agents work it: claims, hand-backs, closings."""
        return HandoffDesk(self.redis, self.keys, self.emotion_timeline)

    @cached_property
    def store(self) -> StoreRepository:
        """The store's own data: its policy (and name), catalogue and orders."""
        return StoreRepository(self.redis, self.keys)

    @cached_property
    def offer_rules(self) -> RuleStore:
        """The versioned offer rules marketers edit."""
        return RuleStore(self.redis, self.keys)

    @cached_property
    def copy_drafter(self) -> CopyDrafter:
        """Offer copy drafts for the rule editor; the model loads at the first draft, off the event loop."""
        # Imported here: the copy checks pull in the answering stack, which only the rule editor needs.
        from actions.offers.copy_drafts import CopyDrafter, LazyGenerator

        return CopyDrafter(LazyGenerator())

    @cached_property
    def topics(self) -> TopicBoard:
        """Topics of customer messages as the marketer console reads and changes them."""
        return TopicBoard(self.redis, self.keys)

    async def profile(self, customer_id: str) -> CustomerProfile | None:
        """A customer's segment profile, by the action server's own lookup (a newcomer is assigned now)."""
        return await customer_profile(self.redis, self.keys, customer_id)

    async def audit(
        self, actor: str, action: str, target: str, details: dict[str, Any], *, anonymous: bool = False
    ) -> None:
        """Append to the console audit log, or its anonymous stream (see ``web.accounts.audit``)."""
        await audit(self.redis, self.keys, actor, action, target, details, anonymous=anonymous)

    async def __aenter__(self) -> WebServices:
        """Open: the pools connect on first use, so there is nothing to wait for."""
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Close what was opened."""
        await self.aclose()

    async def aclose(self) -> None:
        """Close the Redis pools and the Rasa client, those that were built."""
        built = vars(self)
        if "rasa" in built:
            await self.rasa.aclose()
        for name in ("redis", "stream_redis"):
            if name in built:
                await built[name].aclose()


def services_of(connection: HTTPConnection) -> WebServices:
    """The services of the app serving this request.

    Raises:
        WebSetupError: The app was not built by ``create_app`` (no ``app.state.services``).

    """
    services = getattr(connection.app.state, "services", None)
    if not isinstance(services, WebServices):
        raise WebSetupError("the app has no WebServices on app.state.services: build it with create_app")
    return services
