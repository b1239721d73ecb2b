"""Uplift against the control group: the figures on known counts, the verdicts and their words."""

from __future__ import annotations

import random

import pytest

from actions.offers.attribution import CONTROL_ARM, OVERALL, ArmTally
from actions.offers.outcomes import RuleOutcomes
from actions.offers.rules import OfferRule
from actions.offers.validation import parse_rule
from web.marketing.offer_results import rule_result
from web.marketing.results_advice import MIN_CUSTOMERS, uplift_verdict
from web.marketing.results_math import Arm, uplift
from web.marketing.results_uplift import rule_uplift

SEGMENT = "new customers"


def rule(**extra: object) -> OfferRule:
    return parse_rule(
        {
            "id": "welcome",
            "name": "Welcome offer",
            "kind": "upsell",
            "variants": [{"id": "a", "message": "Offer a"}, {"id": "b", "message": "Offer b"}],
            **extra,
        }
    )


def outcomes(scopes: dict[str, dict[str, tuple[int, int]]]) -> RuleOutcomes:
    return RuleOutcomes(
        rule="welcome",
        scopes={
            scope: {arm: ArmTally(customers=n, converted=k) for arm, (n, k) in arms.items()}
            for scope, arms in scopes.items()
        },
        pending=4,
        anonymous=9,
        computed_at=1.0,
    )


# --- the figures ------------------------------------------------------------------


def test_the_interval_covers_the_true_uplift_in_about_95_percent_of_simulated_tests() -> None:
    rng = random.Random(5)
    true_exposed, true_control, n = 0.18, 0.10, 400
    covered = 0
    for trial in range(200):
        exposed = Arm(n, sum(rng.random() < true_exposed for _ in range(n)))
        control = Arm(n, sum(rng.random() < true_control for _ in range(n)))
        estimate = uplift(exposed, control, seed=trial, draws=4000)
        covered += estimate.low <= true_exposed - true_control <= estimate.high
    assert 0.9 <= covered / 200 <= 0.99


def test_a_clearly_better_exposed_group_is_credible_and_equal_groups_are_a_coin_toss() -> None:
    better = uplift(Arm(500, 100), Arm(500, 50), seed=1)
    assert better.difference == pytest.approx(0.1)
    assert better.probability_positive > 0.999 and 0.05 < better.low < 0.1 < better.high < 0.15
    equal = uplift(Arm(300, 30), Arm(300, 30), seed=1)
    assert equal.difference == 0 and 0.45 < equal.probability_positive < 0.55
    assert equal.low < 0 < equal.high
    worse = uplift(Arm(300, 15), Arm(300, 45), seed=1)
    assert worse.probability_positive < 0.001


def test_the_same_counts_give_the_same_figures_every_time() -> None:
    assert uplift(Arm(60, 12), Arm(40, 5), seed=7) == uplift(Arm(60, 12), Arm(40, 5), seed=7)
    assert uplift(Arm(60, 12), Arm(40, 5), seed=7) != uplift(Arm(60, 12), Arm(40, 5), seed=8)


# --- the words ----------------------------------------------------------------------


def test_a_credible_uplift_is_said_in_points_with_its_interval_and_probability() -> None:
    exposed, control = Arm(500, 100), Arm(500, 50)
    verdict, text = uplift_verdict(exposed, control, uplift(exposed, control, seed=1), "overall", 7)
    assert verdict == "helps"
    assert text.startswith(
        "Overall, customers shown the offer bought 10.0 points more often than the control group "
        "within 7 days (20.0% against 10.0%; 95% interval +"
    )
    assert text.endswith("points; over 99.9% probability the offer helps).")


def test_an_offer_that_likely_does_not_help_is_warned_about() -> None:
    exposed, control = Arm(200, 16), Arm(200, 24)
    verdict, text = uplift_verdict(exposed, control, uplift(exposed, control, seed=2), "overall", 7)
    assert verdict == "does_not_help"
    assert text.startswith(
        "Overall, the offer likely does not help: customers shown it bought 4.0 points less"
    )


def test_too_few_customers_gives_the_counts_and_the_minimum() -> None:
    exposed, control = Arm(120, 30), Arm(MIN_CUSTOMERS - 1, 2)
    verdict, text = uplift_verdict(exposed, control, uplift(exposed, control, seed=3), "overall", 7)
    assert verdict == "too_few"
    assert text == (
        f"Overall, not enough customers yet for uplift: 120 shown the offer and {MIN_CUSTOMERS - 1} in "
        f"the control group have had their 7 days to buy; at least {MIN_CUSTOMERS} of each are needed."
    )


# --- a rule ------------------------------------------------------------------------


def test_a_rule_gets_uplift_overall_per_variant_and_per_segment_and_the_recommendation_says_it() -> None:
    found = outcomes(
        {
            OVERALL: {"a": (300, 75), "b": (300, 60), CONTROL_ARM: (150, 15)},
            "1": {"a": (100, 20), "b": (20, 5), CONTROL_ARM: (40, 4)},
            "2": {"a": (10, 1), CONTROL_ARM: (3, 0)},
        }
    )
    stats = {"v:a:exposures": 300, "v:a:accepts": 30, "v:b:exposures": 300, "v:b:accepts": 31, "control": 150}
    result = rule_result(rule(control_share=0.2), stats, {"1": SEGMENT}, found)
    got = result.uplift
    assert (
        got.available and got.reason == "" and got.controls == 150 and (got.pending, got.anonymous) == (4, 9)
    )
    assert got.overall is not None and got.overall.verdict == "helps"
    assert got.overall.exposed.model_dump(include={"customers", "converted"}) == {
        "customers": 600,
        "converted": 135,
    }
    assert [c.arm for c in got.overall.comparisons] == ["all", "a", "b"]
    assert all(c.enough and (c.probability_positive or 0) > 0.95 for c in got.overall.comparisons)
    assert "bought 12.5 points more often" in got.text
    assert result.overall.recommendation.uplift == "helps" and got.text in result.overall.recommendation.text
    one, two = got.segments
    assert (one.label, two.label) == (SEGMENT, "segment 2 (not in the latest segmentation)")
    assert one.text.startswith(f"For the segment “{SEGMENT}”, ")
    assert [c.enough for c in one.comparisons] == [True, True, False]  # b: 20 customers
    assert two.verdict == "too_few" and not any(c.enough for c in two.comparisons)


def test_a_rule_without_control_group_or_outcomes_says_why() -> None:
    none = rule_uplift(rule(), None, 0, {})
    assert not none.available and "keeps no control group (control share 0)" in none.reason
    waiting = rule_uplift(rule(control_share=0.1), None, 25, {})
    assert not waiting.available and waiting.overall is None
    assert "not computed yet" in waiting.reason and "25 customers held out" in waiting.reason
    early = rule_uplift(
        rule(control_share=0.1), outcomes({OVERALL: {"a": (40, 4), CONTROL_ARM: (5, 0)}}), 5, {}
    )
    assert not early.available and early.reason == early.text and "5 in the control group" in early.text
