"""The official `kubernetes` Python client, unchanged, against the embedded cluster."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client, utils, watch
from kubernetes.client.rest import ApiException

from tests.conformance.conftest import seed_block


@pytest.fixture
def ns(api_client: client.ApiClient) -> str:
    core = client.CoreV1Api(api_client)
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="pyclient")))
    return "pyclient"


def web_deployment(replicas: int = 2) -> client.V1Deployment:
    return client.V1Deployment(
        metadata=client.V1ObjectMeta(name="web"),
        spec=client.V1DeploymentSpec(
            replicas=replicas,
            selector=client.V1LabelSelector(match_labels={"app": "web"}),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels={"app": "web"}),
                spec=client.V1PodSpec(containers=[client.V1Container(name="web", image="registry.k8s.io/e2e-test-images/agnhost:2.52", ports=[client.V1ContainerPort(container_port=8080, name="http")])]),
            ),
        ),
    )


def test_typed_crud_for_every_resource(api_client: client.ApiClient, ns: str) -> None:
    core, apps, discovery = client.CoreV1Api(api_client), client.AppsV1Api(api_client), client.DiscoveryV1Api(api_client)
    nodes = core.list_node().items
    assert [n.metadata.name for n in nodes] == ["svclab-control-plane", "svclab-worker", "svclab-worker2"]
    assert [a.address for n in nodes for a in n.status.addresses if a.type == "InternalIP"] == ["172.18.0.2", "172.18.0.3", "172.18.0.4"]

    apps.create_namespaced_deployment(ns, web_deployment())
    svc = core.create_namespaced_service(ns, client.V1Service(
        metadata=client.V1ObjectMeta(name="web"),
        spec=client.V1ServiceSpec(selector={"app": "web"}, ports=[client.V1ServicePort(port=80, target_port="http", name="http")]),
    ))
    assert svc.spec.cluster_ip.startswith("10.96.") and svc.spec.type == "ClusterIP"

    deploy = apps.read_namespaced_deployment("web", ns)
    assert (deploy.status.ready_replicas, deploy.status.replicas) == (2, 2)
    rs = apps.list_namespaced_replica_set(ns).items
    assert len(rs) == 1 and rs[0].metadata.name == f"web-{rs[0].metadata.labels['pod-template-hash']}"
    pods = core.list_namespaced_pod(ns, label_selector="app=web").items
    assert len(pods) == 2 and all(p.status.phase == "Running" and p.status.pod_ip.startswith("10.244.") for p in pods)

    slices = discovery.list_namespaced_endpoint_slice(ns, label_selector="kubernetes.io/service-name=web").items
    assert len(slices) == 1
    assert [p.port for p in slices[0].ports] == [8080]  # the named targetPort, resolved
    assert sorted(e.addresses[0] for e in slices[0].endpoints) == sorted(p.status.pod_ip for p in pods)
    assert all(e.target_ref.kind == "Pod" and e.conditions.ready for e in slices[0].endpoints)
    endpoints = core.read_namespaced_endpoints("web", ns)
    assert sorted(a.ip for a in endpoints.subsets[0].addresses) == sorted(p.status.pod_ip for p in pods)

    apps.patch_namespaced_deployment_scale("web", ns, {"spec": {"replicas": 3}})
    assert len(core.list_namespaced_pod(ns, label_selector="app=web").items) == 3
    patched = core.patch_namespaced_service("web", ns, {"metadata": {"labels": {"tier": "front"}}})
    assert patched.metadata.labels == {"tier": "front"}

    events = core.list_namespaced_event(ns, field_selector="involvedObject.kind=Deployment").items
    assert [e.reason for e in events] == ["ScalingReplicaSet", "ScalingReplicaSet"]
    assert events[0].message.startswith("Scaled up replica set web-")

    apps.create_namespaced_stateful_set(ns, client.V1StatefulSet(
        metadata=client.V1ObjectMeta(name="db"),
        spec=client.V1StatefulSetSpec(
            service_name="db", replicas=2,
            selector=client.V1LabelSelector(match_labels={"app": "db"}),
            template=client.V1PodTemplateSpec(metadata=client.V1ObjectMeta(labels={"app": "db"}), spec=client.V1PodSpec(containers=[client.V1Container(name="db", image="busybox:1.36.1", command=["sleep", "3600"])])),
        ),
    ))
    db0 = core.read_namespaced_pod("db-0", ns)
    assert (db0.spec.hostname, db0.spec.subdomain) == ("db-0", "db")
    assert db0.metadata.labels["statefulset.kubernetes.io/pod-name"] == "db-0"
    assert apps.read_namespaced_stateful_set("db", ns).status.ready_replicas == 2

    deleted = core.delete_namespaced_service("web", ns)
    assert deleted.metadata.name == "web"  # a Service DELETE answers with the object
    status = apps.delete_namespaced_deployment("web", ns)  # typed `object` in client 37: a dict
    assert status["status"] == "Success" and status["details"]["name"] == "web" and status["details"]["group"] == "apps"
    assert core.list_namespaced_pod(ns, label_selector="app=web").items == []
    assert discovery.list_namespaced_endpoint_slice(ns, label_selector="kubernetes.io/service-name=web").items == []


def test_create_from_yaml_with_the_seed_manifests(api_client: client.ApiClient, ns: str, tmp_path: Path) -> None:
    docs = list(yaml.safe_load_all(seed_block("web-service", "nginx")))
    created = utils.create_from_yaml(api_client, yaml_objects=docs, namespace=ns)
    assert [type(obj[0]).__name__ for obj in created] == ["V1Service", "V1Deployment"]
    assert len(client.CoreV1Api(api_client).list_namespaced_pod(ns, label_selector="app=nginx").items) == 3


def test_api_exceptions_carry_the_real_status(api_client: client.ApiClient, ns: str) -> None:
    core = client.CoreV1Api(api_client)
    with pytest.raises(ApiException) as missing:
        core.read_namespaced_service("nope", ns)
    body = json.loads(missing.value.body)
    assert missing.value.status == 404
    assert body == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": 'services "nope" not found', "reason": "NotFound", "details": {"name": "nope", "kind": "services"}, "code": 404}

    svc = client.V1Service(metadata=client.V1ObjectMeta(name="web"), spec=client.V1ServiceSpec(selector={"app": "web"}, ports=[client.V1ServicePort(port=80)]))
    core.create_namespaced_service(ns, svc)
    with pytest.raises(ApiException) as exists:
        core.create_namespaced_service(ns, svc)
    assert exists.value.status == 409
    assert json.loads(exists.value.body)["message"] == 'services "web" already exists'

    bad = client.V1Service(metadata=client.V1ObjectMeta(name="bad"), spec=client.V1ServiceSpec(cluster_ip="None", type="NodePort", ports=[client.V1ServicePort(port=80)]))
    with pytest.raises(ApiException) as invalid:
        core.create_namespaced_service(ns, bad)
    status: dict[str, Any] = json.loads(invalid.value.body)
    assert invalid.value.status == 422 and status["reason"] == "Invalid"
    assert status["details"]["causes"] == [{"reason": "FieldValueInvalid", "message": "Invalid value: \"None\": may not be set to 'None' for NodePort services", "field": "spec.clusterIPs[0]"}]


def test_watch_streams_pod_events(api_client: client.ApiClient, ns: str) -> None:
    core = client.CoreV1Api(api_client)
    seen: list[tuple[str, str, str]] = []
    started = threading.Event()

    def consume() -> None:
        w = watch.Watch()
        started.set()
        for event in w.stream(core.list_namespaced_pod, ns, timeout_seconds=10):
            pod = event["object"]
            seen.append((event["type"], pod.metadata.name, pod.status.phase or ""))
            if event["type"] == "MODIFIED" and pod.status.phase == "Running":
                w.stop()

    reader = threading.Thread(target=consume)
    reader.start()
    started.wait()
    import time

    time.sleep(0.3)
    core.create_namespaced_pod(ns, client.V1Pod(metadata=client.V1ObjectMeta(name="solo"), spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="busybox:1.36.1")])))
    reader.join(timeout=15)
    assert seen[0] == ("ADDED", "solo", "Pending")
    assert ("MODIFIED", "solo", "Running") in seen


def test_status_subresource_is_separate_from_spec(api_client: client.ApiClient, ns: str) -> None:
    """A load-balancer controller writes status.loadBalancer; a spec write cannot touch status."""
    core = client.CoreV1Api(api_client)
    core.create_namespaced_service(ns, client.V1Service(metadata=client.V1ObjectMeta(name="lb"), spec=client.V1ServiceSpec(type="LoadBalancer", selector={"app": "web"}, ports=[client.V1ServicePort(port=80)])))
    core.patch_namespaced_service("lb", ns, {"status": {"loadBalancer": {"ingress": [{"ip": "6.6.6.6"}]}}})
    assert core.read_namespaced_service("lb", ns).status.load_balancer.ingress is None
    core.patch_namespaced_service_status("lb", ns, {"status": {"loadBalancer": {"ingress": [{"ip": "172.18.0.200"}]}}})
    svc = core.read_namespaced_service("lb", ns)
    assert [i.ip for i in svc.status.load_balancer.ingress] == ["172.18.0.200"]
    assert 30000 <= svc.spec.ports[0].node_port <= 32767
