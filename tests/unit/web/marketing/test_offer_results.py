"""The offer results' figures against known cases: intervals, probability best, allocation, verdicts."""

from __future__ import annotations

import random

import pytest

from actions.offers.bandit import choose_variant, variant_field
from actions.offers.rules import OfferRule
from actions.offers.validation import parse_rule
from web.marketing import results_wording as words
from web.marketing.offer_results import rule_result, scope_result, segments_in
from web.marketing.results_advice import recommend
from web.marketing.results_math import (
    DRAWS,
    MIN_EXPOSURES,
    Arm,
    credible_interval,
    more_exposures_needed,
    probability_best,
    sampled_best,
    seed_of,
    two_arms_exact,
)

SEGMENT = "frequent, high-value, recently active"


def rule(allocation: str = "thompson", variants: tuple[str, ...] = ("a", "b"), **extra: object) -> OfferRule:
    return parse_rule(
        {
            "id": "thanks",
            "name": "Thank-you offer",
            "kind": "upsell",
            "allocation": allocation,
            "variants": [
                {"id": v, "message": f"Offer {v}", "weight": 3 if v == "a" else 1} for v in variants
            ],
            **extra,
        }
    )


def counters(segment: str | None, **arms: tuple[int, int]) -> dict[str, int]:
    stats: dict[str, int] = {}
    for variant, (exposures, accepts) in arms.items():
        stats[variant_field(variant, "exposures", segment)] = exposures
        stats[variant_field(variant, "accepts", segment)] = accepts
    return stats


# --- the credible interval ------------------------------------------------------


def test_no_data_gives_the_uniform_priors_central_95_percent() -> None:
    low, high = credible_interval(Arm(0, 0))
    assert low == pytest.approx(0.025) and high == pytest.approx(0.975)


def test_the_interval_is_the_beta_posteriors_quantiles() -> None:
    # Beta(1, 11) (0 of 10 accepted): the CDF is 1 - (1 - x)^11, so the quantiles are closed-form.
    low, high = credible_interval(Arm(10, 0))
    assert low == pytest.approx(1 - 0.975 ** (1 / 11))
    assert high == pytest.approx(1 - 0.025 ** (1 / 11))
    # Beta(11, 1) mirrors it.
    low2, high2 = credible_interval(Arm(10, 10))
    assert (low2, high2) == pytest.approx((1 - high, 1 - low))


def test_the_interval_holds_the_rate_and_narrows_with_data() -> None:
    small, large = credible_interval(Arm(100, 10)), credible_interval(Arm(10_000, 1_000))
    assert small[0] < 0.1 < small[1] and large[0] < 0.1 < large[1]
    assert large[1] - large[0] < (small[1] - small[0]) / 5


def test_more_acceptances_than_exposures_are_clamped_as_the_bandit_does() -> None:
    assert Arm(5, 9).alpha == 6 and Arm(5, 9).beta == 1


# --- probability best ---------------------------------------------------------------


@pytest.mark.parametrize("k", [2, 3, 5])
def test_equal_posteriors_are_each_best_about_one_in_k(k: int) -> None:
    shares = probability_best([Arm(200, 20)] * k, seed=7)
    assert sum(shares) == pytest.approx(1.0)
    assert all(abs(share - 1 / k) < 0.02 for share in shares), shares


def test_a_dominated_variant_is_almost_never_best() -> None:
    shares = probability_best([Arm(1000, 20), Arm(1000, 100), Arm(1000, 95)], seed=1)
    assert shares[0] < 0.001
    assert shares[1] > shares[2] > 0.1


def test_two_variants_are_computed_exactly() -> None:
    # A ~ Beta(2, 1) (pdf 2x), B ~ Beta(1, 1): P(B > A) = integral of 2x(1 - x) = 1/3.
    assert two_arms_exact(Arm(1, 1), Arm(0, 0)) == pytest.approx(1 / 3)
    assert two_arms_exact(Arm(0, 0), Arm(1, 1)) == pytest.approx(2 / 3)
    assert probability_best([Arm(40, 4), Arm(40, 4)], seed=0) == pytest.approx([0.5, 0.5])
    # Against the draws, with large and small counts, either order.
    for a, b in [(Arm(60, 6), Arm(60, 12)), (Arm(5000, 250), Arm(4000, 215)), (Arm(30, 20), Arm(8, 1))]:
        exact = probability_best([a, b], seed=3)
        assert exact == pytest.approx([1 - exact[1], exact[1]])
        assert abs(sampled_best([a, b], seed=3)[1] - exact[1]) < 0.01, (a, b, exact)


