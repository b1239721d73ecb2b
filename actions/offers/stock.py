"""Which products are in stock, for rules with an ``in_stock`` condition."""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Protocol

from actions.errors import StoreDataError
from actions.store.models import Product
from actions.store.repository import StoreRepository

logger = logging.getLogger(__name__)


class StockSource(Protocol):
    """Anything that can say which of some products can be sold now, and what they are."""

    async def in_stock(self, product_ids: Collection[str]) -> set[str]:
        """Return the subset of ``product_ids`` with at least one unit in stock."""

    async def categories(self, product_ids: Collection[str]) -> dict[str, str]:
        """Return the category of each of ``product_ids`` the catalogue has."""


class CatalogueStock:
    """Stock from the store's catalogue in Redis.

    ``StoreRepository`` parses the catalogue once per seed and checks its version
    with one cheap read per call; the id -> product map is rebuilt only when the
    repository hands back a new catalogue.
    """

    def __init__(self, store: StoreRepository) -> None:
        self._store = store
        self._by_id: tuple[list[Product], dict[str, Product]] | None = None

    async def in_stock(self, product_ids: Collection[str]) -> set[str]:
        """Return the ``product_ids`` the catalogue has in stock; none if the store is not seeded."""
        by_id = await self._catalogue()
        return {pid for pid in product_ids if (p := by_id.get(pid)) is not None and p.in_stock}

    async def categories(self, product_ids: Collection[str]) -> dict[str, str]:
        """Return the category of each product the catalogue has; none if the store is not seeded."""
        by_id = await self._catalogue()
        return {pid: p.category for pid in product_ids if (p := by_id.get(pid)) is not None}

    async def _catalogue(self) -> dict[str, Product]:
        try:
            products = await self._store.products()
        except StoreDataError:
            logger.warning("offer catalogue check: the store's catalogue is missing; no product is known")
            return {}
        if self._by_id is None or self._by_id[0] is not products:
            self._by_id = (products, {p.id: p for p in products})
        return self._by_id[1]
