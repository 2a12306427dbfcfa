"""Protobuf request bodies: the wire decoder, the Go JSON rules, and the real kubectl end to end."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any, Callable

import pytest

import svclab.apiserver.app as app_module
from svclab.apiserver.codec import decode_body
from svclab.apiserver.protobuf import MAGIC, decode_protobuf, go_duration
from svclab.apiserver.protoschema import MESSAGES
from svclab.validation.errors import ApiError

PROTOBUF = "application/vnd.kubernetes.protobuf"


# ---- a small encoder written from the same schema (test helper) ------------------------------------
def varint(value: int) -> bytes:
    value &= 0xFFFFFFFFFFFFFFFF
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def tag(number: int, wire: int) -> bytes:
    return varint(number << 3 | wire)


def ld(number: int, payload: bytes) -> bytes:
    return tag(number, 2) + varint(len(payload)) + payload


def num(number: int, value: int) -> bytes:
    return tag(number, 0) + varint(value)


def encode_value(kind: str, number: int, value: Any, like_go: bool) -> bytes:
    if kind == "string":
        return ld(number, value.encode())
    if kind == "bytes":
        return ld(number, base64.b64decode(value))
    if kind in ("int32", "int64", "bool"):
        return num(number, int(value))
    if kind == "IntOrString":
        inner = num(1, 1) + num(2, 0) + ld(3, value.encode()) if isinstance(value, str) else num(1, 0) + num(2, value) + ld(3, b"")
        return ld(number, inner)
    if kind == "Quantity":
        return ld(number, ld(1, value.encode()))
    if kind in ("Time", "MicroTime"):
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        seconds = int(when.replace(microsecond=0).timestamp())
        return ld(number, num(1, seconds) + (num(2, when.microsecond * 1000) if when.microsecond else b""))
    if kind == "RawExtension":
        return ld(number, ld(1, json.dumps(value).encode()))
    return ld(number, encode(kind, value, like_go))


def encode(message: str, obj: dict[str, Any], like_go: bool = True) -> bytes:
    """The object's protobuf; ``like_go`` also writes unset non-pointer scalars and structs, as gogo's Marshal does."""
    out = bytearray()
    for number, spec in MESSAGES[message].items():
        if spec.inline:
            out += ld(number, encode(spec.kind, obj, like_go))
            continue
        value = obj.get(spec.name)
        if spec.is_map:
            for key, item in (value or {}).items():
                out += ld(number, ld(1, key.encode()) + encode_value(spec.map_value, 2, item, like_go))
        elif spec.repeated:
            for item in value or []:
                out += encode_value(spec.kind, number, item, like_go)
        elif value is not None:
            out += encode_value(spec.kind, number, value, like_go)
        elif like_go and not spec.pointer:
            if spec.kind in ("string", "bytes"):
                out += ld(number, b"")
            elif spec.kind in ("int32", "int64", "bool"):
                out += num(number, 0)
            elif spec.kind in ("Time", "MicroTime"):
                out += ld(number, b"")
            elif spec.kind in MESSAGES and spec.kind not in ("IntOrString", "Quantity"):
                out += ld(number, encode(spec.kind, {}, like_go))
    return bytes(out)


def envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    type_meta = ld(1, api_version.encode()) + ld(2, kind.encode())
    return MAGIC + ld(1, type_meta) + ld(2, raw) + ld(3, b"") + ld(4, b"")


def body(api_version: str, kind: str, message: str, obj: dict[str, Any], like_go: bool = True) -> bytes:
    return envelope(api_version, kind, encode(message, obj, like_go))


# ---- decoding ------------------------------------------------------------------------------------
def test_namespace_bytes_kubectl_sends() -> None:
    raw = bytes.fromhex(
        "6b3873000a0f0a02763112094e616d657370616365121b0a130a03666f6f12001a0022002a0032003800420012001a020a001a00220"
        "0"
    )
    assert decode_protobuf(raw) == {"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "foo"}, "spec": {}, "status": {}}


def test_deployment_with_go_zero_values() -> None:
    deployment = {
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}, "annotations": {"a": "b"}},
        "spec": {
            "replicas": 0,
            "revisionHistoryLimit": 0,
            "selector": {"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "Exists"}]},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": 1}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {
                            "name": "nginx",
                            "image": "nginx:1.27",
                            "command": ["nginx", "-g", "daemon off;"],
                            "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                            "env": [
                                {"name": "MODE", "value": "prod"},
                                {"name": "COLOR", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "color", "optional": False}}},
                                {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                            ],
                            "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": "250m"}},
                            "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 2, "failureThreshold": 1},
                            "livenessProbe": {"exec": {"command": ["cat", "/tmp/healthy"]}},
                            "startupProbe": {"tcpSocket": {"port": 8080}},
                            "volumeMounts": [{"name": "data", "mountPath": "/data", "readOnly": True}],
                            "securityContext": {"runAsUser": 0, "runAsNonRoot": False, "capabilities": {"drop": ["ALL"]}},
                        }
                    ],
                    "volumes": [
                        {"name": "data", "emptyDir": {"sizeLimit": "1Gi"}},
                        {"name": "conf", "configMap": {"name": "cfg", "items": [{"key": "a", "path": "a.txt"}], "defaultMode": 420}},
                    ],
                    "terminationGracePeriodSeconds": 0,
                    "securityContext": {"fsGroup": 2000},
                    "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule", "tolerationSeconds": 30}],
                },
            },
        },
    }
    decoded = decode_protobuf(body("apps/v1", "Deployment", "Deployment", deployment))
    assert decoded["kind"] == "Deployment" and decoded["apiVersion"] == "apps/v1"
    spec = decoded["spec"]
    assert spec["replicas"] == 0 and spec["revisionHistoryLimit"] == 0, "pointer fields keep an explicit zero"
    assert "minReadySeconds" not in spec and "paused" not in spec, "omitempty zero scalars are dropped"
    assert "progressDeadlineSeconds" not in spec, "unset pointers stay unset"
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": 1}}
    assert spec["selector"] == {"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "Exists"}]}
    assert decoded["status"] == {}
    assert decoded["metadata"] == {"name": "web", "namespace": "shop", "labels": {"app": "web"}, "annotations": {"a": "b"}}
    pod = spec["template"]["spec"]
    container = pod["containers"][0]
    assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert container["env"] == [
        {"name": "MODE", "value": "prod"},
        {"name": "COLOR", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "color", "optional": False}}},
        {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
    ]
    assert container["resources"] == {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": "250m"}}
    assert container["readinessProbe"] == {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 2, "failureThreshold": 1}
    assert container["livenessProbe"] == {"exec": {"command": ["cat", "/tmp/healthy"]}}
    assert container["startupProbe"] == {"tcpSocket": {"port": 8080}}
    assert container["volumeMounts"] == [{"name": "data", "readOnly": True, "mountPath": "/data"}]
    assert container["securityContext"] == {"capabilities": {"drop": ["ALL"]}, "runAsUser": 0, "runAsNonRoot": False}
    assert pod["volumes"] == [
        {"name": "data", "emptyDir": {"sizeLimit": "1Gi"}},
        {"name": "conf", "configMap": {"name": "cfg", "items": [{"key": "a", "path": "a.txt"}], "defaultMode": 420}},
    ]
    assert pod["terminationGracePeriodSeconds"] == 0
    assert pod["securityContext"] == {"fsGroup": 2000}
    assert pod["tolerations"] == [{"key": "k", "operator": "Exists", "effect": "NoSchedule", "tolerationSeconds": 30}]
    assert list(container) == ["name", "image", "command", "ports", "env", "resources", "volumeMounts", "livenessProbe", "readinessProbe", "startupProbe", "securityContext"], "keys follow the Go struct order"


def test_fields_without_omitempty_are_written_even_when_zero() -> None:
    service = {"metadata": {"name": "s"}, "spec": {"ports": [{}]}}
    decoded = decode_protobuf(body("v1", "Service", "Service", service))
    assert decoded["spec"] == {"ports": [{"port": 0, "targetPort": 0}]}
    assert decoded["status"] == {"loadBalancer": {}}
    pod = decode_protobuf(body("v1", "Pod", "Pod", {"metadata": {"name": "p"}, "spec": {}}))
    assert pod["spec"] == {"containers": None}, "PodSpec.containers has no omitempty: a nil slice is null"
    slice_ = decode_protobuf(body("discovery.k8s.io/v1", "EndpointSlice", "EndpointSlice", {"metadata": {"name": "e"}, "addressType": "IPv4"}))
    assert slice_["addressType"] == "IPv4" and slice_["endpoints"] is None


def test_absent_fields_without_go_zero_padding() -> None:
    lean = body("apps/v1", "Deployment", "Deployment", {"metadata": {"name": "w"}, "spec": {"replicas": 2}}, like_go=False)
    assert decode_protobuf(lean) == {
        "kind": "Deployment",
        "apiVersion": "apps/v1",
        "metadata": {"name": "w"},
        "spec": {"replicas": 2, "template": {"metadata": {}, "spec": {"containers": None}}, "strategy": {}},
        "status": {},
    }
    lean_pod = body("v1", "Pod", "Pod", {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]}}, like_go=False)
    assert decode_protobuf(lean_pod)["spec"] == {"containers": [{"name": "c", "resources": {}}]}, "Container.resources is a struct, always written"
    assert decode_protobuf(lean_pod)["status"] == {}


def test_times() -> None:
    meta = {"name": "t", "creationTimestamp": "2026-11-21T23:21:16Z", "deletionTimestamp": "2026-11-21T23:22:00Z"}
    decoded = decode_protobuf(body("v1", "ConfigMap", "ConfigMap", {"metadata": meta}))
    assert decoded["metadata"] == {"name": "t", "creationTimestamp": "2026-11-21T23:21:16Z", "deletionTimestamp": "2026-11-21T23:22:00Z"}
    nanos = ld(1, ld(1, b"t") + ld(8, num(1, 1795303276) + num(2, 999_999_999)))
    assert decode_protobuf(envelope("v1", "ConfigMap", nanos))["metadata"]["creationTimestamp"] == "2026-11-21T23:21:16Z", "Time drops nanoseconds"
    epoch = ld(1, ld(1, b"t") + ld(8, num(1, 0)))
    assert decode_protobuf(envelope("v1", "ConfigMap", epoch))["metadata"]["creationTimestamp"] == "1970-01-01T00:00:00Z"
    year_one = ld(1, ld(1, b"t") + ld(8, num(1, -62135596800)))
    assert decode_protobuf(envelope("v1", "ConfigMap", year_one))["metadata"]["creationTimestamp"] == "0001-01-01T00:00:00Z"
    event = {"metadata": {"name": "e"}, "involvedObject": {"kind": "Pod", "name": "p"}, "eventTime": "2026-11-21T23:21:16.123456Z", "reportingComponent": "kubelet"}
    decoded_event = decode_protobuf(body("v1", "Event", "Event", event))
    assert decoded_event["eventTime"] == "2026-11-21T23:21:16.123456Z", "MicroTime keeps microseconds"
    assert decoded_event["firstTimestamp"] is None and decoded_event["lastTimestamp"] is None, "zero Time without omitzero is null"
    assert decoded_event["reportingComponent"] == "kubelet" and decoded_event["reportingInstance"] == ""
    assert decoded_event["source"] == {} and "series" not in decoded_event


def test_numbers_maps_and_raw_extension() -> None:
    negative = ld(1, ld(1, b"rs")) + ld(2, num(1, -1) + num(4, -5))
    spec = decode_protobuf(envelope("apps/v1", "ReplicaSet", negative))["spec"]
    assert spec["replicas"] == -1 and spec["minReadySeconds"] == -5, "negative int32 is a 10-byte varint"
    binary = {"metadata": {"name": "b"}, "binaryData": {"blob": base64.b64encode(b"\x00\xff").decode()}, "immutable": True}
    assert decode_protobuf(body("v1", "ConfigMap", "ConfigMap", binary))["binaryData"] == {"blob": "AP8="}
    groups = 4 << 3 | 2
    packed = ld(1, ld(1, b"p")) + ld(2, ld(2, ld(1, b"c")) + ld(14, bytes([groups]) + bytes([3]) + varint(1) + varint(2) + varint(3)))
    pod = decode_protobuf(envelope("v1", "Pod", packed))
    assert pod["spec"]["securityContext"] == {"supplementalGroups": [1, 2, 3]}, "packed repeated numbers"
    revision = {"metadata": {"name": "r"}, "data": {"spec": {"replicas": 2}}, "revision": 3}
    assert decode_protobuf(body("apps/v1", "ControllerRevision", "ControllerRevision", revision))["data"] == {"spec": {"replicas": 2}}
    quantity = {"metadata": {"name": "q"}, "spec": {"containers": [{"name": "c", "env": [{"name": "X", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}}]}]}}
    env = decode_protobuf(body("v1", "Pod", "Pod", quantity))["spec"]["containers"][0]["env"][0]
    assert env["valueFrom"]["resourceFieldRef"] == {"resource": "limits.cpu", "divisor": "0"}, "a zero Quantity struct is written as \"0\""


def test_unknown_fields_are_skipped_and_last_value_wins() -> None:
    unknown = num(50, 7) + tag(51, 1) + bytes(8) + tag(52, 5) + bytes(4) + ld(53, b"junk") + tag(54, 3) + num(1, 1) + tag(54, 4)
    raw = ld(1, ld(1, b"first") + unknown + ld(1, b"second")) + unknown
    decoded = decode_protobuf(envelope("v1", "ConfigMap", raw))
    assert decoded == {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "second"}}


def test_delete_options_and_scale() -> None:
    options = MAGIC + ld(1, ld(1, b"v1") + ld(2, b"DeleteOptions")) + ld(2, num(1, 0) + ld(4, b"Foreground") + ld(5, b"All"))
    assert decode_protobuf(options) == {"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0, "propagationPolicy": "Foreground", "dryRun": ["All"]}
    scale = decode_protobuf(body("autoscaling/v1", "Scale", "Scale", {"metadata": {"name": "web"}, "spec": {"replicas": 5}}))
    assert scale["spec"] == {"replicas": 5} and scale["status"] == {"replicas": 0}


def test_go_duration() -> None:
    assert [go_duration(n) for n in (0, 1_500_000_000, 5_400_000_000_000, 1_500_000, 999, -2_000_000_000, 3_661_000_000_000)] == [
        "0s",
        "1.5s",
        "1h30m0s",
        "1.5ms",
        "999ns",
        "-2s",
        "1h1m1s",
    ]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"kind":"Namespace"}', "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]"),
        (MAGIC + ld(1, ld(1, b"v1") + ld(2, b"Frobnicator")), 'no kind "Frobnicator" is registered for version "v1" in scheme "pkg/api/legacyscheme/scheme.go:30"'),
        (MAGIC + ld(1, ld(1, b"v1")), "Object 'Kind' is missing in"),
        (MAGIC + ld(1, ld(1, b"apps/v1") + ld(2, b"Deployment")) + ld(2, ld(1, b"\x0a\x05ab")), 'Deployment in version "v1" cannot be handled as a Deployment: unexpected EOF'),
        (MAGIC + ld(1, ld(1, b"v1") + ld(2, b"Service")) + ld(2, num(1, 3)), 'Service in version "v1" cannot be handled as a Service: proto: wrong wireType = 0 for field Metadata'),
        (MAGIC + ld(1, ld(1, b"v1") + ld(2, b"Service")) + ld(2, b"\x00\x01"), "Service in version \"v1\" cannot be handled as a Service: proto: Service: illegal tag 0 (wire type 0)"),
        (MAGIC + b"\x0a\x80", "couldn't get version/kind; protobuf parse error: unexpected EOF"),
        (MAGIC + ld(1, ld(1, b"apps/v1") + ld(2, b"Deployment")) + ld(2, ld(2, ld(1, b""))), 'Deployment in version "v1" cannot be handled as a Deployment: proto: wrong wireType = 2 for field Replicas'),
        (MAGIC + ld(1, ld(1, b"v1") + ld(2, b"ConfigMap")) + ld(2, ld(1, ld(8, num(1, -10**13)))), "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: proto: timestamp seconds"),
    ],
)
def test_undecodable_bodies_are_400(raw: bytes, message: str) -> None:
    with pytest.raises(ApiError) as info:
        decode_body(raw, PROTOBUF)
    status = info.value.status
    assert status["code"] == 400 and status["reason"] == "BadRequest"
    assert status["message"].startswith(message)


def test_codec_routes_protobuf_by_media_type() -> None:
    raw = body("v1", "ConfigMap", "ConfigMap", {"metadata": {"name": "c"}, "data": {"k": "v"}})
    expected = {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "c"}, "data": {"k": "v"}}
    assert decode_body(raw, PROTOBUF) == expected
    assert decode_body(raw, PROTOBUF + "; charset=binary") == expected
    assert decode_body(b'{"kind":"ConfigMap"}', "application/json") == {"kind": "ConfigMap"}


# ---- the real kubectl against the embedded cluster -------------------------------------------------------
CREATES: list[tuple[str, ...]] = [
    ("create", "namespace", "foo"),
    ("create", "deployment", "web", "--image=nginx", "--replicas=3", "--port=8080"),
    ("create", "deployment", "idle", "--image=nginx", "--replicas=0"),
    ("create", "deployment", "multi", "--image=nginx", "--image=busybox"),
    ("create", "service", "clusterip", "x", "--tcp=80:8080"),
    ("create", "service", "clusterip", "hl", "--clusterip=None"),
    ("create", "service", "nodeport", "np", "--tcp=80:8080", "--node-port=30080"),
    ("create", "service", "externalname", "ext", "--external-name=example.com"),
    ("create", "configmap", "cfg", "--from-literal=color=blue", "--from-literal=size=10"),
    ("create", "serviceaccount", "robot"),
]


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bytes]]:
    """Every request body the apiserver decodes, with its Content-Type."""
    seen: list[tuple[str, bytes]] = []
    real: Callable[[bytes, str], dict[str, Any]] = app_module.decode_body

    def record(raw: bytes, content_type: str) -> dict[str, Any]:
        seen.append((content_type, raw))
        return real(raw, content_type)

    monkeypatch.setattr(app_module, "decode_body", record)
    return seen


def test_kubectl_protobuf_bodies_decode_as_kubectl_would_write_json(kubectl: Any, captured: list[tuple[str, bytes]]) -> None:
    """The oracle: ``--dry-run=client -o json`` is kubectl's own json.Marshal of the object it sends as protobuf."""
    for command in CREATES:
        before = len(captured)
        kubectl(*command)
        bodies = [raw for content_type, raw in captured[before:] if content_type == PROTOBUF]
        assert len(bodies) == 1, f"{command}: expected one protobuf body, saw {[c for c, _ in captured[before:]]}"
        expected = json.loads(kubectl(*command, "--dry-run=client", "-o", "json").stdout)
        assert decode_protobuf(bodies[0]) == expected, command