def test_the_draws_are_seeded_by_rule_and_segment() -> None:
    arms = [Arm(50, 5), Arm(50, 7), Arm(50, 6)]
    assert probability_best(arms, seed_of("r", "1")) == probability_best(arms, seed_of("r", "1"))
    assert seed_of("r", "1") != seed_of("r", "2")
    assert DRAWS >= 10_000  # ±1 point at 95% needs 1.96^2 * 0.25 / 0.01^2 = 9,604 draws


def test_the_allocation_is_the_share_thompson_sampling_gives() -> None:
    # The bandit itself, run many times on the same counters, lands on the same shares.
    offer = rule()
    stats = counters("2", a=(80, 8), b=(80, 13))
    result = scope_result(offer, stats, "2", SEGMENT)
    rng = random.Random(5)
    picks = [choose_variant(offer, stats, "2", rng).id for _ in range(20_000)]
    for variant in result.variants:
        assert abs(picks.count(variant.variant) / len(picks) - variant.allocation) < 0.015
        assert variant.allocation == variant.probability_best


def test_a_weighted_split_allocates_by_weight() -> None:
    result = scope_result(rule("weighted"), counters(None, a=(300, 3), b=(100, 30)), None, "All customers")
    assert [v.allocation for v in result.variants] == [0.75, 0.25]
    assert result.variants[1].probability_best > 0.999


# --- the recommendation ------------------------------------------------------------


def test_a_clear_winner_in_a_segment_is_named_in_words_and_the_rest_retired() -> None:
    result = scope_result(rule(), counters("1", a=(400, 20), b=(400, 60)), "1", SEGMENT)
    advice = result.recommendation
    assert advice.verdict == "winner" and advice.best == "b" and advice.retire == ["a"]
    assert advice.text == (
        f"Variant b is best for the segment “{SEGMENT}” with {words.percent(advice.probability or 0)} "
        "probability; retire a."
    )


def test_the_probability_threshold_is_95_percent() -> None:
    names, arms, shares = ["a", "b"], [Arm(100, 10), Arm(100, 15)], [0.5, 0.5]
    assert recommend(names, arms, [0.05, 0.95], shares, "overall").verdict == "winner"
    below = recommend(names, arms, [0.06, 0.94], shares, "overall")
    assert below.verdict == "more_data" and below.best == "b"
    assert "about" in below.text and "more exposures needed" in below.text


def test_a_winner_needs_the_minimum_exposures_of_every_variant() -> None:
    # 4 of 5 against 0 of 5: very probably better, but too few to name.
    arms = [Arm(5, 0), Arm(5, 4)]
    best = probability_best(arms, seed=1)
    assert best[1] > 0.95
    advice = recommend(["a", "b"], arms, best, best, "overall")
    assert advice.verdict == "more_data"
    # Each variant needs MIN_EXPOSURES - 5 more; a needs them at its small share of the traffic.
    assert advice.more_exposures is not None and advice.more_exposures >= MIN_EXPOSURES - 5
    assert advice.text.startswith("Not enough evidence yet overall: about ")


def test_equal_variants_with_plenty_of_data_have_no_clear_winner() -> None:
    arms = [Arm(2000, 100), Arm(2000, 101)]
    best = probability_best(arms, seed=2)
    advice = recommend(["a", "b"], arms, best, best, "overall")
    assert advice.verdict == "no_clear_winner"
    assert advice.text.startswith(
        "No clear winner overall: the variants are accepted about equally often (a 5%, b 5%)"
    )


