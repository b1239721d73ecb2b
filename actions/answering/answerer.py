"""Answers an open question from the store's knowledge, or says honestly that it cannot.

question ──▶ injection check ──▶ retrieval ──(not confident)──▶ "not sure" + offer a person
│
├──(question words the passages lack)──▶ "closest I have" + passage + offer a person
▼
quote ──▶ generate ──▶ guard + faithfulness ──ok──▶ reply (+ source, + offer verbatim)
│ violation
▼
stricter retry ──▶ same checks ──ok──▶ reply
│ violation, timeout, model down or busy
▼
extractive answer from the best passage, with its link
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from actions import metrics
from actions.answering.coverage import CoverageCheck
from actions.answering.extractive import ExtractiveAnswerer, Quote, quote_with_pointer
from actions.answering.faithfulness import check_faithfulness
from actions.answering.guard import GroundingGuard
from actions.answering.injection import injection_reason
from actions.answering.prompt import Turn, build_messages, instructions
from actions.answering.wording import WORDING
from actions.errors import ModelUnavailable
from actions.generation.base import GenerationFailed, GenerationRequest, Generator, GeneratorBusy
from actions.knowledge.catalogue import Catalogue
from actions.knowledge.lexical import FUNCTION_WORDS, tokenize
from actions.knowledge.passages import Passage
from actions.knowledge.question import Query, Question
from actions.knowledge.retrieval import Retrieval, Retriever
from actions.shopping.lexicon import TYPE_GROUPS

logger = logging.getLogger(__name__)

AnswerKind = Literal["generated", "extractive", "partial", "unknown", "refused"]
Attempt = Literal["first", "strict"]
# The first attempt, then one stricter retry (``instructions(strict=True)``).
ATTEMPTS: tuple[tuple[Attempt, bool], ...] = (("first", False), ("strict", True))
# Passages within this distance of the best one are shown to the model.
PASSAGE_SCORE_SPREAD = 0.12
# The question's words are looked for in this many of the best passages.
COVERAGE_PASSAGES = 2
# A retry that cannot finish in this long is not started.
MIN_ATTEMPT_S = 0.5
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
# Help-centre topics whose policies are the same for every kind of product.
ANY_ITEM_TOPICS = frozenset({"returns", "refunds", "shipping", "delivery", "orders"})
# Words for kinds of product in any phrasing ("trainers", "jumper"), as the coverage check tokenises them.
PRODUCT_KIND_WORDS = frozenset(t for group in TYPE_GROUPS for phrase in group for t in tokenize(phrase))
# Tone hints (actions/emotion/behaviour.py) of an angry or frustrated customer: the reply opens with
# the apology (``wording.yml``).
APOLOGY_TONES = frozenset({"apologise_first", "be_brief"})
# The NLU's intent for messages that try to steer the assistant (bot/data/nlu/steering.yml).
STEERING_INTENT = "steer_assistant"


@dataclass(frozen=True)
class GuardDecision:
    """What happened to one generation attempt."""

    attempt: Attempt
    outcome: Literal["delivered", "blocked", "failed", "skipped"]
    reason: str


@dataclass(frozen=True)
class Answer:
    """The reply to deliver, or the response to send when there is no grounded reply."""

    kind: AnswerKind
    text: str
    response: str | None
    sources: tuple[Passage, ...]
    decisions: tuple[GuardDecision, ...]
    retrieval: Retrieval | None
    seconds: float
    reason: str = ""

    @property
    def used_generator(self) -> bool:
        """Whether a model was asked to write this reply (delivered or not)."""
        return any(d.outcome in ("delivered", "blocked", "failed") for d in self.decisions)

    @property
    def offers_person(self) -> bool:
        """Whether the customer should be offered a person next."""
        return self.kind in ("unknown", "partial")


@dataclass(frozen=True)
class AnswerSettings:
    """Budgets of one answer."""

    deadline_s: float = 4.0
    max_new_tokens: int = 60
    passages: int = 3
    # An in-process model serves one answer at a time. Under load, waiting behind other customers'
    # answers costs seconds for a reply the quote gives at once; so by default, don't wait.
    wait_for_busy_model: bool = False


class Answerer:
    """Retrieval, generation and the grounding guard, with every fallback in one place."""

    def __init__(
        self,
        retriever: Retriever,
        generator: Callable[[], Generator],
        *,
        coverage: CoverageCheck | None = None,
        extractive: ExtractiveAnswerer | None = None,
        settings: AnswerSettings = AnswerSettings(),
    ) -> None:
        self._retriever = retriever
        self._generator = generator
        self._coverage = coverage
        self._extractive = extractive or ExtractiveAnswerer(None)
        self._settings = settings

    def prime(self, passages: Sequence[Passage]) -> int:
        """Embed the knowledge's sentences and words for the quote and the coverage check (at start-up)."""
        return self._extractive.prime(passages) + (self._coverage.prime(passages) if self._coverage else 0)

    async def answer(
        self,
        question: str,
        *,
        store_name: str,
        intent: str | None = None,
        history: Sequence[Turn] = (),
        tone: str | None = None,
        segment: str | None = None,
        offer: str | None = None,
        allow_generation: bool = True,
        intent_confidence: float = 0.0,
    ) -> Answer:
        """The best honest reply to ``question``; without ``allow_generation``, the quote."""
        started = time.monotonic()
        reason = injection_reason(question) or (
            "classified by the NLU" if intent == STEERING_INTENT else None
        )
        if reason is not None:
            logger.info("answer refused: injection pattern %s", reason)
            return Answer(
                "refused", "", "utter_cannot_do_that", (), (), None, time.monotonic() - started, reason
            )

        # Analysed once: retrieval, coverage, the quote and the faithfulness checks all read this.
        asked = Question.of(question)
        # A turn that only gave an order number or e-mail says nothing a follow-up could lean on.
        customer_turns = [t.text for t in history if t.speaker == "customer" and _says_something(t.text)]
        retrieval = await self._retriever.retrieve(
            asked, intent, customer_turns, intent_confidence=intent_confidence
        )
        if not retrieval.confident and customer_turns and _continues_last_answer(asked, history):
            # "how long is the link good for?" right after the password-reset answer: asked with the
            # last question (a text of its own, analysed by the retriever).
            retrieval = await self._retriever.retrieve(
                f"{customer_turns[-1]} {question}", intent, intent_confidence=intent_confidence
            )
        best = retrieval.best
        if best is None or not retrieval.confident:
            score = f"{best.score:.3f}" if best else "none"
            logger.info("answer unknown: best retrieval score %s below threshold", score)
            return Answer(
                "unknown",
                "",
                "utter_answer_unknown",
                (),
                (),
                retrieval,
                time.monotonic() - started,
                f"score {score}",
            )

        shown = [
            s
            for s in retrieval.passages[: self._settings.passages]
            if s.score >= best.score - PASSAGE_SCORE_SPREAD
        ]
        passages = tuple(s.passage for s in shown)
        scores = [s.score for s in shown]
        covering = passages[:COVERAGE_PASSAGES]
        # Return, refund and delivery policies speak of any item: "trainers" need not be in the article.
        # (A warranty depends on the kind of product: there the kind must be covered.)
        generic = (
            (await self._retriever.catalogue()).kind_words | PRODUCT_KIND_WORDS
            if all(p.kind == "article" and p.topic in ANY_ITEM_TOPICS for p in covering)
            else frozenset()
        )
        # The question as retrieved ("my money back" asks about "a refund"), without what it follows up on.
        own_words = asked.own_words
        uncovered = await self._coverage.uncovered(own_words, covering, generic) if self._coverage else []
        known = retrieval.vectors
        if uncovered:
            quote = await self._quote(retrieval.query, own_words, passages, scores, history, known)
            logger.info("answer partial: %s not covered by %s", uncovered, quote.passage.id)
            text = f"{WORDING.partial_lead}\n\n{quote_with_pointer(quote)}"
            if tone in APOLOGY_TONES:
                text = f"{WORDING.apology} {text}"
            return Answer(
                "partial", _with_extras(text, None, offer), None, (quote.passage,), (), retrieval,
                time.monotonic() - started, f"not covered: {', '.join(uncovered)}",
            )  # fmt: skip
        catalogue = await self._retriever.catalogue()
        quote = await self._quote(retrieval.query, own_words, passages, scores, history, known)
        decisions: list[GuardDecision] = []
        reply = (
            await self._generate_grounded(
                asked, quote, catalogue, history, store_name, tone, segment, started, decisions
            )
            if allow_generation
            else None
        )
        if reply is not None:
            text = _with_extras(reply, quote.passage, offer)
            return Answer(
                "generated", text, None, passages, tuple(decisions), retrieval, time.monotonic() - started
            )

        text = quote_with_pointer(quote)
        if tone in APOLOGY_TONES:
            text = f"{WORDING.apology} {text}"
        logger.info("answer extractive from %s", quote.passage.id)
        return Answer(
            "extractive", _with_extras(text, None, offer), None, (quote.passage,), tuple(decisions),
            retrieval, time.monotonic() - started,
        )  # fmt: skip

    async def _quote(
        self,
        query: Query,
        own_words: Query,
        passages: Sequence[Passage],
        scores: list[float],
        history: Sequence[Turn] = (),
        known: Mapping[str, np.ndarray] | None = None,
    ) -> Quote:
        """The quote: its source chosen with what a follow-up follows up on, its sentences by what is asked.

        A follow-up is retrieved with the question it follows ("be honest, do you sell my data? ... so
        who gets my address then"); that and its own words, counted again, pick the article. Within it,
        the follow-up's own words pick the sentence ("Carriers: UPS, USPS or DHL Express receive your
        name and delivery address"); without words of its own ("how much does it cost?") the whole
        query does. ``known`` holds the vectors retrieval already has of the texts it searched for.
        """
        articles = await self._articles(passages)
        own = [t for t in own_words.tokens if t not in FUNCTION_WORDS]
        replies = [t.text for t in history if t.speaker == "assistant"][-FOLLOWED_REPLIES:]
        if not own and replies:
            # "everything? even my old orders?" asks about a sentence the last answer quoted.
            picked = await self._extractive.picked_up(own_words, " ".join(replies), passages, articles, known)
            if picked is not None:
                return picked
        if query.text == own_words.text or not own:
            return await self._extractive.quote(query, passages, articles, scores, known)
        quote = await self._extractive.quote(query.followed_by(own_words), passages, articles, scores, known)
        return await self._extractive.quote(own_words, [quote.passage], articles, known=known)

    async def _articles(self, passages: Sequence[Passage]) -> dict[str, list[Passage]]:
        """Every chunk of the retrieved articles, for the extractive quote."""
        return {
            p.source_id: await self._retriever.source_passages(p.source_id)
            for p in passages
            if p.kind == "article"
        }

    async def _generate_grounded(
        self,
        question: Question,
        quote: Quote,
        catalogue: Catalogue,
        history: Sequence[Turn],
        store_name: str,
        tone: str | None,
        segment: str | None,
        started: float,
        decisions: list[GuardDecision],
    ) -> str | None:
        # The model sees the quote, not whole passages: a short prompt is most of the
        # latency on a CPU, and a small model rephrases one short text far better.
        evidence = quote.passage.model_copy(update={"text": quote.text.replace(" … ", " ")})
        context = [f"{evidence.title}: {evidence.text} {evidence.url or ''}"]
        try:
            generator = self._generator()
        except ModelUnavailable as error:
            logger.warning("answer generator unavailable: %s", error)
            decisions.append(GuardDecision("first", "failed", f"generator unavailable: {error}"))
            return None
        # The instructions without the facts: repeating the facts is fine, repeating the rules is a leak.
        guard = GroundingGuard(
            catalogue, [instructions(store_name, (), tone, segment, strict) for strict in (False, True)]
        )
        deadline = started + self._settings.deadline_s
        for attempt, strict in ATTEMPTS:
            remaining = deadline - time.monotonic()
            if remaining < MIN_ATTEMPT_S:
                decisions.append(GuardDecision(attempt, "skipped", f"{remaining:.2f} s left"))
                logger.info("answer guard: attempt=%s skipped, deadline reached", attempt)
                return None
            messages = build_messages(
                question.text,
                [evidence],
                history,
                store_name=store_name,
                tone=tone,
                segment=segment,
                strict=strict,
            )
            # The prompt asks for one or two sentences (one on the retry); no need to wait for more.
            request = GenerationRequest(
                messages, self._settings.max_new_tokens, 0.0, remaining,
                max_sentences=1 if strict else 2, wait_if_busy=self._settings.wait_for_busy_model,
            )  # fmt: skip
            try:
                generation = await metrics.timed_generation(generator, request)
            except GeneratorBusy as error:
                decisions.append(GuardDecision(attempt, "skipped", str(error)))
                logger.info("answer guard: attempt=%s skipped: %s", attempt, error)
                return None
            except GenerationFailed as error:
                decisions.append(GuardDecision(attempt, "failed", f"{type(error).__name__}: {error}"))
                logger.warning("answer guard: attempt=%s generation failed: %s", attempt, error)
                return None
            reply = complete_sentences(generation.text)
            verdict = guard.check(reply, context)
            if verdict.ok:
                verdict = check_faithfulness(reply, quote.best_sentence, context[0], question)
            if verdict.ok:
                decisions.append(GuardDecision(attempt, "delivered", "ok"))
                logger.info(
                    "answer guard: attempt=%s delivered (%d tokens, %.2f s)",
                    attempt,
                    generation.new_tokens or 0,
                    generation.seconds,
                )
                return reply
            decisions.append(GuardDecision(attempt, "blocked", verdict.reason))
            logger.info("answer guard: attempt=%s blocked: %s", attempt, verdict.reason)
        return None


