"""Keeps the passage vectors in Redis current: run at seed time, re-embeds only what changed."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from redis import Redis

from actions.keys import Keys
from actions.knowledge.encoder import TextEncoder
from actions.knowledge.passages import Passage
from actions.redis_edge import text


@dataclass(frozen=True)
class IndexReport:
    """What an indexing run did."""

    version: str
    passages: int
    embedded: int
    reused: int
    removed: int
    seconds: float


def index_version(passages: Sequence[Passage], hashes: dict[str, str]) -> str:
    """Changes whenever a passage, its metadata or its vector changes: readers reload on it."""
    digest = hashlib.sha256()
    for passage in sorted(passages, key=lambda p: p.id):
        digest.update(passage.model_dump_json().encode())
        digest.update(hashes[passage.id].encode())
    return digest.hexdigest()[:16]


def index_passages(
    redis: Redis, keys: Keys, passages: Sequence[Passage], encoder: TextEncoder
) -> IndexReport:
    """Embed new and changed passages, drop removed ones, and switch the index in one transaction."""
    started = time.perf_counter()
    if len({p.id for p in passages}) != len(passages):
        raise ValueError("passage ids must be unique")
    hashes = {p.id: p.content_hash(encoder.name) for p in passages}
    stored = {text(k): text(v) for k, v in redis.hgetall(keys.knowledge_hashes).items()}
    have_vector = {text(k) for k in redis.hkeys(keys.knowledge_vectors)}
    changed = [p for p in passages if stored.get(p.id) != hashes[p.id] or p.id not in have_vector]
    vectors = encoder.encode([p.embedding_text for p in changed])
    removed = sorted(set(stored) - set(hashes))
    version = index_version(passages, hashes)

    with redis.pipeline(transaction=True) as tx:
        if removed:
            for key in (keys.knowledge_passages, keys.knowledge_vectors, keys.knowledge_hashes):
                tx.hdel(key, *removed)
        if passages:
            tx.hset(keys.knowledge_passages, mapping={p.id: p.model_dump_json() for p in passages})
        if changed:
            tx.hset(
                keys.knowledge_vectors,
                mapping={p.id: v.astype(np.float32).tobytes() for p, v in zip(changed, vectors, strict=True)},
            )
            tx.hset(keys.knowledge_hashes, mapping={p.id: hashes[p.id] for p in changed})
        tx.hset(
            keys.knowledge_meta,
            mapping={
                "version": version,
                "encoder": encoder.name,
                "passages": len(passages),
                "indexed_at": time.time(),
            },
        )
        tx.execute()
    return IndexReport(
        version=version,
        passages=len(passages),
        embedded=len(changed),
        reused=len(passages) - len(changed),
        removed=len(removed),
        seconds=time.perf_counter() - started,
    )
