"""The Bayesian figures of the offer results: credible intervals, probability best, evidence still needed.

Each variant's acceptance probability gets a Beta posterior from a uniform prior,
Beta(1 + acceptances, 1 + exposures - acceptances): the same distribution the
Thompson-sampling bandit draws from (``actions/offers/bandit.py``), so the share of
draws in which a variant is highest is both the probability that it is the best and
the share of traffic the bandit gives it now.

Two variants: the probability is computed exactly. Three or more: Monte Carlo,
``DRAWS`` joint draws per rule and segment, from a generator seeded by the rule and
segment, so the page shows the same figures on every reload until the counters move.
10,000 draws give every probability within ±1 percentage point with 95% confidence
(1.96 * sqrt(0.25 / 10,000) = 0.0098).

Uplift against the control group (``uplift``) uses the same posteriors on purchases:
an arm's customers and purchasers in place of exposures and acceptances, and seeded
joint draws for the difference's interval and P(uplift > 0).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import betaincinv, betaln, ndtri

PRIOR_ACCEPTS = 1.0  # uniform prior: Beta(1, 1)
PRIOR_REJECTS = 1.0
CREDIBLE_LEVEL = 0.95
DRAWS = 10_000
# The evidence asked for before a winner is named (docs/offers.md, "Results").
WIN_PROBABILITY = 0.95
# Thompson sampling starves a losing variant, so the floor is modest: enough that a
# run of early luck (3 of 5 against 0 of 5) cannot name a winner.
MIN_EXPOSURES = 30
# An arm the bandit has all but dropped still gets this share in the estimate of the
# traffic needed, so the estimate stays finite (and says "a lot").
MIN_SHARE = 0.01


@dataclass(frozen=True)
class Arm:
    """One variant's counts in one scope (a segment, or the rule overall)."""

    exposures: int
    accepts: int

    @property
    def alpha(self) -> float:
        """First Beta parameter: the prior plus acceptances (clamped to exposures, as the bandit does)."""
        return PRIOR_ACCEPTS + min(self.accepts, self.exposures)

    @property
    def beta(self) -> float:
        """Second Beta parameter: the prior plus exposures that were not accepted."""
        return PRIOR_REJECTS + self.exposures - min(self.accepts, self.exposures)

    @property
    def mean(self) -> float:
        """Posterior mean of the acceptance probability."""
        return self.alpha / (self.alpha + self.beta)

    @property
    def variance(self) -> float:
        """Posterior variance of the acceptance probability."""
        total = self.alpha + self.beta
        return self.alpha * self.beta / (total * total * (total + 1))


def credible_interval(arm: Arm, level: float = CREDIBLE_LEVEL) -> tuple[float, float]:
    """The equal-tailed credible interval of the acceptance probability (exact Beta quantiles)."""
    tail = (1 - level) / 2
    low = float(betaincinv(arm.alpha, arm.beta, tail))
    high = float(betaincinv(arm.alpha, arm.beta, 1 - tail))
    return low, high


