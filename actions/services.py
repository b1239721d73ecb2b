"""Builds the services actions use, lazily, once per process.

rasa-sdk instantiates actions without arguments, so actions reach their
dependencies through ``get_services()``; tests pass their own ``Services``.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from redis import Redis as SyncRedis
from redis.asyncio import Redis

from actions.answering.answerer import Answerer, AnswerSettings
from actions.answering.coverage import CoverageCheck
from actions.answering.extractive import ExtractiveAnswerer
from actions.emotion.detector import EmotionDetector
from actions.emotion.escalation import EscalationPolicy
from actions.emotion.timeline import EmotionTimeline
from actions.errors import ModelUnavailable
from actions.feedback.csat import CsatRecorder
from actions.generation.base import Generator
from actions.generation.config import GeneratorSettings
from actions.handoff.queue import HandoffQueue
from actions.keys import Keys
from actions.knowledge.passages import Passage
from actions.knowledge.retrieval import Retriever
from actions.offers.engine import OfferEngine
from actions.offers.stock import CatalogueStock
from actions.offers.store import RuleStore
from actions.privacy.index import link_conversation
from actions.recommendations.recommender import Recommender
from actions.recommendations.snapshot import SnapshotLoader
from actions.segments.models import CustomerProfile
from actions.segments.storage import customer_profile
from actions.settings import Settings
from actions.shopping.search import ProductSearch
from actions.store.lookup_limits import LookupLimits
from actions.store.repository import StoreRepository

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from actions.knowledge.encoder import TextEncoder


@dataclass
class Services:
    """The action server's dependencies, built from one Settings object."""

    settings: Settings
    # Set once ``warm_up`` has tried every model (the readiness probe asks).
    warmed_up: bool = field(default=False, init=False)

    @cached_property
    def redis(self) -> Redis:
        """One connection pool per process, from REDIS_URL."""
        return Redis.from_url(
            self.settings.redis_url,
            socket_timeout=self.settings.redis_timeout_s,
            socket_connect_timeout=self.settings.redis_timeout_s,
        )

    @cached_property
    def keys(self) -> Keys:
        """Key names under the configured prefix."""
        return Keys(self.settings.cs_key_prefix)

    @cached_property
    def store(self) -> StoreRepository:
        """Orders, catalogue, help centre and policy."""
        return StoreRepository(self.redis, self.keys)

    @cached_property
    def lookup_limits(self) -> LookupLimits:
        """Wrong order/e-mail pairs per e-mail and order number, across conversations."""
        return LookupLimits(self.redis, self.keys, self.settings.max_order_lookup_failures)

    @cached_property
    def sentence_encoder(self) -> TextEncoder:
        """all-MiniLM-L6-v2 for retrieval queries, loaded once per process.

        With onnxruntime from the setup-time export; with torch where there is none.
        """
        from actions.knowledge.embedding import SentenceEncoder
        from actions.knowledge.onnx_encoder import OnnxSentenceEncoder

        try:
            return OnnxSentenceEncoder(self.settings.minilm_onnx_dir, threads=self.settings.torch_threads)
        except ModelUnavailable as error:
            logger.warning("%s: encoding texts with torch (slower)", error)
            return SentenceEncoder(threads=self.settings.torch_threads)

    @cached_property
    def retriever(self) -> Retriever:
        """Passages of the help centre and catalogue, from the index in Redis."""
        return Retriever(self.redis, self.keys, self.sentence_encoder, self.settings.retrieval_min_score)

    @cached_property
    def generator_settings(self) -> GeneratorSettings:
        """Which generator backend to use, from CS_GENERATOR_* variables."""
        return GeneratorSettings()

    @cached_property
    def _generator(self) -> Generator | ModelUnavailable:
        from actions.generation.factory import build_generator

        try:
            return build_generator(self.generator_settings)
        except ModelUnavailable as error:
            return error  # remembered: answers fall back to quoting passages

    def generator(self) -> Generator:
        """The configured generator, built on first use; raises ModelUnavailable if it cannot load."""
        generator = self._generator
        if isinstance(generator, ModelUnavailable):
            raise generator
        return generator

    @cached_property
    def coverage(self) -> CoverageCheck:
        """Which of a question's words the knowledge lacks (for answers and product follow-ups)."""
        return CoverageCheck(self.sentence_encoder)

    @cached_property
    def answerer(self) -> Answerer:
        """Grounded answers to open questions."""
        settings = AnswerSettings(
            deadline_s=self.generator_settings.deadline_s,
            max_new_tokens=self.generator_settings.max_new_tokens,
            passages=self.settings.answer_passages,
            wait_for_busy_model=self.settings.answer_wait_for_busy_model,
        )
        return Answerer(
            self.retriever,
            self.generator,
            coverage=self.coverage,
            extractive=ExtractiveAnswerer(self.sentence_encoder),
            settings=settings,
        )

    @cached_property
    def offers(self) -> OfferEngine:
        """Offer decisions under the marketers' rules (rules cached until their version changes)."""
        return OfferEngine(self.redis, self.keys, CatalogueStock(self.store))

    @cached_property
    def offer_rules(self) -> RuleStore:
        """The versioned offer rules marketers edit."""
        return RuleStore(self.redis, self.keys)

    @cached_property
    def catalogue_snapshots(self) -> SnapshotLoader:
        """The catalogue, product vectors, segments and best sellers in memory (reloaded when they change)."""
        return SnapshotLoader(self.redis, self.keys)

    @cached_property
    def recommender(self) -> Recommender:
        """Products for a customer: content similarity, segment best sellers, bought together."""
        return Recommender(self.redis, self.keys, self.sentence_encoder, self.catalogue_snapshots)

    @cached_property
    def product_search(self) -> ProductSearch:
        """The shopping search: kinds, budgets, colours, sizes and interests over the catalogue."""
        return ProductSearch(self.catalogue_snapshots, self.sentence_encoder)

    async def profile(self, customer_id: str) -> CustomerProfile | None:
        """A verified customer's segment profile; a customer new since the last run is assigned now."""
        return await customer_profile(self.redis, self.keys, customer_id)

    async def link_conversation(self, customer_id: str, conversation_id: str) -> bool:
        """Index the conversation under its customer for export and erasure; False (logged) on failure."""
        return await link_conversation(self.redis, self.keys, customer_id, conversation_id)

    async def provisional_segment(self, text: str) -> tuple[str, str] | None:
        """The segment (id, label) nearest to what an anonymous visitor said; None without a cue."""
        guess = await self.recommender.provisional(text)
        if guess.segment_id is None or guess.label is None:
            return None
        return str(guess.segment_id), guess.label

    @cached_property
    def handoff(self) -> HandoffQueue:
        """The queue of conversations waiting for a person."""
        return HandoffQueue(self.redis, self.keys)

    @cached_property
    def _emotion(self) -> EmotionDetector | ModelUnavailable:
        # Imported here so that processes that never score emotion skip loading torch.
        import torch

        from actions.emotion.classifier import EmotionClassifier

        torch.set_num_threads(self.settings.torch_threads)
        try:
            classifier = EmotionClassifier(
                self.settings.emotion_model_dir, self.settings.emotion_onnx_dir, self.settings.torch_threads
            )
            return EmotionDetector(classifier)
        except ModelUnavailable as error:
            return error  # remembered: a broken model is not reloaded on every message

    @property
    def emotion(self) -> EmotionDetector:
        """VADER + the trained classifier, loaded once per process (seconds, not per message)."""
        detector = self._emotion
        if isinstance(detector, ModelUnavailable):
            raise detector
        return detector

    @cached_property
    def emotion_timeline(self) -> EmotionTimeline:
        """Per-conversation emotion timelines."""
        return EmotionTimeline(self.redis, self.keys)

    @cached_property
    def escalation(self) -> EscalationPolicy:
        """The escalation policy file, validated."""
        return EscalationPolicy.from_file(self.settings.escalation_policy)

    @cached_property
    def csat(self) -> CsatRecorder:
        """CSAT score recording."""
        return CsatRecorder(self.redis, self.keys)

    def _prime_answer_caches(self) -> None:
        with SyncRedis.from_url(
            self.settings.redis_url, socket_timeout=self.settings.redis_timeout_s
        ) as redis:
            raw = redis.hgetall(self.keys.knowledge_passages)
        passages = [Passage.model_validate_json(value) for value in raw.values()]
        logger.info("warm-up: %d sentences and words embedded for answers", self.answerer.prime(passages))

    def warm_up(self) -> None:
        """Load the models now (seconds each) so that no customer's turn pays for it.

        A model that fails to load is logged and left to load (and fail) on first use,
        where the actions already have their fallbacks.
        """
        started = time.perf_counter()
        loads: list[tuple[str, Callable[[], object]]] = [
            ("emotion model", lambda: self.emotion.analyse("hello")),
            ("sentence encoder", lambda: self.sentence_encoder.encode(["hello"])),
            ("generator", self.generator),
            # The quote and the coverage check embed sentences and words on first sight: ~0.1-0.3 s
            # on each customer's first questions, unless embedded here once.
            ("answer caches", self._prime_answer_caches),
        ]
        for name, load in loads:
            try:
                load()
            except Exception:  # noqa: BLE001 - a warm-up must never stop the server
                logger.exception("warm-up: the %s did not load; it will be tried on first use", name)
        self.warmed_up = True
        logger.info("warm-up done in %.1f s (pid %d)", time.perf_counter() - started, os.getpid())

    def model_status(self) -> dict[str, str]:
        """Each model's state here: ``loaded``, ``unavailable`` (failed to load) or ``not loaded``."""
        built = vars(self)

        def state(attribute: str) -> str:
            if attribute not in built:
                return "not loaded"
            return "unavailable" if isinstance(built[attribute], ModelUnavailable) else "loaded"

        return {
            "emotion model": state("_emotion"),
            "sentence encoder": state("sentence_encoder"),
            "generator": state("_generator"),
        }


_services: Services | None = None


def get_services() -> Services:
    """The process-wide services, built on first use from the environment."""
    global _services
    if _services is None:
        _services = Services(Settings())
    return _services
