"""Cluster state as pandas DataFrames: the tables lessons show and exercises check."""

from __future__ import annotations

from typing import Any

import pandas as pd

from svclab.lab.session import Session


def _ports(ports: list[Any] | None) -> str:
    if not ports:
        return ""
    parts = []
    for p in ports:
        text = f"{p.port}"
        if getattr(p, "node_port", None):
            text += f":{p.node_port}"
        parts.append(f"{text}/{p.protocol}")
    return ",".join(parts)


def services(session: Session, namespace: str | None = None) -> pd.DataFrame:
    items = session.core.list_namespaced_service(namespace or session.namespace).items
    rows = [{
        "name": s.metadata.name,
        "type": s.spec.type,
        "cluster_ip": s.spec.cluster_ip or "",
        "ports": _ports(s.spec.ports),
        "selector": ",".join(f"{k}={v}" for k, v in sorted((s.spec.selector or {}).items())),
        "session_affinity": s.spec.session_affinity or "None",
    } for s in items]
    return pd.DataFrame(rows, columns=["name", "type", "cluster_ip", "ports", "selector", "session_affinity"])


def is_ready(pod: Any) -> bool:
    """The pod's Ready condition is True."""
    return any(c.type == "Ready" and c.status == "True" for c in (pod.status.conditions or []))


def ready_json(pod: dict[str, Any], app: str) -> bool:
    """A pod read as JSON is not being deleted, carries the label app=`app` and is Ready (what `lab.wait_ready`
    with that selector counts)."""
    metadata, status = pod.get("metadata") or {}, pod.get("status") or {}
    return (metadata.get("deletionTimestamp") is None and (metadata.get("labels") or {}).get("app") == app
            and any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or []))


def live_pods(session: Session, selector: str | None = None, namespace: str | None = None) -> list[Any]:
    """The pods matching `selector`, leaving out those being deleted (kubernetes client objects)."""
    items = session.core.list_namespaced_pod(namespace or session.namespace, label_selector=selector or "").items
    return [p for p in items if p.metadata.deletion_timestamp is None]


def containers_running(pod: Any) -> bool:
    """Has every container of the pod started (state `running`)? Only then can `exec` reach it."""
    statuses = {s.name: s for s in (pod.status.container_statuses or [])}
    wanted = [c.name for c in pod.spec.containers or []]
    return bool(wanted) and all(name in statuses and statuses[name].state is not None and statuses[name].state.running is not None for name in wanted)


def not_running_reason(pod: Any) -> str:
    """Why a pod's containers are not running, in kubectl's words (its phase and the waiting reason)."""
    reasons = [s.state.waiting.reason for s in (pod.status.container_statuses or []) if s.state is not None and s.state.waiting is not None and s.state.waiting.reason]
    return ", ".join([pod.status.phase or "Pending", *dict.fromkeys(reasons)])


def pods(session: Session, selector: str | None = None, namespace: str | None = None) -> pd.DataFrame:
    return pods_frame(live_pods(session, selector, namespace))


def pods_frame(items: list[Any]) -> pd.DataFrame:
    rows = [{
        "name": p.metadata.name,
        "ip": p.status.pod_ip or "",
        "node": p.spec.node_name or "",
        "phase": p.status.phase,
        "ready": is_ready(p),
        "labels": ",".join(f"{k}={v}" for k, v in sorted((p.metadata.labels or {}).items()) if k not in ("pod-template-hash", "controller-revision-hash", "statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index")),
    } for p in items]
    return pd.DataFrame(rows, columns=["name", "ip", "node", "phase", "ready", "labels"])


def endpoint_slices(session: Session, service: str | None = None, namespace: str | None = None) -> pd.DataFrame:
    selector = f"kubernetes.io/service-name={service}" if service else ""
    items = session.discovery.list_namespaced_endpoint_slice(namespace or session.namespace, label_selector=selector).items
    rows = []
    for s in items:
        ports = ",".join(f"{p.name or ''}:{p.port}" if p.name else str(p.port) for p in (s.ports or []))
        for e in s.endpoints or []:
            rows.append({
                "service": (s.metadata.labels or {}).get("kubernetes.io/service-name", ""),
                "slice": s.metadata.name,
                "address": e.addresses[0],
                "hostname": e.hostname or "",
                "pod": e.target_ref.name if e.target_ref else "",
                "node": e.node_name or "",
                "ready": bool(e.conditions.ready) if e.conditions and e.conditions.ready is not None else True,
                "ports": ports,
            })
    return pd.DataFrame(rows, columns=["service", "slice", "address", "hostname", "pod", "node", "ready", "ports"])
