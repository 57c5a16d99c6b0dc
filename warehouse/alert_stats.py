"""The statistics behind alerts: a Poisson tail, the sensitivity thresholds, and how p is written.

A cause's negative (or positive) stories per week are counts of rare, independent events, so the
count in the judged week is tested against a Poisson distribution with the baseline's mean rate.
Written here in plain Python (a few lines) rather than by importing scipy, which storywatch
only has as a dependency of scikit-learn.
"""
from __future__ import annotations

import math

# p-value an alert must stay under. With about 40 brand-cause pairs tested in each direction a
# week, "normal" lets pure noise through at most about 4 times a year, and less in practice: the
# Poisson test is conservative at small counts, which min_stories holds back as well.
SENSITIVITY = {"low": 0.0001, "normal": 0.001, "high": 0.01}
# Added to the baseline's story total before dividing by its periods, so a cause never named
# before has a small, non-zero rate instead of one that makes any story infinitely surprising.
PRIOR_STORIES = 0.5


def baseline_rate(stories: int, periods: int) -> float:
    """The Poisson rate tested against: the baseline's mean with the prior added."""
    return (stories + PRIOR_STORIES) / periods


def poisson_upper_tail(count: int, rate: float) -> float:
    """P(X >= count) for X ~ Poisson(rate)."""
    if count <= 0:
        return 1.0
    if rate <= 0:
        return 0.0
    if count <= rate:
        # Near the mean the tail is large: 1 - P(X < count) loses nothing that matters.
        term = math.exp(-rate)
        below = 0.0
        for value in range(count):
            below += term
            term *= rate / (value + 1)
        return max(0.0, 1.0 - below)
    # Far above the mean, sum the tail itself (terms shrink fast) so tiny p-values stay exact.
    term = math.exp(-rate + count * math.log(rate) - math.lgamma(count + 1))
    total = 0.0
    value = count
    while term > total * 1e-16 and value < count + 10_000:
        total += term
        value += 1
        term *= rate / value
    return min(1.0, total)


def p_text(p_value: float) -> str:
    """The p-value as people read it: "p < 0.001", "p = 0.004"."""
    for bound in (0.0001, 0.001):
        if p_value < bound:
            return f"p < {bound:g}"
    return f"p = {p_value:.3f}"
