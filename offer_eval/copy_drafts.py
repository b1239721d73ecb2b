"""python -m offer_eval.copy_drafts: offer copy drafted for every demo rule and segment, and how it fares.

    python -m offer_eval.copy_drafts [--count 3] [--k-min 5 --k-max 8] [--rules ID,ID] [--first-variant-only]

The demo store (seed 7) is generated and segmented in memory, as ``make run`` does;
then, for every variant of every rule in ``actions/offers/demo_rules.yml`` and every
segment, the configured generator (``CS_GENERATOR_*``; the embedded SmolLM2-135M by
default) writes ``--count`` drafts, which the copy checks judge. Per rule it prints:

- the share of generated (not template) drafts that pass the checks;
- unsupported facts delivered as acceptable: every draft offered as acceptable
  (generated or template) is audited again, independently of the checks, by exact
  matching: each number, price, percentage, date and identifier must be one of the
  offer's facts, each code-like word the offer's code, each catalogue product one of
  the offer's. The target is 0;
- how different the drafts of one offer and segment are from each other: the mean
  pairwise token Jaccard distance (1 - shared words / all words) of the generated
  drafts, and of the drafts offered as acceptable.

Nothing is written to Redis.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import re
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from actions.knowledge.catalogue import Catalogue
from actions.knowledge.facts import extract_facts
from actions.offers.copy_checks import CopyChecker
from actions.offers.copy_drafts import (
    DEFAULT_DRAFTS,
    DRAFT_DEADLINE_S,
    INSTRUCTIONS,
    CopyDrafter,
    LazyGenerator,
    SegmentDrafts,
    describe_segment,
)
from actions.offers.copy_facts import OfferFacts, offer_facts
from actions.offers.demo import DEMO_RULES_FILE
from actions.offers.validation import read_rules_file
from actions.segments.store_snapshot import StoreRecords
from jobs.segmentation import segment_store
from seed.generate import generate
from seed.personalisation import DEMO_K_RANGE

DEMO_SEED = 7
_WORD = re.compile(r"[a-z0-9%$]+(?:[.'][a-z0-9]+)*")
_CODE_LIKE = re.compile(r"\b(?=[A-Z0-9_-]*[A-Z])(?=[A-Z0-9_-]*\d)[A-Z0-9][A-Z0-9_-]{2,31}\b")


def unsupported_in(text: str, facts: OfferFacts, catalogue: Catalogue) -> list[str]:
    """What an accepted draft states beyond the offer's facts, by exact matching (not by the checks)."""
    stated = "\n".join(facts.lines())
    keys = {(f.kind, f.key) for f in extract_facts(stated)}
    found = [f.text for f in extract_facts(text) if (f.kind, f.key) not in keys]
    own_code = (facts.discount_code or "").lower()
    found += [
        c for c in _CODE_LIKE.findall(text) if c.lower() != own_code and c.lower() not in stated.lower()
    ]
    offered = {p.name.lower() for p in facts.products}
    lowered = text.lower()
    found += [
        name
        for name in catalogue.names
        if name in lowered and name not in offered and name not in stated.lower()
    ]
    return found


def jaccard_distance(texts: list[str]) -> float | None:
    """Mean pairwise 1 - |shared words| / |all words|; None for fewer than two texts."""
    words = [set(_WORD.findall(t.lower())) for t in texts]
    pairs = [(a, b) for a, b in itertools.combinations(words, 2) if a | b]
    if not pairs:
        return None
    return statistics.fmean(1 - len(a & b) / len(a | b) for a, b in pairs)


@dataclass
class RuleTally:
    """Counts of one rule across its variants and the segments."""

    generated: int = 0
    generated_ok: int = 0
    templates: int = 0
    accepted: int = 0
    unsupported: list[str] = field(default_factory=list)
    generated_distance: list[float] = field(default_factory=list)
    accepted_distance: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, result: SegmentDrafts, facts: OfferFacts, catalogue: Catalogue) -> None:
        """Count one segment's drafts."""
        self.generated += result.generated
        self.generated_ok += result.generated_ok
        self.templates += sum(d.source == "template" for d in result.drafts)
        accepted = [d for d in result.drafts if d.ok]
        self.accepted += len(accepted)
        for draft in accepted:
            self.unsupported += [
                f"{fact} in {draft.text!r}" for fact in unsupported_in(draft.text, facts, catalogue)
            ]
        generated = jaccard_distance([d.text for d in result.drafts if d.source == "generated"])
        if generated is not None:
            self.generated_distance.append(generated)
        kept = jaccard_distance([d.text for d in accepted])
        if kept is not None:
            self.accepted_distance.append(kept)


