"""Prints pass rates by category, the failing turns with their replies, and per-turn latency."""

from __future__ import annotations

from collections import defaultdict
from typing import TextIO

import numpy as np

from conversation_eval.runner import ConversationResult


def _percentiles(seconds: list[float]) -> str:
    if not seconds:
        return "no turns"
    p50, p95, p99 = (float(np.percentile(seconds, q)) * 1000 for q in (50, 95, 99))
    return (
        f"{len(seconds)} turns, p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms, "
        f"max {max(seconds) * 1000:.0f} ms"
    )


def print_slowest(results: list[ConversationResult], out: TextIO, count: int) -> None:
    """The slowest turns that did not run the generator, with their conversation."""
    turns = sorted(
        ((t.seconds, r.name, t.say) for r in results for t in r.turns if not t.generator), reverse=True
    )
    print(f"\nslowest {count} turns without the generator:", file=out)
    for seconds, name, say in turns[:count]:
        print(f"  {seconds * 1000:6.0f} ms  [{name}] {say[:80]}", file=out)


def print_report(results: list[ConversationResult], out: TextIO, verbose: bool = False) -> None:
    """Failures first (each failing turn with the reply), then the figures."""
    for result in results:
        if result.passed and not verbose:
            continue
        status = "PASS" if result.passed else "FAIL"
        print(f"\n{status} [{result.category}] {result.name}", file=out)
        if result.error:
            print(f"  error: {result.error}", file=out)
        for number, turn in enumerate(result.turns, start=1):
            if turn.passed and not verbose:
                continue
            mark = "ok " if turn.passed else "XX "
            print(f"  {mark}turn {number}: {turn.say}", file=out)
            for problem in turn.problems:
                print(f"      - {problem}", file=out)
            reply = turn.reply.replace("\n", "\n        ") or "(no reply)"
            print(f"      reply: {reply}", file=out)

    by_category: dict[str, list[ConversationResult]] = defaultdict(list)
    for result in results:
        by_category[result.category].append(result)
    print("\ncategory              passed   total    rate", file=out)
    for category in sorted(by_category):
        group = by_category[category]
        passed = sum(r.passed for r in group)
        print(f"{category:<20} {passed:>7} {len(group):>7} {100 * passed / len(group):>6.1f}%", file=out)
    passed = sum(r.passed for r in results)
    total = len(results) or 1
    print(f"{'all':<20} {passed:>7} {len(results):>7} {100 * passed / total:>6.1f}%", file=out)
    turns = [t for r in results for t in r.turns]
    failed_turns = sum(not t.passed for t in turns)
    print(f"turns: {len(turns)}, failing: {failed_turns}", file=out)
    print("\nper-turn latency, one customer at a time:", file=out)
    print(f"  without the generator: {_percentiles([t.seconds for t in turns if not t.generator])}", file=out)
    print(f"  with the generator:    {_percentiles([t.seconds for t in turns if t.generator])}", file=out)
