"""Manifest checks shared by the assignments: each returns quietly or raises `CheckFailed` with a lesson."""

from __future__ import annotations

from typing import Any

from svclab.grading import live
from svclab.grading.answers import find, is_headless, labels_text, selects, spec
from svclab.grading.core import CheckFailed


def that(condition: object, message: str) -> None:
    """`assert` for test cells: fails with `message` (and no traceback) when `condition` is false."""
    if not condition:
        raise CheckFailed(message)


def service(var: str, name: str, type_: str = "ClusterIP") -> dict[str, Any]:
    """The Service `name` in manifest `var`, of `type_` (ClusterIP means: with a virtual IP, not headless)."""
    svc = find(var, "Service", name)
    got = spec(svc).get("type") or "ClusterIP"
    that(got == type_, f"`{name}` has type {got}; it should be {type_}." + (" Set `type: NodePort` in its spec." if type_ == "NodePort" else ""))
    if type_ == "ClusterIP":
        that(not is_headless(svc), f"`{name}` has `clusterIP: None`, which makes it headless: DNS would answer with pod IPs and "
                                   "kube-proxy would not balance. Remove that line to get a virtual IP.")
    return svc


def headless(var: str, name: str) -> dict[str, Any]:
    svc = find(var, "Service", name)
    ip = spec(svc).get("clusterIP")
    that(ip == "None", f"`{name}` has {'no clusterIP field' if ip is None else f'clusterIP: {ip}'}, so Kubernetes gives it a virtual IP and DNS "
                       "answers that one address. Add `clusterIP: None` to its spec to make it headless, so DNS answers with the pods' own IPs.")
    return svc


def selector_matches(var: str, name: str, pods_selector: str) -> None:
    """The Service `name`'s selector selects exactly the live pods `pods_selector` selects."""
    svc = find(var, "Service", name)
    live.selector_matches_pods(spec(svc).get("selector"), pods_selector, f"your Service `{name}`")


def port(var: str, name: str, port: int, target: int | str | tuple[int | str, ...] | None = None, port_name: str | None = None, node_port: int | None = None) -> dict[str, Any]:
    svc = find(var, "Service", name)
    ports = spec(svc).get("ports") or []
    that(ports, f"`{name}` has no ports; add one with `port: {port}`.")
    match = [p for p in ports if p.get("port") == port]
    that(match, f"`{name}` exposes port(s) {', '.join(str(p.get('port')) for p in ports)}; it should expose port {port}.")
    p = match[0]
    if target is not None:
        allowed = target if isinstance(target, tuple) else (target,)
        got = p.get("targetPort", port)
        that(got in allowed, f"port {port} of `{name}` forwards to targetPort {got}, but the pods listen on {allowed[0]}: set `targetPort: {allowed[0]}`.")
    if port_name is not None:
        that(p.get("name") == port_name, f"port {port} of `{name}` is named {p.get('name')!r}; name it `{port_name}` "
                                         f"(named ports get SRV records such as _{port_name}._tcp.{name}).")
    if node_port is not None:
        that(p.get("nodePort") == node_port, f"port {port} of `{name}` has nodePort {p.get('nodePort')}; set `nodePort: {node_port}`.")
    return p


def affinity(var: str, name: str, timeout: int | None = None) -> None:
    s = spec(find(var, "Service", name))
    that(s.get("sessionAffinity") == "ClientIP", f"`{name}` has sessionAffinity {s.get('sessionAffinity', 'None (the default)')}; "
                                                 "set `sessionAffinity: ClientIP` so kube-proxy keeps sending one client to one pod.")
    if timeout is not None:
        got = (((s.get("sessionAffinityConfig") or {}).get("clientIP") or {}).get("timeoutSeconds"))
        that(got == timeout, f"`{name}` pins clients for {got if got is not None else 'the default 10800'} seconds; "
                             f"set sessionAffinityConfig.clientIP.timeoutSeconds to {timeout}.")


def statefulset_service(var: str, set_name: str, service_name: str) -> dict[str, Any]:
    """The StatefulSet's serviceName names `service_name`, and that Service (in the same manifest) is headless."""
    sts = find(var, "StatefulSet", set_name)
    named = spec(sts).get("serviceName")
    that(named, f"the StatefulSet `{set_name}` has no `serviceName`; set it to `{service_name}`, the headless Service that gives its pods DNS names.")
    services = {(o.get("metadata") or {}).get("name"): o for o in _objects(var) if o.get("kind") == "Service"}
    target = services.get(named)
    if target is not None and not is_headless(target):
        raise CheckFailed(f"serviceName points at `{named}`, which has a cluster IP. Pods get names like `{set_name}-0.<service>` only "
                          f"through a headless Service: set `serviceName: {service_name}` (the one with `clusterIP: None`).")
    that(named == service_name, f"serviceName is `{named}`; it should be `{service_name}`, the headless Service for this set.")
    that(service_name in services, f"serviceName names `{service_name}`, but that Service is not in `{var}`; add it (with `clusterIP: None`).")
    that(is_headless(services[service_name]), f"serviceName names `{service_name}`, but that Service has a cluster IP; give it `clusterIP: None`.")
    return sts


def _objects(var: str) -> list[dict[str, Any]]:
    from svclab.grading.answers import objects

    return objects(var)


def template_selected(var: str, set_name: str, service_name: str) -> None:
    """The StatefulSet's selector matches its own pod template, and the Service selects those pods."""
    sts = find(var, "StatefulSet", set_name)
    template_labels = ((spec(sts).get("template") or {}).get("metadata") or {}).get("labels") or {}
    match = (spec(sts).get("selector") or {}).get("matchLabels") or {}
    that(selects(match, template_labels), f"the StatefulSet's selector `{labels_text(match)}` does not match its pod template's labels "
                                          f"`{labels_text(template_labels)}`: the API refuses such a set.")
    svc_selector = spec(find(var, "Service", service_name)).get("selector")
    that(selects(svc_selector, template_labels), f"`{service_name}` selects `{labels_text(svc_selector)}` but the StatefulSet's pods are labelled "
                                                 f"`{labels_text(template_labels)}`: the Service would have no endpoints, so no DNS records.")


def container_port_named(var: str, set_name: str, port: int, name: str) -> None:
    sts = find(var, "StatefulSet", set_name)
    containers = ((spec(sts).get("template") or {}).get("spec") or {}).get("containers") or []
    ports = [p for c in containers for p in (c.get("ports") or [])]
    declared = ", ".join(f"{p.get('containerPort')} (name {p.get('name')!r})" for p in ports) or "none"
    that(any(p.get("containerPort") == port and p.get("name") == name for p in ports),
         f"the StatefulSet's container should declare `containerPort: {port}` with `name: {name}`; it declares {declared}.")
