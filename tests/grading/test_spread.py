"""The request counts of the spread checks (svclab.grading.spread) are the least that keep a wrong verdict under one in
a million, checked against the odds computed exactly where a bound was used."""

from __future__ import annotations

from itertools import product

import pytest

from svclab.grading import spread


@pytest.mark.parametrize("backends, want", [(2, 21), (3, 37), (4, 53)])
def test_every_backend_answers_but_with_chance_one_in_a_million(backends: int, want: int) -> None:
    n = spread.to_reach_all(backends)
    assert n == want
    assert backends * ((backends - 1) / backends) ** n <= spread.ERROR < backends * ((backends - 1) / backends) ** (n - 1)


def _exact_missing(backends: int, n: int) -> float:
    """P(some backend never answers n requests), by inclusion-exclusion."""
    from math import comb

    return sum((-1) ** (j + 1) * comb(backends, j) * ((backends - j) / backends) ** n for j in range(1, backends))


@pytest.mark.parametrize("backends", [2, 3])
def test_the_union_bound_holds_for_the_exact_odds(backends: int) -> None:
    assert _exact_missing(backends, spread.to_reach_all(backends)) <= spread.ERROR


def test_the_exact_odds_for_few_requests_by_enumeration() -> None:
    missing = sum(1 for draws in product(range(3), repeat=6) if len(set(draws)) < 3) / 3 ** 6
    assert abs(missing - _exact_missing(3, 6)) < 1e-12


def test_a_pod_with_a_share_shows_up() -> None:
    assert (spread.to_catch(1 / 3), spread.to_catch(1 / 2)) == (35, 20)
    assert (2 / 3) ** 35 <= spread.ERROR < (2 / 3) ** 34


def test_affinity_is_told_from_a_spread() -> None:
    assert (spread.to_tell_from_one(2), spread.to_tell_from_one(3)) == (21, 14)
    assert 3 * (1 / 3) ** 14 <= spread.ERROR < 3 * (1 / 3) ** 13
