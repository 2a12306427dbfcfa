"""Query parameters, subresources, nulls and YAML bodies get the real server's 400/422 and its text."""

from __future__ import annotations

import json

import psutil

from svclab.cluster.embedded import EmbeddedCluster
from tests.robustness.conftest import Raw, service

PODS = "/api/v1/namespaces/default/pods"
CONFIGMAPS = "/api/v1/namespaces/default/configmaps"
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"


def deployment(name: str = "web", replicas: int = 1) -> str:
    return json.dumps({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}},
    })


def refused(raw: Raw, code: int, message: str, method: str, path: str, body: str | None = None, content_type: str = "application/json") -> dict[str, object]:
    status, reply = raw(method, path, body, content_type)
    assert (status, reply.get("message") if isinstance(reply, dict) else reply) == (code, message)
    assert reply["kind"] == "Status" and reply["code"] == code
    return reply


def test_query_parameters_that_do_not_parse_are_400_with_gos_text(raw: Raw) -> None:
    assert raw("POST", CONFIGMAPS, json.dumps({"metadata": {"name": "keep"}}))[0] == 201
    refused(raw, 400, 'strconv.ParseInt: parsing "abc": invalid syntax', "GET", f"{PODS}?watch=true&timeoutSeconds=abc")
    refused(raw, 400, 'strconv.ParseInt: parsing "0.5s": invalid syntax', "GET", f"{PODS}?timeoutSeconds=0.5s")
    refused(raw, 400, 'strconv.ParseInt: parsing "99999999999999999999": value out of range', "GET", f"{PODS}?limit=99999999999999999999")
    refused(raw, 400, 'resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax', "GET", f"{PODS}?watch=1&resourceVersion=abc")
    refused(raw, 400, 'resourceVersion: Invalid value: "-1": strconv.ParseUint: parsing "-1": invalid syntax', "GET", f"{CONFIGMAPS}/keep?resourceVersion=-1")
    refused(raw, 400, 'strconv.ParseInt: parsing "abc": invalid syntax', "DELETE", f"{CONFIGMAPS}/keep?gracePeriodSeconds=abc")
    refused(raw, 422, 'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list', "GET", f"{PODS}?sendInitialEvents=true")
    assert raw("GET", f"{CONFIGMAPS}/keep")[0] == 200
    assert raw("GET", f"{PODS}?watch=true&timeoutSeconds=1")[0] == 200  # a well-formed one still streams


