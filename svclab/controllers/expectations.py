"""Controller expectations (pkg/controller/controller_utils.go): after asking for N creations or for
the deletion of some pods, a controller does not act on its key again until the informer has seen
them, or until ExpectationsTimeout (5 minutes) has passed.

Deletions are tracked by pod key (UIDTrackingControllerExpectations), so a pod seen first with a
deletionTimestamp and then gone counts once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Hashable

EXPECTATIONS_TIMEOUT = 5 * 60.0


@dataclass
class _Expected:
    add: int
    delete: int
    timestamp: float
    deleting: set[Hashable] = field(default_factory=set)


class Expectations:
    def __init__(self, now: Callable[[], float]) -> None:
        self.now = now
        self._by_key: dict[Hashable, _Expected] = {}

    def satisfied(self, key: Hashable) -> bool:
        expected = self._by_key.get(key)
        if expected is None:
            return True
        if expected.add <= 0 and expected.delete <= 0:
            return True
        return self.now() - expected.timestamp > EXPECTATIONS_TIMEOUT

    def expect_creations(self, key: Hashable, adds: int) -> None:
        self._by_key[key] = _Expected(adds, 0, self.now())

    def expect_deletions(self, key: Hashable, pod_keys: list[Hashable]) -> None:
        self._by_key[key] = _Expected(0, len(pod_keys), self.now(), set(pod_keys))

    def creation_observed(self, key: Hashable) -> None:
        expected = self._by_key.get(key)
        if expected is not None:
            expected.add -= 1

    def deletion_observed(self, key: Hashable, pod_key: Hashable) -> None:
        expected = self._by_key.get(key)
        if expected is not None and pod_key in expected.deleting:
            expected.deleting.discard(pod_key)
            expected.delete -= 1

    def delete(self, key: Hashable) -> None:
        self._by_key.pop(key, None)

    def pending(self, key: Hashable) -> tuple[int, int]:
        expected = self._by_key.get(key)
        return (expected.add, expected.delete) if expected else (0, 0)
