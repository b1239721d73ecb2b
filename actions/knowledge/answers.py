"""Picks help-centre articles and catalogue products for a customer's question."""

from __future__ import annotations

from actions.knowledge.lexical import LexicalIndex
from actions.store.models import Article, Product
from actions.store.repository import StoreRepository

# Which help-centre topics can answer each intent; the article is then chosen by
# the customer's own words among those topics.
TOPICS_BY_INTENT: dict[str, frozenset[str]] = {
    "shipping_question": frozenset({"shipping", "delivery", "orders"}),
    "ask_refund": frozenset({"refunds", "returns"}),
    "request_return": frozenset({"returns", "refunds"}),
    "payment_problem": frozenset({"payments", "failed_payments", "vouchers"}),
    "account_help": frozenset({"account", "privacy"}),
    "cancel_order": frozenset({"orders"}),
}

# Below this BM25 score the best article is a guess; the intent's default is used.
MIN_ARTICLE_SCORE = 1.0
MIN_PRODUCT_SCORE = 1.5


class KnowledgeSearch:
    """Lexical search over the store's help centre and catalogue.

    Indexes are rebuilt only when the repository hands back a new list, i.e.
    after the store was re-seeded.
    """

    def __init__(self, store: StoreRepository) -> None:
        self._store = store
        self._article_index: tuple[int, LexicalIndex] | None = None
        self._product_index: tuple[int, LexicalIndex] | None = None

    async def best_article(self, question: str, intent: str) -> Article | None:
        """The article that best answers the question within the intent's topics."""
        articles = await self._store.articles()
        if self._article_index is None or self._article_index[0] != id(articles):
            index = LexicalIndex({a.id: f"{a.title} {a.title} {' '.join(a.tags)} {a.body}" for a in articles})
            self._article_index = (id(articles), index)
        topics = TOPICS_BY_INTENT.get(intent)
        among = {a.id for a in articles if topics is None or a.topic in topics}
        hits = self._article_index[1].search(question, limit=1, among=among)
        by_id = {a.id: a for a in articles}
        if hits and hits[0].score >= MIN_ARTICLE_SCORE:
            return by_id[hits[0].doc_id]
        # The customer's words matched nothing specific: the topic's overview
        # (first article of the first topic in alphabetical order) is a fair answer.
        fallback = sorted((a for a in articles if a.id in among), key=lambda a: (a.topic, a.id))
        return fallback[0] if fallback and topics is not None else None

    async def matching_products(self, question: str, limit: int = 3) -> list[Product]:
        """Catalogue products whose name, category or attributes match the question."""
        products = await self._store.products()
        if self._product_index is None or self._product_index[0] != id(products):
            index = LexicalIndex(
                {
                    p.id: f"{p.name} {p.name} {p.category} {' '.join(p.attributes.values())}"
                    for p in products
                }
            )
            self._product_index = (id(products), index)
        by_id = {p.id: p for p in products}
        hits = self._product_index[1].search(question, limit=limit)
        return [by_id[h.doc_id] for h in hits if h.score >= MIN_PRODUCT_SCORE]
