"""Redis key names: the one place the project's keys are spelled."""

from __future__ import annotations

from dataclasses import dataclass

# Store data is the store's master copy in Redis, replaced by each seed: it must
# not expire under a running assistant, so those keys deliberately carry no TTL.
STORE_DATA_TTL_S: int | None = None
# A handoff request is stale once nobody picked it up for a week.
HANDOFF_TTL_S = 7 * 24 * 3600
# Bounded streams are trimmed instead of expiring: the newest entries are kept.
CSAT_STREAM_MAXLEN = 100_000
# An emotion timeline lives as long as the conversation's tracker (30 days) and
# keeps its newest entries.
EMOTION_TIMELINE_TTL_S = 30 * 24 * 3600
EMOTION_TIMELINE_MAX = 500


@dataclass(frozen=True)
class Keys:
    """Key functions under one project prefix, e.g. ``cs:store:order:104233``."""

    prefix: str = "cs"

    @property
    def products(self) -> str:
        """Hash: product id -> Product JSON."""
        return f"{self.prefix}:store:products"

    @property
    def articles(self) -> str:
        """Hash: article id -> Article JSON."""
        return f"{self.prefix}:store:articles"

    @property
    def policy(self) -> str:
        """String: StorePolicy JSON."""
        return f"{self.prefix}:store:policy"

    @property
    def meta(self) -> str:
        """Hash: what was loaded, when and from where."""
        return f"{self.prefix}:store:meta"

    @property
    def order_ids(self) -> str:
        """Set of every loaded order id, so a re-seed can drop stale orders."""
        return f"{self.prefix}:store:order_ids"

    @property
    def customer_ids(self) -> str:
        """Set of every loaded customer id."""
        return f"{self.prefix}:store:customer_ids"

    def order(self, order_id: str) -> str:
        """String: Order JSON."""
        return f"{self.prefix}:store:order:{order_id}"

    def customer(self, customer_id: str) -> str:
        """String: Customer JSON."""
        return f"{self.prefix}:store:customer:{customer_id}"

    def customer_orders(self, customer_id: str) -> str:
        """Sorted set: the customer's order ids scored by placement time."""
        return f"{self.prefix}:store:customer_orders:{customer_id}"

    @property
    def knowledge_passages(self) -> str:
        """Hash: passage id -> Passage JSON (help-centre chunks and products)."""
        return f"{self.prefix}:kb:passages"

    @property
    def knowledge_vectors(self) -> str:
        """Hash: passage id -> float32 embedding bytes."""
        return f"{self.prefix}:kb:vectors"

    @property
    def knowledge_hashes(self) -> str:
        """Hash: passage id -> content hash of the text its vector was made from."""
        return f"{self.prefix}:kb:hashes"

    @property
    def knowledge_meta(self) -> str:
        """Hash: index version, encoder name and passage count."""
        return f"{self.prefix}:kb:meta"

    @property
    def handoff_queue(self) -> str:
        """Sorted set: conversation ids waiting for a person, scored by request time."""
        return f"{self.prefix}:handoff:queue"

    def handoff(self, conversation_id: str) -> str:
        """Hash: why and when a conversation asked for a person."""
        return f"{self.prefix}:handoff:{conversation_id}"

    @property
    def csat(self) -> str:
        """Stream: customer satisfaction scores, one entry per rating."""
        return f"{self.prefix}:csat"

    def emotion_timeline(self, conversation_id: str) -> str:
        """List: one JSON entry per customer message (TimelineEntry)."""
        return f"{self.prefix}:emotion:{conversation_id}"