def test_too_early_to_tell_says_how_many_to_reach_the_minimum() -> None:
    arms = [Arm(3, 0), Arm(3, 0)]
    advice = recommend(["a", "b"], arms, [0.5, 0.5], [0.5, 0.5], "overall")
    assert advice.verdict == "more_data"
    assert advice.more_exposures == 2 * (MIN_EXPOSURES - 3)
    assert f"({MIN_EXPOSURES} per variant)" in advice.text


def test_the_estimate_of_more_exposures_shrinks_as_evidence_grows() -> None:
    early = more_exposures_needed([Arm(100, 10), Arm(100, 14)], 1, [0.5, 0.5])
    later = more_exposures_needed([Arm(400, 40), Arm(400, 56)], 1, [0.5, 0.5])
    assert early is not None and later is not None and later < early
    # A leader that does not lead can promise nothing.
    assert more_exposures_needed([Arm(100, 10), Arm(100, 10)], 1, [0.5, 0.5]) is None


def test_one_variant_or_no_exposures_say_so() -> None:
    alone = scope_result(rule(variants=("a",)), counters(None, a=(50, 5)), None, "All customers")
    assert alone.recommendation.verdict == "single_variant" and alone.variants[0].allocation == 1.0
    empty = scope_result(rule(), {}, None, "All customers")
    assert empty.recommendation.text == "No exposures yet overall."
    assert empty.variants[0].acceptance_rate is None


# --- a rule -------------------------------------------------------------------------


def test_a_rule_has_overall_and_each_segment_with_exposures_labelled_in_words() -> None:
    stats = {
        **counters(None, a=(120, 10), b=(130, 20)),
        **counters("1", a=(100, 9), b=(100, 18)),
        **counters("7", a=(20, 1), b=(30, 2)),
        **counters("0", a=(0, 0), b=(0, 0)),
        "control": 25,
        "exposures": 250,
    }
    assert segments_in(stats) == {"0", "1", "7"}
    result = rule_result(rule(control_share=0.1), stats, {"0": "never bought", "1": SEGMENT})
    assert [s.segment for s in result.segments] == ["1", "7"]  # none shown in 0; 7 left the segmentation
    assert result.segments[0].label == SEGMENT
    assert result.segments[1].label == "segment 7 (not in the latest segmentation)"
    assert result.overall.exposures == 250 and result.overall.accepts == 30
    assert not result.uplift.available and result.uplift.controls == 25
    assert "not computed yet" in result.uplift.reason and "25 customers held out" in result.uplift.reason
    assert "control share 0" in rule_result(rule(), stats | {"control": 0}, {}).uplift.reason


def test_a_segment_lists_only_the_variants_written_for_it_and_the_bandit_allocates_among_them() -> None:
    offer = parse_rule(
        {
            "id": "thanks",
            "name": "Thank-you offer",
            "kind": "upsell",
            "variants": [
                {"id": "a", "message": "For everyone"},
                {"id": "b", "message": "For loyal customers", "segments": ["high value"]},
                {"id": "c", "message": "Also for loyal customers", "segments": ["1"]},
            ],
        }
    )
    stats = {
        **counters(None, a=(300, 30), b=(100, 20), c=(100, 5)),
        **counters("1", a=(50, 5), b=(100, 20), c=(100, 5)),
    }
    stats |= counters("0", a=(250, 25))
    result = rule_result(offer, stats, {"0": "never bought", "1": SEGMENT})
    loyal, other = result.segments[1], result.segments[0]
    assert [v.variant for v in loyal.variants] == ["a", "b", "c"]
    assert [v.variant for v in other.variants] == ["a"]
    assert other.recommendation.verdict == "single_variant" and other.variants[0].allocation == 1.0
    # Overall lists every variant, but a conversation without a segment only gets a.
    assert [v.allocation for v in result.overall.variants] == [1.0, 0.0, 0.0]
    assert result.overall.variants[1].probability_best > 0.5


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0.9712, "97%"), (0.995, "99.5%"), (1.0, "over 99.9%"), (0.0001, "under 0.1%"), (0.0, "0%")],
)
def test_probabilities_never_read_as_certain(value: float, shown: str) -> None:
    assert words.percent(value) == shown
