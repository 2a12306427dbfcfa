"""How many requests a check sends to judge how a Service spreads them, from the odds.

kube-proxy sends each new connection to one of a Service's ready endpoints drawn with equal odds (iptables
`statistic --mode random`), independently of the others. A check that sends n requests can therefore be wrong by
chance: a correct answer fails when a backend that should answer never does, a wrong one passes when the pod
that would give it away never answers. Each count below is the least n that keeps that chance under ERROR, one
in a million, so neither happens in any class (a class of 200 is a few thousand such checks).
"""

from __future__ import annotations

from collections.abc import Callable

ERROR = 1e-6


def _least(chance_after: Callable[[int], float]) -> int:
    n = 1
    while chance_after(n) > ERROR:
        n += 1
    return n


def to_reach_all(backends: int) -> int:
    """Requests after which each of `backends` equally likely backends has answered, but with chance at most ERROR:
    the least n with backends * ((backends - 1) / backends) ** n <= ERROR (the union bound over the backend left
    out). 2 backends: 21; 3: 37."""
    return _least(lambda n: backends * ((backends - 1) / backends) ** n)


def to_catch(share: float) -> int:
    """Requests after which a backend that takes `share` of them has answered at least once, but with chance at most
    ERROR: the least n with (1 - share) ** n <= ERROR. A third: 35; a half: 20."""
    return _least(lambda n: (1 - share) ** n)


def to_tell_from_one(backends: int) -> int:
    """Requests after which a spread over `backends` equally likely backends is told from one pod answering them
    all (session affinity), but with chance at most ERROR that every request landed on one pod anyway: the least n
    with backends * (1 / backends) ** n <= ERROR. 2 backends: 21; 3: 14."""
    return _least(lambda n: backends * (1 / backends) ** n)

