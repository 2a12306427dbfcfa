"""Read-only views of the store for the DNS server and the pod network."""

from __future__ import annotations

from typing import Any, Iterable

from svclab.resources import by_plural
from svclab.state.store import Store

_SERVICES = by_plural("", "services")
_SLICES = by_plural("discovery.k8s.io", "endpointslices")
_PODS = by_plural("", "pods")
assert _SERVICES and _SLICES and _PODS


class StoreView:
    def __init__(self, store: Store) -> None:
        self.store = store

    def services(self) -> Iterable[dict[str, Any]]:
        assert _SERVICES is not None
        return self.store.items(_SERVICES)

    def endpoint_slices(self) -> Iterable[dict[str, Any]]:
        assert _SLICES is not None
        return self.store.items(_SLICES)

    def pods(self) -> Iterable[dict[str, Any]]:
        assert _PODS is not None
        return self.store.items(_PODS)
