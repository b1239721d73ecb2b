"""Read access to the store's data in Redis, for the actions."""

from __future__ import annotations

import hmac
import logging

from redis.asyncio import Redis

from actions.errors import StoreDataError
from actions.keys import Keys
from actions.redis_edge import parse_stored, store_call, text
from actions.store.models import Article, Order, Product, StorePolicy

logger = logging.getLogger(__name__)


def _same_email(given: str, on_order: str) -> bool:
    # Constant-time comparison: response timing must not tell a prober how much
    # of an e-mail address matched.
    return hmac.compare_digest(given.strip().lower().encode(), on_order.lower().encode())


class StoreRepository:
    """Reads orders, products, articles and the policy from Redis.

    The catalogue and help centre are parsed once per seed: the parsed copy is
    reused while the ``version`` recorded by the loader is unchanged.
    """

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._catalogue: tuple[str, list[Product]] | None = None
        self._articles: tuple[str, list[Article]] | None = None

    async def find_order(self, order_id: str, email: str) -> Order | None:
        """Return the order only when the e-mail matches the one on the order.

        A missing order and a wrong e-mail give the same ``None``, so the answer
        never reveals whether an order number exists.
        """
        key = self._keys.order(order_id.strip().lstrip("#"))
        with store_call("read the order"):
            raw = await self._redis.get(key)
        if raw is None:
            return None
        order = parse_stored(Order, raw, key)
        return order if _same_email(email, order.email) else None

    async def policy(self) -> StorePolicy:
        """The store's policy; raises StoreDataError when the store was never seeded."""
        with store_call("read the store policy"):
            raw = await self._redis.get(self._keys.policy)
        if raw is None:
            raise StoreDataError(f"{self._keys.policy} is missing: seed the store first")
        return parse_stored(StorePolicy, raw, self._keys.policy)

    async def products(self) -> list[Product]:
        """Every catalogue product."""
        version = await self._version()
        if self._catalogue is None or self._catalogue[0] != version:
            with store_call("read the catalogue"):
                raw = await self._redis.hgetall(self._keys.products)
            parsed = [parse_stored(Product, value, self._keys.products) for value in raw.values()]
            self._catalogue = (version, sorted(parsed, key=lambda p: p.id))
        return self._catalogue[1]

    async def articles(self) -> list[Article]:
        """Every help-centre article."""
        version = await self._version()
        if self._articles is None or self._articles[0] != version:
            with store_call("read the help-centre articles"):
                raw = await self._redis.hgetall(self._keys.articles)
            parsed = [parse_stored(Article, value, self._keys.articles) for value in raw.values()]
            self._articles = (version, sorted(parsed, key=lambda a: a.id))
        return self._articles[1]

    async def _version(self) -> str:
        with store_call("read the store's version"):
            version = await self._redis.hget(self._keys.meta, "version")
        if version is None:
            raise StoreDataError(f"{self._keys.meta} has no version: seed the store first")
        return text(version)