def _mean(values: list[float]) -> str:
    return f"{statistics.fmean(values):.2f}" if values else "-"


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns 1 when an unsupported fact was delivered as acceptable."""
    parser = argparse.ArgumentParser(
        prog="python -m offer_eval.copy_drafts", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--count", type=int, default=DEFAULT_DRAFTS, help="drafts per offer and segment")
    # The segments `make run` shows marketers (seed/personalisation.py).
    parser.add_argument("--k-min", type=int, default=DEMO_K_RANGE[0])
    parser.add_argument("--k-max", type=int, default=DEMO_K_RANGE[1])
    parser.add_argument("--rules", default="", help="comma-separated rule ids (default: every demo rule)")
    parser.add_argument(
        "--first-variant-only", action="store_true", help="draft from each rule's first variant"
    )
    parser.add_argument("--verbose", action="store_true", help="print every draft with its verdict")
    parser.add_argument(
        "--deadline-s", type=float, default=DRAFT_DEADLINE_S, help="per draft (the console's default)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    store = generate(DEMO_SEED, date.today())
    records = StoreRecords(customers=store.customers, orders=store.orders, products=store.products)
    segments = segment_store(records, datetime.now(UTC), k_range=(args.k_min, args.k_max)).segments
    catalogue = Catalogue.of((p.name for p in store.products), (p.category for p in store.products))
    rules = read_rules_file(DEMO_RULES_FILE).rules
    wanted = {r.strip() for r in args.rules.split(",") if r.strip()}
    rules = [r for r in rules if not wanted or r.id in wanted]
    generator = LazyGenerator()
    drafter = CopyDrafter(generator, deadline_s=args.deadline_s)
    backend = await generator.get()
    print(
        f"offer copy drafts: {len(rules)} rules, {len(segments)} segments, {args.count} drafts each, "
        f"generator {backend.name if backend else 'none (' + str(generator.problem) + ')'}, "
        f"deadline {args.deadline_s:g} s per draft"
    )
    for segment in segments:
        print(f"  segment {segment.id}: {describe_segment(segment)}")
    tallies: dict[str, RuleTally] = {}
    for rule in rules:
        tally = tallies.setdefault(rule.id, RuleTally())
        for variant in rule.variants[:1] if args.first_variant_only else rule.variants:
            facts = offer_facts(rule, variant, store.products, store.policy.store_name, store.policy.currency)
            checker = CopyChecker(facts, catalogue, INSTRUCTIONS)
            for segment in segments:
                began = time.perf_counter()
                result = await drafter.draft(
                    facts, checker, str(segment.id), segment.label, describe_segment(segment), args.count
                )
                tally.seconds += time.perf_counter() - began
                tally.add(result, facts, catalogue)
                if args.verbose:
                    for draft in result.drafts:
                        verdict = "ok" if draft.ok else "refused: " + "; ".join(draft.reasons)
                        where = f"{rule.id}/{variant.id} s{segment.id} [{draft.source}]"
                        print(f"    {where} {draft.text!r} -> {verdict}")
    _report(tallies)
    print(f"took {time.perf_counter() - started:.0f} s")
    return 1 if any(t.unsupported for t in tallies.values()) else 0


def _report(tallies: dict[str, RuleTally]) -> None:
    print()
    head = f"{'rule':<26}{'generated':>10}{'passed':>8}{'share':>8}{'templates':>10}{'accepted':>9}"
    print(head + f"{'unsupp.':>9}{'dist gen':>10}{'dist acc':>10}{'s/draft':>9}")
    total = RuleTally()
    for rule_id, t in tallies.items():
        share = f"{t.generated_ok / t.generated:.0%}" if t.generated else "-"
        per_draft = f"{t.seconds / t.generated:.2f}" if t.generated else "-"
        print(
            f"{rule_id:<26}{t.generated:>10}{t.generated_ok:>8}{share:>8}{t.templates:>10}{t.accepted:>9}"
            f"{len(t.unsupported):>9}{_mean(t.generated_distance):>10}{_mean(t.accepted_distance):>10}{per_draft:>9}"
        )
        for item in t.unsupported:
            print(f"    UNSUPPORTED: {item}")
        total.generated += t.generated
        total.generated_ok += t.generated_ok
        total.templates += t.templates
        total.accepted += t.accepted
        total.unsupported += t.unsupported
        total.generated_distance += t.generated_distance
        total.accepted_distance += t.accepted_distance
        total.seconds += t.seconds
    share = f"{total.generated_ok / total.generated:.0%}" if total.generated else "-"
    per_draft = f"{total.seconds / total.generated:.2f}" if total.generated else "-"
    print(
        f"{'all rules':<26}{total.generated:>10}{total.generated_ok:>8}{share:>8}{total.templates:>10}"
        f"{total.accepted:>9}{len(total.unsupported):>9}{_mean(total.generated_distance):>10}"
        f"{_mean(total.accepted_distance):>10}{per_draft:>9}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