def seed_of(*parts: str) -> int:
    """A stable seed from names (Python's ``hash`` changes between processes)."""
    digest = hashlib.blake2b("\x00".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def probability_best(arms: Sequence[Arm], seed: int, draws: int = DRAWS) -> list[float]:
    """Probability that each arm has the highest acceptance probability.

    Two arms: computed exactly (``two_arms_exact``). More: Monte Carlo
    (``sampled_best``). This is also Thompson sampling's allocation: the bandit shows
    the arm whose one draw is highest, so it shows each arm with exactly this probability.
    """
    if not arms:
        return []
    if len(arms) == 1:
        return [1.0]
    if len(arms) == 2:
        second = two_arms_exact(arms[0], arms[1])
        return [1.0 - second, second]
    return sampled_best(arms, seed, draws)


def sampled_best(arms: Sequence[Arm], seed: int, draws: int = DRAWS) -> list[float]:
    """Share of joint posterior draws in which each arm is the highest (seeded).

    A Beta draw is X / (X + Y) with X ~ Gamma(alpha), Y ~ Gamma(beta): the same
    distribution as numpy's ``beta``, at about half its cost.
    """
    rng = np.random.default_rng(seed)
    alpha = np.array([a.alpha for a in arms])
    beta = np.array([a.beta for a in arms])
    x = rng.standard_gamma(alpha, size=(draws, len(arms)))
    y = rng.standard_gamma(beta, size=(draws, len(arms)))
    wins = np.bincount(np.argmax(x / (x + y), axis=1), minlength=len(arms))
    return [float(w) / draws for w in wins]


def two_arms_exact(a: Arm, b: Arm) -> float:
    """P(B's acceptance probability > A's) for Beta posteriors with integer parameters.

    The closed form (Evan Miller, "Formulas for Bayesian A/B testing"): the sum over
    i < alpha_B of B(alpha_A + i, beta_A + beta_B) / ((beta_B + i) B(1 + i, beta_B) B(alpha_A, beta_A)),
    in logs. It runs over the smaller alpha (P(B > A) = 1 - P(A > B): ties have probability 0).
    """
    if b.alpha > a.alpha:
        return 1.0 - two_arms_exact(b, a)
    i = np.arange(int(b.alpha), dtype=float)
    terms = (
        betaln(a.alpha + i, a.beta + b.beta)
        - np.log(b.beta + i)
        - betaln(1 + i, b.beta)
        - betaln(a.alpha, a.beta)
    )
    return float(min(1.0, max(0.0, np.exp(terms).sum())))


def _round_up(n: float) -> int:
    """Round up to two significant digits: an estimate, not a count."""
    if n <= 0:
        return 0
    scale = 10 ** max(0, math.floor(math.log10(n)) - 1)
    return int(math.ceil(n / scale) * scale)


def more_exposures_needed(arms: Sequence[Arm], leader: int, shares: Sequence[float]) -> int | None:
    """Estimate how many more exposures of the rule, in this scope, before a winner can be named.

    Normal approximation, assuming the observed rates hold: the leader must beat
    each other arm by ``z`` posterior standard deviations, ``z`` the one-sided
    quantile of ``WIN_PROBABILITY`` split over the comparisons (Bonferroni). A
    standard deviation shrinks as 1/sqrt(n), so the pair now ``z_j`` apart needs
    (z / z_j)^2 times its exposures; every arm also needs ``MIN_EXPOSURES``. An arm
    gets ``shares`` of the traffic (the allocation now), so an arm that needs ``m``
    more takes about m / share exposures of the rule. None when the leader does
    not lead (equal rates): no amount of data can be promised then.
    """
    top = arms[leader]
    others = [i for i in range(len(arms)) if i != leader]
    z_needed = float(ndtri(1 - (1 - WIN_PROBABILITY) / max(1, len(others))))
    factors = {}
    for i in others:
        gap = top.mean - arms[i].mean
        if gap <= 0:
            return None
        factors[i] = (z_needed * math.sqrt(top.variance + arms[i].variance) / gap) ** 2
    factors[leader] = max(factors.values(), default=1.0)
    traffic = 0.0
    for i, arm in enumerate(arms):
        target = max(MIN_EXPOSURES, arm.exposures * factors[i])
        traffic = max(traffic, max(0.0, target - arm.exposures) / max(shares[i], MIN_SHARE))
    return _round_up(traffic)


@dataclass(frozen=True)
class UpliftEstimate:
    """Conversion of an exposed arm minus the control group's, with its credible interval."""

    difference: float
    low: float
    high: float
    probability_positive: float


def uplift(exposed: Arm, control: Arm, seed: int, draws: int = DRAWS) -> UpliftEstimate:
    """Uplift = conversion(exposed) - conversion(control), by seeded joint posterior draws.

    An ``Arm`` here counts customers (``exposures``) and purchasers (``accepts``); each
    arm's conversion has the same Beta(1, 1)-prior posterior as an acceptance rate. The
    difference is the observed one (purchasers / customers); its equal-tailed
    ``CREDIBLE_LEVEL`` interval and P(uplift > 0) come from ``draws`` draws of each posterior
    (Beta draws as Gamma ratios, as ``sampled_best``), so a reload shows the same figures.
    """
    rng = np.random.default_rng(seed)
    params = np.array([[exposed.alpha, exposed.beta], [control.alpha, control.beta]])
    x = rng.standard_gamma(params[:, 0], size=(draws, 2))
    y = rng.standard_gamma(params[:, 1], size=(draws, 2))
    rates = x / (x + y)
    gaps = rates[:, 0] - rates[:, 1]
    tail = (1 - CREDIBLE_LEVEL) / 2
    low, high = np.quantile(gaps, [tail, 1 - tail])

    def observed(arm: Arm) -> float:
        return min(arm.accepts, arm.exposures) / arm.exposures if arm.exposures else 0.0

    return UpliftEstimate(
        difference=observed(exposed) - observed(control),
        low=float(low),
        high=float(high),
        probability_positive=float(np.mean(gaps > 0)),
    )