def test_kubectl_typed_commands_end_to_end(kubectl: Any) -> None:
    for command in CREATES:
        kubectl(*command)

    def get(*args: str) -> dict[str, Any]:
        return json.loads(kubectl("get", *args, "-o", "json").stdout)

    assert get("namespace", "foo")["status"]["phase"] == "Active"
    web = get("deployment", "web")
    assert web["spec"]["replicas"] == 3 and web["metadata"]["labels"] == {"app": "web"}
    assert web["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx"
    assert web["spec"]["template"]["spec"]["containers"][0]["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]
    assert web["spec"]["strategy"]["type"] == "RollingUpdate", "the server defaulted what protobuf left empty"
    assert get("deployment", "idle")["spec"]["replicas"] == 0, "an explicit replicas: 0 survives"
    assert [c["name"] for c in get("deployment", "multi")["spec"]["template"]["spec"]["containers"]] == ["nginx", "busybox"]
    x = get("service", "x")
    assert x["spec"]["ports"] == [{"name": "80-8080", "port": 80, "protocol": "TCP", "targetPort": 8080}]
    assert x["spec"]["clusterIP"].startswith("10.96.") and x["spec"]["selector"] == {"app": "x"}
    assert get("service", "hl")["spec"]["clusterIP"] == "None"
    assert get("service", "np")["spec"]["ports"][0]["nodePort"] == 30080
    ext = get("service", "ext")["spec"]
    assert (ext["type"], ext["externalName"]) == ("ExternalName", "example.com")
    assert get("configmap", "cfg")["data"] == {"color": "blue", "size": "10"}
    assert get("serviceaccount", "robot")["metadata"]["name"] == "robot"

    # the follow-up verbs on the objects created from protobuf
    kubectl("expose", "deployment", "web", "--port=80", "--target-port=8080", "--name=web-svc")
    assert get("service", "web-svc")["spec"]["ports"][0]["targetPort"] == 8080
    kubectl("label", "deployment", "web", "tier=frontend")
    assert get("deployment", "web")["metadata"]["labels"]["tier"] == "frontend"
    kubectl("scale", "deployment", "web", "--replicas=2")
    assert get("deployment", "web")["spec"]["replicas"] == 2
    kubectl("set", "image", "deployment/web", "nginx=nginx:1.27")
    assert get("deployment", "web")["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    kubectl("rollout", "restart", "deployment/web")
    assert "kubectl.kubernetes.io/restartedAt" in get("deployment", "web")["spec"]["template"]["metadata"]["annotations"]
    node = get("nodes")["items"][-1]["metadata"]["name"]
    kubectl("cordon", node)
    assert get("node", node)["spec"]["unschedulable"] is True
    kubectl("uncordon", node)
    kubectl("create", "deployment", "web", "--image=nginx", "-n", "foo")
    assert get("deployment", "web", "-n", "foo")["metadata"]["namespace"] == "foo"


def test_kubectl_sends_protobuf_and_accepts_json_back(kubectl: Any) -> None:
    result = kubectl("create", "namespace", "wire", "-v=8")
    assert result.stdout.strip() == "namespace/wire created"
    log = result.stderr
    assert "Accept: application/vnd.kubernetes.protobuf,application/json" in log
    assert "Content-Type: application/vnd.kubernetes.protobuf" in log, "the request body is protobuf"
    assert "Content-Type: application/json" in log, "the response is JSON, which kubectl accepts"


def test_kubectl_drain_deletes_pods_with_protobuf_delete_options(kubectl: Any, captured: list[tuple[str, bytes]]) -> None:
    kubectl("create", "deployment", "web", "--image=nginx", "--replicas=4")
    node = json.loads(kubectl("get", "nodes", "-o", "json").stdout)["items"][-1]["metadata"]["name"]
    before = len(captured)
    kubectl("drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--force", "--timeout=60s")
    options = [decode_protobuf(raw) for content_type, raw in captured[before:] if content_type == PROTOBUF]
    assert options and all(o == {"kind": "DeleteOptions", "apiVersion": "v1"} for o in options)
    assert json.loads(kubectl("get", "node", node, "-o", "json").stdout)["spec"]["unschedulable"] is True