_IDENTIFIER = re.compile(r"\S+@\S+|#?\d{4,}")


def _says_something(text: str) -> bool:
    """Whether a message has words besides order numbers and e-mail addresses."""
    return len([t for t in tokenize(_IDENTIFIER.sub(" ", text)) if t not in FUNCTION_WORDS]) >= 1


# The assistant's last replies a follow-up may pick up (the answer, then perhaps the offer of a person).
FOLLOWED_REPLIES = 3


def _continues_last_answer(question: Question, history: Sequence[Turn]) -> bool:
    """Whether the question picks up a word of the assistant's last replies.

    "how long is the link good for?" picks up "the link" of a password-reset answer.
    """
    replies = [t.text for t in history if t.speaker == "assistant"][-FOLLOWED_REPLIES:]
    asked = {t for t in question.tokens if t not in FUNCTION_WORDS}
    return bool(asked & {w for reply in replies for w in tokenize(reply)})


def complete_sentences(text: str) -> str:
    """The first paragraph up to its last full sentence: a reply cut short must not trail off."""
    text = " ".join(text.strip().split("\n\n", 1)[0].split())
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    return text[: ends[-1]] if ends else ""


def _with_extras(text: str, source: Passage | None, offer: str | None) -> str:
    """The source link of an article answer, and the offer word for word."""
    if source is not None and source.url:
        text += f"\n\n{WORDING.pointer(source)}"
    if offer:
        text += f"\n\n{offer}"
    return text
