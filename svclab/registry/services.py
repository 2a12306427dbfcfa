"""Service address allocation: ClusterIPs, NodePorts and health check node ports, honoured when requested, refused
with the real error (pkg/registry/core/service/storage/alloc.go)."""

from __future__ import annotations

from typing import Any

from svclab.network.ipalloc import AlreadyAllocated, ClusterIPAllocator, NodePortAllocator, NotInRange, RangeFull
from svclab.resources import Resource
from svclab.validation import allocation
from svclab.validation import messages as m
from svclab.validation.service import needs_health_check

Obj = dict[str, Any]


def _wants_cluster_ip(spec: Obj) -> bool:
    return spec.get("type", "ClusterIP") != "ExternalName"


def _wants_node_ports(spec: Obj) -> bool:
    if spec.get("type") == "NodePort":
        return True
    return spec.get("type") == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts", True)


class ServiceAllocator:
    def __init__(self, ips: ClusterIPAllocator, ports: NodePortAllocator, service_cidr: str) -> None:
        self.ips = ips
        self.ports = ports
        self.service_cidr = service_cidr

    def allocate(self, res: Resource, svc: Obj, old: Obj | None = None) -> list[str | int]:
        """Fill clusterIP(s) and nodePorts in place; returns what it allocated (to roll back on failure)."""
        spec = svc.setdefault("spec", {})
        name = svc["metadata"].get("name", "")
        taken: list[str | int] = []
        try:
            self._allocate_ips(res, name, spec, old, taken)
            self._allocate_ports(res, name, spec, old, taken)
            self._allocate_health_check_port(spec, old, taken)
        except Exception:
            self.release_values(taken)
            raise
        return taken

    def _allocate_ips(self, res: Resource, name: str, spec: Obj, old: Obj | None, taken: list[str | int]) -> None:
        old_spec = (old or {}).get("spec", {})
        if not _wants_cluster_ip(spec):
            spec.pop("clusterIP", None)
            spec.pop("clusterIPs", None)
            spec.pop("ipFamilies", None)
            spec.pop("ipFamilyPolicy", None)
            return
        if old is not None and old_spec.get("clusterIP") and _wants_cluster_ip(old_spec):
            return  # already allocated (a change is refused by validation as immutable)
        requested = spec.get("clusterIP") or (spec.get("clusterIPs") or [""])[0]
        if requested == "None":
            spec["clusterIP"] = "None"
            spec["clusterIPs"] = ["None"]
            return
        if requested:
            cluster_ips = list(spec.get("clusterIPs") or [requested])
            try:
                ip = self.ips.allocate(requested)
            except NotInRange:
                raise allocation.cluster_ip_not_in_range(name, cluster_ips, requested, self.service_cidr)
            except AlreadyAllocated:
                raise allocation.cluster_ip_already_allocated(name, cluster_ips, requested)
        else:
            try:
                ip = self.ips.allocate_next()
            except RangeFull:
                raise allocation.cluster_ip_range_full()
        taken.append(ip)
        spec["clusterIP"] = ip
        spec["clusterIPs"] = [ip]

    def _allocate_ports(self, res: Resource, name: str, spec: Obj, old: Obj | None, taken: list[str | int]) -> None:
        old_ports = {(p.get("port"), p.get("protocol", "TCP")): p.get("nodePort") for p in (old or {}).get("spec", {}).get("ports") or []}
        if not _wants_node_ports(spec):
            for port in spec.get("ports") or []:
                if spec.get("type") in ("ClusterIP", "ExternalName", None):
                    port.pop("nodePort", None)
            return
        for index, port in enumerate(spec.get("ports") or []):
            kept = old_ports.get((port.get("port"), port.get("protocol", "TCP")))
            wanted = port.get("nodePort")
            if wanted and wanted == kept:
                continue
            if not wanted and kept:
                port["nodePort"] = kept
                continue
            if wanted:
                try:
                    port["nodePort"] = self.ports.allocate(int(wanted))
                except NotInRange:
                    raise allocation.node_port_not_in_range(name, index, int(wanted), self.ports.low, self.ports.high)
                except AlreadyAllocated:
                    raise allocation.node_port_already_allocated(name, index, int(wanted))
            else:
                try:
                    port["nodePort"] = self.ports.allocate_next()
                except RangeFull:
                    raise allocation.node_port_range_full()
            taken.append(int(port["nodePort"]))

    def _allocate_health_check_port(self, spec: Obj, old: Obj | None, taken: list[str | int]) -> None:
        """allocHealthCheckNodePort, on create and when an update makes the Service need one (a LoadBalancer with
        externalTrafficPolicy Local): the requested port, or the next free one. One that still needs it keeps
        its port (the strategy copies it over; validation refuses a change)."""
        if not needs_health_check(spec) or (old is not None and needs_health_check(old.get("spec") or {})):
            return
        wanted = spec.get("healthCheckNodePort")
        if wanted:
            try:
                port = self.ports.allocate(int(wanted))
            except NotInRange:
                raise allocation.health_check_node_port_refused(int(wanted), m.PORT_NOT_IN_RANGE.format(valid=f"{self.ports.low}-{self.ports.high}"))
            except AlreadyAllocated:
                raise allocation.health_check_node_port_refused(int(wanted), m.PORT_ALREADY_ALLOCATED)
        else:
            try:
                port = self.ports.allocate_next()
            except RangeFull:
                raise allocation.health_check_node_port_range_full()
        spec["healthCheckNodePort"] = port
        taken.append(int(port))

    def release_values(self, values: list[str | int]) -> None:
        for value in values:
            if isinstance(value, int):
                self.ports.release(value)
            else:
                self.ips.release(value)

    def release(self, svc: Obj) -> None:
        spec = svc.get("spec", {})
        for ip in spec.get("clusterIPs") or [spec.get("clusterIP")]:
            if ip and ip != "None":
                self.ips.release(ip)
        for port in spec.get("ports") or []:
            self.ports.release(port.get("nodePort"))
        if needs_health_check(spec) and spec.get("healthCheckNodePort"):
            self.ports.release(spec["healthCheckNodePort"])

    def release_dropped(self, old: Obj, new: Obj) -> None:
        """After an update, give back what the new spec no longer holds."""
        new_spec, old_spec = new.get("spec", {}), old.get("spec", {})
        if old_spec.get("clusterIP") not in (None, "", "None") and new_spec.get("clusterIP") != old_spec.get("clusterIP"):
            self.ips.release(old_spec["clusterIP"])
        kept = {p.get("nodePort") for p in new_spec.get("ports") or []}
        for port in old_spec.get("ports") or []:
            if port.get("nodePort") and port["nodePort"] not in kept:
                self.ports.release(port["nodePort"])
        if needs_health_check(old_spec) and not needs_health_check(new_spec) and old_spec.get("healthCheckNodePort"):
            self.ports.release(old_spec["healthCheckNodePort"])

    def reserve_existing(self, svc: Obj) -> None:
        """Re-reserve what a restored Service holds (after loading state from disk). Values that are
        not addresses or ports of the ranges, or are held twice, are skipped: never an error."""
        spec = svc.get("spec") or {}
        for ip in spec.get("clusterIPs") or []:
            if isinstance(ip, str) and ip != "None" and self.ips.contains(ip):
                try:
                    self.ips.allocate(ip)
                except AlreadyAllocated:
                    pass
        held = [port.get("nodePort") if isinstance(port, dict) else None for port in spec.get("ports") or []]
        if needs_health_check(spec):
            held.append(spec.get("healthCheckNodePort"))
        for node_port in held:
            if isinstance(node_port, int) and not isinstance(node_port, bool) and node_port:
                try:
                    self.ports.allocate(node_port)
                except (AlreadyAllocated, NotInRange):
                    pass
