"""Defaulting, in place, as the v1.35 scheme defaulters do at decode time.

Mirrors pkg/apis/core/v1/defaults.go, pkg/apis/apps/v1/defaults.go and
pkg/apis/discovery/v1/defaults.go.  Allocated values (clusterIP, nodePort),
server-set metadata and admission-plugin fields are not set here.
"""

from __future__ import annotations

from typing import Any, Callable

from svclab.resources import Resource

DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800
DEFAULT_TERMINATION_GRACE_PERIOD = 30
DEFAULT_MODE = 420  # 0644: ConfigMap, Secret, DownwardAPI and Projected volumes


def _image_tag(image: str) -> str:
    """The tag parsers.ParseImageName reports ("latest" when there is neither tag nor digest)."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.rpartition(":")[2] if ":" in last else ""
    if not tag and not digest:
        return "latest"
    return tag


def _probe(probe: dict[str, Any] | None) -> None:
    """SetDefaults_Probe and SetDefaults_HTTPGetAction."""
    if probe is None:
        return
    probe.setdefault("timeoutSeconds", 1)
    probe.setdefault("periodSeconds", 10)
    probe.setdefault("successThreshold", 1)
    probe.setdefault("failureThreshold", 3)
    _handler(probe)


def _handler(handler: dict[str, Any]) -> None:
    http = handler.get("httpGet")
    if http is not None:
        http.setdefault("path", "/")
        if not http.get("scheme"):
            http["scheme"] = "HTTP"
    grpc = handler.get("grpc")
    if grpc is not None:
        grpc.setdefault("service", "")


def _container(ctr: dict[str, Any], host_network: bool) -> None:
    """SetDefaults_Container, SetDefaults_ContainerPort and friends."""
    if not ctr.get("imagePullPolicy"):
        ctr["imagePullPolicy"] = "Always" if _image_tag(str(ctr.get("image") or "")) == "latest" else "IfNotPresent"
    if not ctr.get("terminationMessagePath"):
        ctr["terminationMessagePath"] = "/dev/termination-log"
    if not ctr.get("terminationMessagePolicy"):
        ctr["terminationMessagePolicy"] = "File"
    ctr.setdefault("resources", {})
    for port in ctr.get("ports") or []:
        if not port.get("protocol"):
            port["protocol"] = "TCP"
        if host_network and not port.get("hostPort"):
            port["hostPort"] = port.get("containerPort")
    for var in ctr.get("env") or []:
        field_ref = (var.get("valueFrom") or {}).get("fieldRef")
        if field_ref is not None and not field_ref.get("apiVersion"):
            field_ref["apiVersion"] = "v1"
    for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
        _probe(ctr.get(kind))
    lifecycle = ctr.get("lifecycle") or {}
    for hook in ("postStart", "preStop"):
        if lifecycle.get(hook) is not None:
            _handler(lifecycle[hook])


def _volume(vol: dict[str, Any]) -> None:
    for key in ("configMap", "secret", "downwardAPI", "projected"):
        source = vol.get(key)
        if source is not None and source.get("defaultMode") is None:
            source["defaultMode"] = DEFAULT_MODE
    for item in (vol.get("downwardAPI") or {}).get("items") or []:
        if item.get("fieldRef") is not None and not item["fieldRef"].get("apiVersion"):
            item["fieldRef"]["apiVersion"] = "v1"
    host_path = vol.get("hostPath")
    if host_path is not None:
        host_path.setdefault("type", "")


def pod_spec_defaults(spec: dict[str, Any]) -> None:
    """SetDefaults_PodSpec (also applied to every pod template)."""
    if not spec.get("dnsPolicy"):
        spec["dnsPolicy"] = "ClusterFirst"
    if not spec.get("restartPolicy"):
        spec["restartPolicy"] = "Always"
    if spec.get("securityContext") is None:
        spec["securityContext"] = {}
    if spec.get("terminationGracePeriodSeconds") is None:
        spec["terminationGracePeriodSeconds"] = DEFAULT_TERMINATION_GRACE_PERIOD
    if not spec.get("schedulerName"):
        spec["schedulerName"] = "default-scheduler"
    host_network = bool(spec.get("hostNetwork"))
    for group in ("initContainers", "containers"):
        for ctr in spec.get(group) or []:
            _container(ctr, host_network)
    for vol in spec.get("volumes") or []:
        _volume(vol)


def _pod(obj: dict[str, Any]) -> None:
    spec = obj.setdefault("spec", {})
    pod_spec_defaults(spec)
    if spec.get("enableServiceLinks") is None:  # SetDefaults_Pod, not templates
        spec["enableServiceLinks"] = True
    for ctr in (spec.get("containers") or []) + (spec.get("initContainers") or []):  # requests default to limits
        resources = ctr.get("resources") or {}
        limits = resources.get("limits") or {}
        if limits:
            requests = resources.setdefault("requests", {})
            for name, quantity in limits.items():
                requests.setdefault(name, quantity)


def _template(obj: dict[str, Any]) -> None:
    template = obj.setdefault("spec", {}).setdefault("template", {})
    pod_spec_defaults(template.setdefault("spec", {}))


def _service(obj: dict[str, Any]) -> None:
    """SetDefaults_Service."""
    spec = obj.setdefault("spec", {})
    if not spec.get("sessionAffinity"):
        spec["sessionAffinity"] = "None"
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    if spec["sessionAffinity"] == "ClientIP":
        config = spec.get("sessionAffinityConfig") or {}
        if (config.get("clientIP") or {}).get("timeoutSeconds") is None:
            spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": DEFAULT_CLIENT_IP_AFFINITY_SECONDS}}
    if not spec.get("type"):
        spec["type"] = "ClusterIP"
    for port in spec.get("ports") or []:
        if not port.get("protocol"):
            port["protocol"] = "TCP"
        if port.get("targetPort") in (None, 0, ""):
            port["targetPort"] = port.get("port")
    kind = spec["type"]
    externally_accessible = kind in ("NodePort", "LoadBalancer") or (kind == "ClusterIP" and bool(spec.get("externalIPs")))
    if externally_accessible and not spec.get("externalTrafficPolicy"):
        spec["externalTrafficPolicy"] = "Cluster"
    if spec.get("internalTrafficPolicy") is None and kind in ("NodePort", "LoadBalancer", "ClusterIP"):
        spec["internalTrafficPolicy"] = "Cluster"
    if kind == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
        spec["allocateLoadBalancerNodePorts"] = True
    obj.setdefault("status", {}).setdefault("loadBalancer", {})


def _deployment(obj: dict[str, Any]) -> None:
    """SetDefaults_Deployment (apps/v1)."""
    spec = obj.setdefault("spec", {})
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    strategy = spec.setdefault("strategy", {})
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.get("rollingUpdate")
        if rolling is None:
            rolling = strategy["rollingUpdate"] = {}
        if rolling.get("maxUnavailable") is None:
            rolling["maxUnavailable"] = "25%"
        if rolling.get("maxSurge") is None:
            rolling["maxSurge"] = "25%"
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    if spec.get("progressDeadlineSeconds") is None:
        spec["progressDeadlineSeconds"] = 600
    _template(obj)


def _replicaset(obj: dict[str, Any]) -> None:
    spec = obj.setdefault("spec", {})
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    _template(obj)


def _statefulset(obj: dict[str, Any]) -> None:
    """SetDefaults_StatefulSet (apps/v1)."""
    spec = obj.setdefault("spec", {})
    if not spec.get("podManagementPolicy"):
        spec["podManagementPolicy"] = "OrderedReady"
    strategy = spec.setdefault("updateStrategy", {})
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
        if strategy.get("rollingUpdate") is None:
            strategy["rollingUpdate"] = {}
    if strategy["type"] == "RollingUpdate" and strategy.get("rollingUpdate") is not None:
        strategy["rollingUpdate"].setdefault("partition", 0)
    retention = spec.get("persistentVolumeClaimRetentionPolicy")
    if retention is None:
        retention = spec["persistentVolumeClaimRetentionPolicy"] = {}
    if not retention.get("whenDeleted"):
        retention["whenDeleted"] = "Retain"
    if not retention.get("whenScaled"):
        retention["whenScaled"] = "Retain"
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    for claim in spec.get("volumeClaimTemplates") or []:
        claim.setdefault("apiVersion", "v1")
        claim.setdefault("kind", "PersistentVolumeClaim")
        claim_spec = claim.setdefault("spec", {})
        if not claim_spec.get("volumeMode"):
            claim_spec["volumeMode"] = "Filesystem"
        status = claim.setdefault("status", {})
        if not status.get("phase"):
            status["phase"] = "Pending"
    _template(obj)


def _endpointslice(obj: dict[str, Any]) -> None:
    """SetDefaults_EndpointPort (discovery/v1)."""
    for port in obj.get("ports") or []:
        if port.get("name") is None:
            port["name"] = ""
        if port.get("protocol") is None:
            port["protocol"] = "TCP"


def _namespace(obj: dict[str, Any]) -> None:
    """SetDefaults_Namespace (the metadata.name label) and SetDefaults_NamespaceStatus."""
    meta = obj.setdefault("metadata", {})
    name = meta.get("name")
    if name:
        labels = meta.get("labels")
        if labels is None:
            labels = meta["labels"] = {}
        labels["kubernetes.io/metadata.name"] = name
    status = obj.setdefault("status", {})
    if not status.get("phase"):
        status["phase"] = "Active"


def _namespace_create(obj: dict[str, Any]) -> None:
    """namespaceStrategy.PrepareForCreate: phase Active and the ``kubernetes`` finalizer."""
    obj["status"] = {"phase": "Active"}
    finalizers = obj.setdefault("spec", {}).setdefault("finalizers", [])
    if "kubernetes" not in finalizers:
        finalizers.append("kubernetes")


_DEFAULTERS: dict[tuple[str, str], Callable[[dict[str, Any]], None]] = {
    ("", "Pod"): _pod,
    ("", "Service"): _service,
    ("", "Namespace"): _namespace,
    ("apps", "Deployment"): _deployment,
    ("apps", "ReplicaSet"): _replicaset,
    ("apps", "StatefulSet"): _statefulset,
    ("discovery.k8s.io", "EndpointSlice"): _endpointslice,
}


def apply_defaults(resource: Resource, obj: dict[str, Any], *, creating: bool = True) -> None:
    """Fill the defaulted fields of ``obj`` in place (kinds without defaulters are left as they are).

    ``creating`` also applies the create-only strategy defaults (a Namespace gets
    ``spec.finalizers: [kubernetes]``); pass False for updates so a finalized
    namespace does not get its finalizer back.
    """
    defaulter = _DEFAULTERS.get((resource.group, resource.kind))
    if defaulter is not None:
        defaulter(obj)
    if creating and (resource.group, resource.kind) == ("", "Namespace"):
        _namespace_create(obj)
