"""Defaulting: the fields `kubectl get -o yaml` shows on a v1.35 cluster after creation."""

from __future__ import annotations

import copy

from vhelpers import DEPLOYMENT, ENDPOINTSLICE, NAMESPACE, POD, SERVICE, STATEFULSET, pod, service, workload

from svclab.validation import apply_defaults
from svclab.validation.strategy import init_ip_families


def _defaulted(resource, obj):  # type: ignore[no-untyped-def]
    obj = copy.deepcopy(obj)
    apply_defaults(resource, obj)
    return obj


def test_pod_spec_defaults() -> None:
    spec = _defaulted(POD, pod())["spec"]
    assert spec["restartPolicy"] == "Always"
    assert spec["dnsPolicy"] == "ClusterFirst"
    assert spec["schedulerName"] == "default-scheduler"
    assert spec["terminationGracePeriodSeconds"] == 30
    assert spec["securityContext"] == {}
    assert spec["enableServiceLinks"] is True
    ctr = spec["containers"][0]
    assert ctr["terminationMessagePath"] == "/dev/termination-log"
    assert ctr["terminationMessagePolicy"] == "File"
    assert ctr["imagePullPolicy"] == "IfNotPresent"
    assert ctr["resources"] == {}


def test_image_pull_policy_follows_the_tag() -> None:
    for image, policy in [("nginx", "Always"), ("nginx:latest", "Always"), ("registry:5000/app", "Always"),
                          ("registry:5000/app:1.0", "IfNotPresent"), ("busybox@sha256:abc", "IfNotPresent")]:
        spec = _defaulted(POD, pod(containers=[{"name": "c", "image": image}]))["spec"]
        assert spec["containers"][0]["imagePullPolicy"] == policy, image


def test_probe_and_port_defaults() -> None:
    ctr = {"name": "c", "image": "nginx", "ports": [{"containerPort": 80}],
           "readinessProbe": {"httpGet": {"port": 80}}}
    out = _defaulted(POD, pod(containers=[ctr]))["spec"]["containers"][0]
    assert out["ports"][0]["protocol"] == "TCP"
    assert out["readinessProbe"] == {"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"}, "timeoutSeconds": 1,
                                     "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}


def test_service_defaults() -> None:
    spec = _defaulted(SERVICE, service(ports=[{"port": 80}]))["spec"]
    assert spec["type"] == "ClusterIP"
    assert spec["sessionAffinity"] == "None"
    assert spec["internalTrafficPolicy"] == "Cluster"
    assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    assert "externalTrafficPolicy" not in spec


def test_service_client_ip_affinity_and_external_types() -> None:
    spec = _defaulted(SERVICE, service(sessionAffinity="ClientIP"))["spec"]
    assert spec["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}
    spec = _defaulted(SERVICE, service(type="LoadBalancer"))["spec"]
    assert spec["externalTrafficPolicy"] == "Cluster"
    assert spec["allocateLoadBalancerNodePorts"] is True
    spec = _defaulted(SERVICE, service(type="ExternalName", externalName="db.example.com", ports=[]))["spec"]
    assert "internalTrafficPolicy" not in spec


def test_ip_families_single_stack_and_headless_selectorless() -> None:
    svc = _defaulted(SERVICE, service())
    assert init_ip_families(svc) == []
    assert (svc["spec"]["ipFamilyPolicy"], svc["spec"]["ipFamilies"]) == ("SingleStack", ["IPv4"])
    headless = _defaulted(SERVICE, service(clusterIP="None", selector=None))
    headless["spec"]["clusterIPs"] = ["None"]
    assert init_ip_families(headless) == []
    assert (headless["spec"]["ipFamilyPolicy"], headless["spec"]["ipFamilies"]) == ("RequireDualStack", ["IPv4", "IPv6"])
    dual = _defaulted(SERVICE, service(ipFamilyPolicy="RequireDualStack"))
    assert [c.error() for c in init_ip_families(dual)] == [
        'spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services'
    ]


def test_deployment_defaults() -> None:
    spec = _defaulted(DEPLOYMENT, workload("Deployment"))["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    assert spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600
    assert spec["template"]["spec"]["restartPolicy"] == "Always"
    assert "enableServiceLinks" not in spec["template"]["spec"]


def test_statefulset_defaults() -> None:
    claim = {"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"]}}
    spec = _defaulted(STATEFULSET, workload("StatefulSet", volumeClaimTemplates=[claim]))["spec"]
    assert spec["replicas"] == 1
    assert spec["podManagementPolicy"] == "OrderedReady"
    assert spec["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert spec["revisionHistoryLimit"] == 10
    assert spec["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    vct = spec["volumeClaimTemplates"][0]
    assert (vct["apiVersion"], vct["kind"], vct["spec"]["volumeMode"], vct["status"]) == (
        "v1", "PersistentVolumeClaim", "Filesystem", {"phase": "Pending"})


def test_endpointslice_and_namespace_defaults() -> None:
    eps = _defaulted(ENDPOINTSLICE, {"metadata": {"name": "x"}, "addressType": "IPv4", "ports": [{"port": 80}]})
    assert eps["ports"] == [{"port": 80, "name": "", "protocol": "TCP"}]
    ns = _defaulted(NAMESPACE, {"metadata": {"name": "team-a"}})
    assert ns["spec"] == {"finalizers": ["kubernetes"]}
    assert ns["status"] == {"phase": "Active"}
    assert ns["metadata"]["labels"] == {"kubernetes.io/metadata.name": "team-a"}
    finalized = {"metadata": {"name": "team-a"}, "spec": {"finalizers": []}}
    apply_defaults(NAMESPACE, finalized, creating=False)
    assert finalized["spec"] == {"finalizers": []}