def test_request_options_are_validated_as_the_real_server_does(raw: Raw) -> None:
    assert raw("POST", CONFIGMAPS, json.dumps({"metadata": {"name": "keep"}}))[0] == 201
    refused(raw, 422, 'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["Yes"]: supported values: "All"', "POST", f"{CONFIGMAPS}?dryRun=Yes", json.dumps({"metadata": {"name": "x"}}))
    refused(raw, 422, 'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loose": supported values: "", "Ignore", "Strict", "Warn"', "POST", f"{CONFIGMAPS}?fieldValidation=Loose", json.dumps({"metadata": {"name": "x"}}))
    reply = refused(raw, 422, 'UpdateOptions.meta.k8s.io "" is invalid: fieldManager: Invalid value: "a\\ab": invalid character U+0007 (at position 1)', "PUT", f"{CONFIGMAPS}/keep?fieldManager=a%07b", json.dumps({"metadata": {"name": "keep"}}))
    assert reply["details"] == {"group": "meta.k8s.io", "kind": "UpdateOptions", "causes": [{"reason": "FieldValueInvalid", "message": 'Invalid value: "a\\ab": invalid character U+0007 (at position 1)', "field": "fieldManager"}]}
    refused(raw, 422, 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch', "PATCH", f"{CONFIGMAPS}/keep?force=true", '{"data": {"a": "b"}}', "application/merge-patch+json")
    refused(raw, 422, 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sometimes": supported values: "Foreground", "Background", "Orphan", "nil"', "DELETE", f"{CONFIGMAPS}/keep?propagationPolicy=Sometimes")
    refused(raw, 422, 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "Orphan": orphanDependents and deletionPropagation cannot be both set', "DELETE", f"{CONFIGMAPS}/keep", '{"orphanDependents": false, "propagationPolicy": "Orphan"}')
    refused(raw, 400, 'DeleteOptions in version "v1" cannot be handled as a DeleteOptions: json: cannot unmarshal string into Go struct field DeleteOptions.gracePeriodSeconds of type int64', "DELETE", f"{CONFIGMAPS}/keep", '{"gracePeriodSeconds": "soon"}')
    assert raw("GET", f"{CONFIGMAPS}/keep")[0] == 200
    status, _ = raw("DELETE", f"{CONFIGMAPS}/keep?dryRun=All")
    assert status == 200 and raw("GET", f"{CONFIGMAPS}/keep")[0] == 200


def test_the_scale_subresource_is_an_int32_scale(raw: Raw) -> None:
    assert raw("POST", DEPLOYMENTS, deployment())[0] == 201
    scale = f"{DEPLOYMENTS}/web/scale"
    refused(raw, 400, 'Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal string into Go struct field Scale.spec of type v1.ScaleSpec', "PUT", scale, '{"spec": "x"}')
    refused(raw, 400, 'Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal number 1e30 into Go struct field ScaleSpec.spec.replicas of type int32', "PUT", scale, '{"apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": {"name": "web"}, "spec": {"replicas": 1e30}}')
    refused(raw, 400, 'Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal number 2147483648 into Go struct field ScaleSpec.spec.replicas of type int32', "PUT", scale, '{"spec": {"replicas": 2147483648}}')
    refused(raw, 422, 'Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0', "PUT", scale, '{"spec": {"replicas": -1}}')
    refused(raw, 400, 'Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal string into Go struct field ScaleSpec.spec.replicas of type int32', "PATCH", scale, '{"spec": {"replicas": "many"}}', "application/merge-patch+json")
    refused(raw, 400, "the name of the object (other) does not match the name on the URL (web)", "PUT", scale, '{"metadata": {"name": "other"}, "spec": {"replicas": 2}}')
    assert raw("GET", f"{DEPLOYMENTS}/web")[1]["spec"]["replicas"] == 1
    status, reply = raw("PUT", scale, '{"spec": {"replicas": 3}}')
    assert status == 200 and reply["spec"]["replicas"] == 3 and raw("GET", f"{DEPLOYMENTS}/web")[1]["spec"]["replicas"] == 3


def test_nulls_decode_as_go_zero_values(raw: Raw) -> None:
    refused(raw, 422, 'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required', "POST", CONFIGMAPS, '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": null}')
    status, reply = raw("POST", "/api/v1/namespaces/default/services", '{"metadata": {"name": "nulls"}, "spec": {"selector": null, "ports": [null], "type": null}}')
    assert status == 422 and reply["message"].startswith('Service "nulls" is invalid: [spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive')
    status, reply = raw("POST", CONFIGMAPS, '{"metadata": {"name": "cm", "labels": null}, "data": {"a": null}}')
    assert status == 201 and reply["data"] == {"a": ""}
    refused(raw, 400, "Pod in version \"v1\" cannot be handled as a Pod: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'", "POST", PODS, json.dumps({"metadata": {"name": "q"}, "spec": {"containers": [{"name": "c", "image": "busybox:1.36.1", "resources": {"limits": {"cpu": "lots"}}}]}}))


def test_a_yaml_alias_bomb_is_refused_without_expanding(cluster: EmbeddedCluster, raw: Raw) -> None:
    lines = ["a0: &a0 [" + ", ".join(['"' + "l" * 200 + '"'] * 10) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    bomb = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  " + "\n  ".join(lines) + "\n"
    assert 2000 < len(bomb) < 3072  # 9**9 copies of 2 KB: far beyond 50 MB if expanded
    before = psutil.Process().memory_info().rss
    refused(raw, 400, "error converting YAML to JSON: yaml: document contains excessive aliasing", "POST", CONFIGMAPS, bomb, "application/yaml")
    refused(raw, 400, "error decoding YAML: error converting YAML to JSON: yaml: document contains excessive aliasing", "PATCH", f"{CONFIGMAPS}/bomb?fieldManager=me", bomb, "application/apply-patch+yaml")
    assert psutil.Process().memory_info().rss - before < 50 * 1024 * 1024
    refused(raw, 400, "error converting YAML to JSON: yaml: anchor value contains itself", "POST", CONFIGMAPS, "metadata: &m {name: loop, labels: *m}\n", "application/yaml")
    refused(raw, 400, "error converting YAML to JSON: json: unsupported value: +Inf", "POST", CONFIGMAPS, "metadata: {name: inf}\ndata: {a: .inf}\n", "application/yaml")
    # what YAML 1.1 adds is mapped as go-yaml v2 does: timestamps stay strings, aliases are copies
    status, reply = raw("POST", CONFIGMAPS, "metadata: {name: ok, labels: &l {app: web}, annotations: *l}\ndata: {day: 2001-12-14}\n", "application/yaml")
    assert status == 201 and reply["data"] == {"day": "2001-12-14"} and reply["metadata"]["annotations"] == {"app": "web"}
    assert raw.names(CONFIGMAPS) == ["kube-root-ca.crt", "ok"]  # the first: every namespace has it (root CA publisher)


def test_a_json_number_beyond_every_go_type_is_400(raw: Raw) -> None:
    body = service("big", sessionAffinity="ClientIP", sessionAffinityConfig={"clientIP": {"timeoutSeconds": 7}}).replace(": 7}", ": 1e999}")
    status, reply = raw("POST", "/api/v1/namespaces/default/services", body)
    assert status == 400 and reply["message"] == 'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal number 1e999 into Go struct field ClientIPConfig.spec.sessionAffinityConfig.clientIP.timeoutSeconds of type int32'
    status, reply = raw("POST", CONFIGMAPS, '{"metadata": {"name": "n", "annotations": {"a": "b"}}, "binaryData": {}, "immutable": NaN}')
    assert status == 400 and reply["message"] == "couldn't get version/kind; json parse error: invalid character 'N' looking for beginning of value"


def test_an_event_names_an_object_of_its_own_namespace(raw: Raw) -> None:
    assert raw("POST", "/api/v1/namespaces", json.dumps({"metadata": {"name": "elsewhere"}}))[0] == 201
    refused(raw, 422, 'Event "e" is invalid: involvedObject.namespace: Invalid value: "default": does not match event.namespace', "POST", "/api/v1/namespaces/elsewhere/events", json.dumps({"metadata": {"name": "e"}, "involvedObject": {"kind": "Pod", "name": "p", "namespace": "default"}, "reason": "Test"}))
    assert raw("POST", "/api/v1/namespaces/default/events", json.dumps({"metadata": {"name": "e"}, "reason": "Test"}))[0] == 201  # empty: allowed in default
