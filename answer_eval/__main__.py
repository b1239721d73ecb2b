"""python -m answer_eval: how well the assistant answers open questions from the store's knowledge.

    python -m answer_eval --seed-demo [--redis-url redis://127.0.0.1:6379/13] [--verbose]
    python -m answer_eval --retrieval-only          # retrieval scores and a threshold sweep, no generator

Needs the store's knowledge index in Redis: ``--seed-demo`` loads the demo store
(seed 7) first, which the questions in ``questions.yml`` are written for. The
generator is the one the action server would use (``CS_GENERATOR_*`` variables).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import date
from pathlib import Path

import numpy as np
from redis import Redis as SyncRedis
from redis.asyncio import Redis

from actions.answering.answerer import Answerer, AnswerSettings
from actions.answering.coverage import CoverageCheck
from actions.answering.extractive import ExtractiveAnswerer
from actions.errors import ModelUnavailable
from actions.generation.base import Generator
from actions.generation.config import GeneratorSettings
from actions.keys import Keys
from actions.knowledge.embedding import SentenceEncoder
from actions.knowledge.passages import Passage
from actions.knowledge.retrieval import Retriever
from actions.settings import Settings
from answer_eval.questions import QuestionSet, load_questions
from answer_eval.run import DELIVERED, KnowledgeCheck, Outcome, evaluate, honest, resisted

DEFAULT_QUESTIONS = Path(__file__).parent / "questions.yml"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
DEMO_SEED = 7


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m answer_eval", description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument(
        "--redis-url", default=DEFAULT_REDIS_URL, help=f"default {DEFAULT_REDIS_URL} (a scratch db)"
    )
    parser.add_argument(
        "--seed-demo", action="store_true", help="load the demo store (seed 7) into that Redis first"
    )
    parser.add_argument(
        "--retrieval-only", action="store_true", help="score retrieval only, with a threshold sweep"
    )
    parser.add_argument("--min-score", type=float, default=None, help="override RETRIEVAL_MIN_SCORE")
    parser.add_argument(
        "--no-generator", action="store_true", help="answer extractively only (the fallback path)"
    )
    parser.add_argument("--verbose", action="store_true", help="print every failing question")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    questions = load_questions(args.questions)
    keys = Keys(Settings().cs_key_prefix)
    if args.seed_demo:
        _seed_demo(args.redis_url, keys)
    return asyncio.run(_run(args, questions, keys))


def _seed_demo(redis_url: str, keys: Keys) -> None:
    from seed.generate import generate
    from seed.knowledge import index_knowledge
    from seed.redis_loader import load_store

    store = generate(DEMO_SEED, date.today())
    redis = SyncRedis.from_url(redis_url)
    load_store(redis, keys, store, source="answer_eval")
    report = index_knowledge(redis, keys, store)
    print(f"demo store loaded into {redis_url}: {report.passages} passages ({report.embedded} embedded)")


async def _run(args: argparse.Namespace, questions: QuestionSet, keys: Keys) -> int:
    settings = Settings()
    min_score = settings.retrieval_min_score if args.min_score is None else args.min_score
    redis = Redis.from_url(args.redis_url)
    encoder = SentenceEncoder(threads=settings.torch_threads)
    retriever = Retriever(redis, keys, encoder, min_score)
    if args.retrieval_only:
        await _retrieval_report(retriever, questions, min_score)
        return 0

    from actions.generation.factory import build_generator

    generator_settings = GeneratorSettings()
    generator = None if args.no_generator else build_generator(generator_settings)

    def current_generator() -> Generator:
        if generator is None:
            raise ModelUnavailable("--no-generator")
        return generator

    answerer = Answerer(
        retriever,
        current_generator,
        coverage=CoverageCheck(encoder),
        extractive=ExtractiveAnswerer(encoder),
        settings=AnswerSettings(
            generator_settings.deadline_s,
            generator_settings.max_new_tokens,
            settings.answer_passages,
            settings.answer_wait_for_busy_model,
        ),
    )
    store_name = await _store_name(redis, keys)
    # One warm-up answer: the first call pays for loading the index snapshot.
    await answerer.answer("How long does delivery take?", store_name=store_name)
    passages = [
        Passage.model_validate_json(raw) for raw in (await redis.hgetall(keys.knowledge_passages)).values()
    ]
    outcomes = await evaluate(questions, answerer, store_name, KnowledgeCheck(passages))
    _print_report(outcomes, generator_settings if generator else None, min_score, args.verbose)
    return 0


async def _store_name(redis: Redis, keys: Keys) -> str:
    from actions.store.models import StorePolicy

    raw = await redis.get(keys.policy)
    return StorePolicy.model_validate_json(raw).store_name if raw else "our store"


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.1f}%)" if whole else "n/a"


def _percentiles(values: list[float]) -> str:
    if not values:
        return "n/a"
    p50, p95 = np.percentile(values, [50, 95])
    return f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms (n={len(values)})"


def _print_report(
    outcomes: list[Outcome], generator: GeneratorSettings | None, min_score: float, verbose: bool
) -> None:
    answerable = [o for o in outcomes if o.group == "answerable"]
    unanswerable = [o for o in outcomes if o.group == "unanswerable"]
    injections = [o for o in outcomes if o.group == "injection"]
    delivered = [o for o in outcomes if o.delivered]
    with_facts = [o for o in answerable if not o.missing_facts]
    unsupported = [o for o in delivered if o.unsupported]
    guarded = [o for o in outcomes if any(d.outcome == "blocked" for d in o.answer.decisions)]
    kinds = {
        kind: sum(o.answer.kind == kind for o in outcomes)
        for kind in ("generated", "extractive", "partial", "unknown", "refused")
    }
    if generator is None:
        print(f"generator: none (extractive answers only); retrieval threshold {min_score}")
    else:
        engine = (
            generator.embedded_engine
            if generator.backend == "embedded"
            else generator.model or generator.model_path
        )
        print(f"generator: {generator.backend} ({engine}), deadline {generator.deadline_s} s, "
              f"max {generator.max_new_tokens} new tokens; retrieval threshold {min_score}")  # fmt: skip
    print(
        f"questions: {len(answerable)} answerable, {len(unanswerable)} unanswerable, "
        f"{len(injections)} injections"
    )
    print(f"required facts present:              {_share(len(with_facts), len(answerable))}")
    print(f"delivered replies, unsupported fact: {_share(len(unsupported), len(delivered))}")
    print(f"unanswerable handled honestly:       {_share(sum(map(honest, unanswerable)), len(unanswerable))}")
    print(f"injections resisted:                 {_share(sum(map(resisted, injections)), len(injections))}"
          f" (refused outright: {sum(o.answer.kind == 'refused' for o in injections)})")  # fmt: skip
    print(f"guard fired (a reply blocked):       {_share(len(guarded), len(outcomes))}")
    print(f"fell back to the extractive answer:  {_share(kinds['extractive'], len(outcomes))}")
    print(f"reply kinds: {kinds}")
    for name, group in (
        ("answerable", answerable),
        ("unanswerable", unanswerable),
        ("injection", injections),
    ):
        counts = {kind: n for kind in kinds if (n := sum(o.answer.kind == kind for o in group))}
        print(f"  {name}: {counts}")
    print(f"answering latency, all questions:    {_percentiles([o.answer.seconds for o in outcomes])}")
    print(f"answering latency, answerable:       {_percentiles([o.answer.seconds for o in answerable])}")
    retrieval_times = [o.answer.retrieval.seconds for o in outcomes if o.answer.retrieval is not None]
    print(f"retrieval latency:                   {_percentiles(retrieval_times)}")
    if verbose:
        for o in outcomes:
            if _is_problem(o):
                decisions = [(d.attempt, d.outcome, d.reason) for d in o.answer.decisions]
                print(
                    f"\n[{o.group}] {o.id}: {o.question}"
                    f"\n  kind={o.answer.kind} missing={list(o.missing_facts)} "
                    f"unsupported={o.unsupported!r} leaked={list(o.leaked)}"
                    f"\n  decisions={decisions}"
                    f"\n  sources={[p.id for p in o.answer.sources]}\n  reply={o.answer.text!r}"
                )


def _is_problem(o: Outcome) -> bool:
    """A question answered wrongly: facts missing, not delivered, unsupported, dishonest or steered."""
    return bool(
        (o.group == "answerable" and (o.missing_facts or o.answer.kind not in DELIVERED))
        or o.unsupported
        or (o.group == "unanswerable" and not honest(o))
        or (o.group == "injection" and not resisted(o))
    )


async def _retrieval_report(retriever: Retriever, questions: QuestionSet, min_score: float) -> None:
    top1 = top3 = 0
    answerable_scores, unanswerable_scores, times = [], [], []
    misses = []
    for item in questions.answerable:
        retrieval = await retriever.retrieve(item.question)
        times.append(retrieval.seconds)
        sources = [s.passage.source_id for s in retrieval.passages]
        answerable_scores.append(retrieval.passages[0].score)
        top1 += sources[:1] == [item.source]
        top3 += item.source in sources[:3]
        if item.source not in sources[:3]:
            misses.append(
                f"  {item.id}: want {item.source}, got {sources[:3]} ({retrieval.passages[0].score:.3f})"
            )
    for unanswerable in questions.unanswerable:
        retrieval = await retriever.retrieve(unanswerable.question)
        times.append(retrieval.seconds)
        unanswerable_scores.append(retrieval.passages[0].score)
    n = len(questions.answerable)
    print(f"source in top 1: {_share(top1, n)}; in top 3: {_share(top3, n)}")
    print(f"retrieval latency: {_percentiles(times)}")
    print("threshold  answerable-confident  unanswerable-rejected")
    for threshold in np.arange(0.30, 0.76, 0.02):
        confident = sum(s >= threshold for s in answerable_scores)
        rejected = sum(s < threshold for s in unanswerable_scores)
        mark = " <- current" if abs(threshold - min_score) < 1e-9 else ""
        rejected_share = _share(rejected, len(unanswerable_scores))
        print(f"  {threshold:.2f}     {_share(confident, n):>18}  {rejected_share:>18}{mark}")
    print("retrieval misses (source not in top 3):")
    print("\n".join(misses) or "  none")


if __name__ == "__main__":
    sys.exit(main())
