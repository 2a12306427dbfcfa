"""What the cluster DNS reads: a view of Services, EndpointSlices, Pods and Namespaces."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Protocol, Sequence

# Namespaces every kind cluster has from the start.
BUILTIN_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")


class ClusterView(Protocol):
    """Read-only access to the objects CoreDNS's kubernetes plugin watches.

    CoreDNS also watches Namespaces (plugin/kubernetes/namespace.go): a name in a
    namespace that does not exist is NXDOMAIN, in one that exists it is NODATA.
    """

    def services(self) -> Iterable[dict[str, Any]]:
        """v1 Service objects."""
        ...

    def endpoint_slices(self) -> Iterable[dict[str, Any]]:
        """discovery.k8s.io/v1 EndpointSlice objects."""
        ...

    def pods(self) -> Iterable[dict[str, Any]]:
        """v1 Pod objects."""
        ...

    def namespaces(self) -> Iterable[dict[str, Any]]:
        """v1 Namespace objects."""
        ...


def _namespace(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


@dataclass(frozen=True)
class StaticView:
    """A fixed ClusterView for tests; namespaces default to kind's plus those the objects use."""

    service_list: Sequence[dict[str, Any]] = ()
    slice_list: Sequence[dict[str, Any]] = ()
    pod_list: Sequence[dict[str, Any]] = ()
    namespace_names: Sequence[str] | None = None
    configmap_list: Sequence[dict[str, Any]] = ()

    def services(self) -> Iterable[dict[str, Any]]:
        return iter(self.service_list)

    def endpoint_slices(self) -> Iterable[dict[str, Any]]:
        return iter(self.slice_list)

    def pods(self) -> Iterable[dict[str, Any]]:
        return iter(self.pod_list)

    def configmaps(self) -> Iterable[dict[str, Any]]:
        """ConfigMaps (kube-system/coredns holds the Corefile); optional for a ClusterView."""
        return iter(self.configmap_list)

    def namespaces(self) -> Iterable[dict[str, Any]]:
        if self.namespace_names is not None:
            return [_namespace(n) for n in self.namespace_names]
        names = set(BUILTIN_NAMESPACES)
        for obj in (*self.service_list, *self.slice_list, *self.pod_list):
            ns = obj.get("metadata", {}).get("namespace")
            if ns:
                names.add(ns)
        return [_namespace(n) for n in sorted(names)]
