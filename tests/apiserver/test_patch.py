"""PATCH engine: strategic merge (upstream cases), RFC 6902/7386, client-side and server-side apply."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml

from svclab.apiserver.apply import decode_apply_body, path_string, record_update, server_side_apply
from svclab.apiserver.patch import (GENERIC_422, PatchError, apply_patch, go_syntax_error, media_type,
                                    strategic_merge_patch)
from svclab.apiserver.patchmeta import FieldMeta, Schema, schema_for, strategy_table
from svclab.resources import by_kind

SVC = by_kind("v1", "Service")
POD = by_kind("v1", "Pod")
DEPLOY = by_kind("apps/v1", "Deployment")
assert SVC and POD and DEPLOY
SMP = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"
JSONP = "application/json-patch+json"
T0, T1, T2 = "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z", "2026-01-01T00:02:00Z"

# The MergeItem test type of strategicpatch/patch_test.go.
_ITEM = {
    "mergingList": FieldMeta(type="MergeItem", strategy="merge", merge_key="name"),
    "nonMergingList": FieldMeta(type="MergeItem"),
    "mergingIntList": FieldMeta(strategy="merge"),
    "nonMergingIntList": FieldMeta(),
    "mergeItemPtr": FieldMeta(type="MergeItem", strategy="merge", merge_key="name"),
    "replacingItem": FieldMeta(strategy="replace"),
    "retainKeysMap": FieldMeta(type="RetainKeysMergeItem", strategy="retainKeys"),
    "retainKeysMergingList": FieldMeta(type="MergeItem", strategy="merge,retainKeys", merge_key="name"),
}
_RETAIN = {
    "mergingIntList": FieldMeta(strategy="merge"),
    "mergingList": FieldMeta(type="MergeItem", strategy="merge", merge_key="name"),
}
MERGE_ITEM = Schema.of_type({"MergeItem": _ITEM, "RetainKeysMergeItem": _RETAIN}, "MergeItem")


def smp(original: dict, patch: Any, schema: Schema = MERGE_ITEM) -> dict:
    return strategic_merge_patch(copy.deepcopy(original), json.dumps(patch).encode(), schema)


def y(text: str) -> Any:
    return yaml.safe_load(text)


# --------------------------------------------------------------------------- upstream cases
# (original, patch, expected) triples from customStrategicMergePatchTestCaseData,
# createStrategicMergePatchTestCaseData and strategicMergePatchRawTestCases.
UPSTREAM = {
    "unique scalars when merging lists": (
        "mergingIntList: [1, 2]", "mergingIntList: [2, 3]", "mergingIntList: [1, 2, 3]"),
    "delete map from nested map": (
        "simpleMap: {key1: 1, key2: 1}", "simpleMap: {$patch: delete}", "simpleMap: {}"),
    "delete all items from merging list": (
        "mergingList: [{name: 1}, {name: 2}]", "mergingList: [{$patch: replace}]", "mergingList: []"),
    "merge empty merging lists": ("mergingList: []", "mergingList: []", "mergingList: []"),
    "delete all keys from map": ("{name: 1, value: 1}", "{$patch: replace}", "{}"),
    "add key and delete all keys from map": ("{name: 1, value: 1}", "{other: a, $patch: replace}", "{other: a}"),
    "de-duplicate entries in a merging list": (
        "mergingList: [{name: 1}, {name: 1}, {name: 2, value: a}, {name: 3}, {name: 3}]",
        "mergingList: [{name: 1, $patch: delete}, {name: 3, $patch: delete}]",
        "mergingList: [{name: 2, value: a}]"),
    "retainKeys map can add a field when no retainKeys directive present": (
        "retainKeysMap: {name: foo}", "retainKeysMap: {value: bar}", "retainKeysMap: {name: foo, value: bar}"),
    "retainKeys map can delete a field when no retainKeys directive present": (
        "retainKeysMap: {name: foo, value: a}", "retainKeysMap: {value: null}", "retainKeysMap: {name: foo}"),
    "retainKeys map merge an empty map": (
        "retainKeysMap: {name: foo, value: a}", "retainKeysMap: {}", "retainKeysMap: {name: foo, value: a}"),
    "retainKeys list can change a field when no retainKeys directive present": (
        "retainKeysMergingList: [{name: bar}, {name: foo, value: a}]",
        "retainKeysMergingList: [{name: foo, value: b}]",
        "retainKeysMergingList: [{name: bar}, {name: foo, value: b}]"),
    "preserve the order from the patch in a merging list": (
        "mergingList: [{name: 1}, {name: 2, value: b}, {name: 3}]",
        "mergingList: [{name: 3, value: c}, {name: 1, value: a}, {name: 2, other: x}]",
        "mergingList: [{name: 3, value: c}, {name: 1, value: a}, {name: 2, value: b, other: x}]"),
    "preserve the order from the patch in a merging list 2": (
        "mergingList: [{name: 1}, {name: 2, value: b}, {name: 3}]",
        "mergingList: [{name: 3, value: c}, {name: 1, value: a}]",
        "mergingList: [{name: 2, value: b}, {name: 3, value: c}, {name: 1, value: a}]"),
    "preserve the order from the patch in a merging int list": (
        "mergingIntList: [1, 2, 3]", "mergingIntList: [3, 1, 2]", "mergingIntList: [3, 1, 2]"),
    "preserve the order from the patch in a merging int list 2": (
        "mergingIntList: [1, 2, 3]", "mergingIntList: [3, 1]", "mergingIntList: [2, 3, 1]"),
    "$setElementOrder contains item that is not present in the list to be merged": (
        "mergingList: [{name: 1}, {name: 3}]",
        "{$setElementOrder/mergingList: [{name: 3}, {name: 2}, {name: 1}],"
        " mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]}",
        "mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]"),
    "$setElementOrder contains item that is not present in the int list to be merged": (
        "mergingIntList: [1, 3]", "$setElementOrder/mergingIntList: [3, 2, 1]", "mergingIntList: [3, 1]"),
    "add field to map (three-way)": ("{name: 1, other: a}", "{value: 1}", "{name: 1, value: 1, other: a}"),
    "add field and delete field from map": ("{name: 1, other: a}", "{name: null, value: 1}", "{value: 1, other: a}"),
    "delete field from nested map": (
        "simpleMap: {key1: 1, key2: 1, other: a}", "simpleMap: {key2: null}", "simpleMap: {key1: 1, other: a}"),
    "replace list of scalars": ("nonMergingIntList: [1, 4]", "nonMergingIntList: [2, 3]", "nonMergingIntList: [2, 3]"),
    "delete all maps from merging list with conflict": (
        "mergingList: [{name: 1, other: a}, {name: 2, other: b}]",
        "mergingList: [{name: 1, $patch: delete}, {name: 2, $patch: delete}]", "mergingList: []"),
    "delete all maps from empty merging list": (
        "mergingList: []", "mergingList: [{name: 1, $patch: delete}, {name: 2, $patch: delete}]", "mergingList: []"),
    "defined null values should propagate overwrite current fields": (
        "{name: a, other: a}", "{name: 1, value: 1, other: null}", "{name: 1, value: 1}"),
    "delete items in lists of scalars": (
        "mergingIntList: [1, 2, 3, 4]",
        "{$setElementOrder/mergingIntList: [1, 2], $deleteFromPrimitiveList/mergingIntList: [3]}",
        "mergingIntList: [1, 2, 4]"),
    "delete all duplicate items in lists of scalars": (
        "mergingIntList: [1, 2, 3, 3, 4]",
        "{$setElementOrder/mergingIntList: [1, 2], $deleteFromPrimitiveList/mergingIntList: [3]}",
        "mergingIntList: [1, 2, 4]"),
    "add and delete items in lists of scalars": (
        "mergingIntList: [1, 2, 3]",
        "{$setElementOrder/mergingIntList: [1, 2, 4], $deleteFromPrimitiveList/mergingIntList: [3],"
        " mergingIntList: [4]}",
        "mergingIntList: [1, 2, 4]"),
    "merge lists of maps": (
        "mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}]",
        "{$setElementOrder/mergingList: [{name: 4}, {name: 1}, {name: 2}, {name: 3}],"
        " mergingList: [{name: 4, value: 4}, {name: 3, value: 3}]}",
        "mergingList: [{name: 4, value: 4}, {name: 1, other: a}, {name: 2, value: 2, other: b}, {name: 3, value: 3}]"),
    "merge lists of maps with conflict": (
        "mergingList: [{name: 1, other: a}, {name: 2, value: 3, other: b}]",
        "{$setElementOrder/mergingList: [{name: 1}, {name: 2}, {name: 3}],"
        " mergingList: [{name: 2, value: 2}, {name: 3, value: 3}]}",
        "mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}, {name: 3, value: 3}]"),
    "add field to map in merging list": (
        "mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}]",
        "{$setElementOrder/mergingList: [{name: 1}, {name: 2}], mergingList: [{name: 1, value: 1}]}",
        "mergingList: [{name: 1, value: 1, other: a}, {name: 2, value: 2, other: b}]"),
    "retainKeys directive clears fields missing from it": (
        "retainKeysMap: {name: foo, value: a, other: b}",
        "retainKeysMap: {$retainKeys: [name, value], value: c}",
        "retainKeysMap: {name: foo, value: c}"),
    "replace strategy replaces the whole map": (
        "replacingItem: {a: 1, b: 2}", "replacingItem: {c: 3}", "replacingItem: {c: 3}"),
    # mergeSortedSlice: a patch item unknown to the server sorts before server-only items.
    "nested merging list: new item without $setElementOrder goes first": (
        "mergingList: [{name: 1, mergingList: [{name: a, value: x}]}]",
        "mergingList: [{name: 1, mergingList: [{name: b}]}]",
        "mergingList: [{name: 1, mergingList: [{name: b}, {name: a, value: x}]}]"),
}


@pytest.mark.parametrize("name", sorted(UPSTREAM))
def test_upstream_strategic_merge_case(name: str) -> None:
    original, patch, expected = (y(t) for t in UPSTREAM[name])
    assert smp(original, patch) == expected


UPSTREAM_ERRORS = {
    "should check if order in $setElementOrder and patch list match": (
        "mergingList: [{name: 1}, {name: 3}, {name: 2}]",
        "{$setElementOrder/mergingList: [{name: 1}, {name: 2}, {name: 3}],"
        " mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]}", 500, "doesn't match"),
    "int list order mismatch": (
        "mergingIntList: [1, 3, 2]", "{$setElementOrder/mergingIntList: [1, 2, 3], mergingIntList: [3, 1]}",
        500, "doesn't match"),
    "missing merge key should error out": (
        "mergingList: [{name: 1, value: a}]", "mergingList: [{value: b}]", 500,
        "map: map[value:b] does not contain declared merge key: name"),
    "retainKeys must list every patched field": (
        "retainKeysMap: {name: foo}", "retainKeysMap: {$retainKeys: [name], value: c}", 400,
        "invalid patch format of retainKeys"),
    "bad deleteFromPrimitiveList prefix": (
        "mergingIntList: [1]", "{$deleteFromPrimitiveListmergingIntList: [1]}", 400,
        "invalid patch format of primitive list"),
    "unknown $patch directive": ("simpleMap: {a: 1}", "simpleMap: {$patch: explode}", 500,
                                 "unknown patch type: explode in map: map[$patch:explode]"),
    "lists of lists": ("mergingIntList: [[1]]", "mergingIntList: [[2]]", 422, GENERIC_422),
}


@pytest.mark.parametrize("name", sorted(UPSTREAM_ERRORS))
def test_upstream_strategic_merge_errors(name: str) -> None:
    original, patch, code, text = UPSTREAM_ERRORS[name]
    with pytest.raises(PatchError) as err:
        smp(y(original), y(patch))
    assert err.value.code == code
    assert text in err.value.message


# --------------------------------------------------------------------------- real kinds, kubectl-shaped patches

def service() -> dict:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web", "tier": "fe"},
                         "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}},
            "spec": {"selector": {"app": "web"}, "type": "ClusterIP", "clusterIP": "10.96.0.42",
                     "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}]}}


def test_client_side_apply_changes_selector() -> None:
    # patcher.go: CreateThreeWayMergePatch(original=last-applied, modified, current) with deletions as nulls.
    body = {"metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\"new\":1}"}},
            "spec": {"selector": {"app": None, "app.kubernetes.io/name": "web"}}}
    out = apply_patch(service(), json.dumps(body).encode(), SMP, SVC)
    assert out["spec"]["selector"] == {"app.kubernetes.io/name": "web"}
    assert out["spec"]["clusterIP"] == "10.96.0.42"


def test_client_side_apply_adds_port_with_set_element_order() -> None:
    body = {"spec": {"$setElementOrder/ports": [{"port": 80}, {"port": 443}],
                     "ports": [{"name": "https", "port": 443, "targetPort": 8443}]}}
    out = apply_patch(service(), json.dumps(body).encode(), SMP, SVC)
    assert [p["port"] for p in out["spec"]["ports"]] == [80, 443]
    assert out["spec"]["ports"][0]["targetPort"] == 8080
    assert "$setElementOrder/ports" not in out["spec"]


def test_client_side_apply_removes_port_and_label() -> None:
    svc = service()
    svc["spec"]["ports"].append({"name": "https", "port": 443, "protocol": "TCP", "targetPort": 8443})
    body = {"metadata": {"labels": {"tier": None}},
            "spec": {"$setElementOrder/ports": [{"port": 443}], "ports": [{"$patch": "delete", "port": 80}]}}
    out = apply_patch(svc, json.dumps(body).encode(), SMP, SVC)
    assert out["metadata"]["labels"] == {"app": "web"}
    assert out["spec"]["ports"] == [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 8443}]


def test_container_merge_by_name_and_env_by_name() -> None:
    pod = {"metadata": {"name": "p"}, "spec": {"containers": [
        {"name": "app", "image": "nginx:1.26", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
        {"name": "side", "image": "busybox"}]}}
    body = {"spec": {"containers": [{"name": "app", "image": "nginx:1.27", "env": [{"name": "B", "value": "3"}]}]}}
    out = apply_patch(pod, json.dumps(body).encode(), SMP, POD)
    app = out["spec"]["containers"][0]
    assert app["image"] == "nginx:1.27" and app["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "3"}]
    assert out["spec"]["containers"][1] == {"name": "side", "image": "busybox"}


def test_tolerations_are_replaced_not_merged() -> None:
    pod = {"spec": {"tolerations": [{"key": "a", "operator": "Exists"}]}}
    body = {"spec": {"tolerations": [{"key": "b", "operator": "Exists"}]}}
    out = apply_patch(pod, json.dumps(body).encode(), SMP, POD)
    assert out["spec"]["tolerations"] == [{"key": "b", "operator": "Exists"}]


def test_deployment_strategy_retain_keys_clears_rolling_update() -> None:
    dep = {"spec": {"replicas": 2, "strategy": {"type": "RollingUpdate",
                                                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}}}
    body = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate", "rollingUpdate": None}}}
    out = apply_patch(dep, json.dumps(body).encode(), SMP, DEPLOY)
    assert out["spec"]["strategy"] == {"type": "Recreate"}


def test_finalizers_are_a_merging_primitive_list() -> None:
    obj = {"metadata": {"finalizers": ["a", "b"]}}
    out = apply_patch(obj, b'{"metadata":{"finalizers":["c"]}}', SMP, SVC)
    assert out["metadata"]["finalizers"] == ["c", "a", "b"]  # new items first, as mergeSortedSlice does
    out = apply_patch(out, b'{"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}}', SMP, SVC)
    assert out["metadata"]["finalizers"] == ["c", "b"]


def test_kubectl_scale_and_label_patches() -> None:
    dep = {"metadata": {"name": "web", "labels": {"app": "web"}}, "spec": {"replicas": 1}}
    out = apply_patch(dep, b'{"spec":{"replicas":3}}', MERGE, DEPLOY)
    out = apply_patch(out, b'{"metadata":{"labels":{"env":"dev"}}}', SMP, DEPLOY)
    assert out == {"metadata": {"name": "web", "labels": {"app": "web", "env": "dev"}}, "spec": {"replicas": 3}}


def test_input_object_is_never_mutated() -> None:
    svc = service()
    before = copy.deepcopy(svc)
    apply_patch(svc, b'{"spec":{"selector":{"app":null}}}', SMP, SVC)
    apply_patch(svc, b'{"spec":{"type":"NodePort"}}', MERGE, SVC)
    apply_patch(svc, b'[{"op":"remove","path":"/spec/ports/0"}]', JSONP, SVC)
    assert svc == before


def test_strategy_table_is_derived_from_the_schema() -> None:
    pod = strategy_table(schema_for(POD))
    assert pod["spec.containers"] == ("merge", "name")
    assert pod["spec.containers[].ports"] == ("merge", "containerPort")
    assert pod["spec.containers[].env"] == ("merge", "name")
    assert pod["spec.containers[].volumeMounts"] == ("merge", "mountPath")
    assert pod["spec.volumes"] == ("merge,retainKeys", "name")
    assert pod["spec.tolerations"] == ("replace", "")
    assert pod["spec.hostAliases"] == ("merge", "ip")
    assert pod["spec.topologySpreadConstraints"] == ("merge", "topologyKey")
    assert pod["metadata.ownerReferences"] == ("merge", "uid")
    assert pod["metadata.finalizers"] == ("merge", "")
    assert pod["status.conditions"] == ("merge", "type")
    dep = strategy_table(schema_for(DEPLOY))
    assert dep["spec.strategy"] == ("retainKeys", "")
    assert dep["spec.template.spec.containers[].ports"] == ("merge", "containerPort")
    assert strategy_table(schema_for(SVC))["spec.ports"] == ("merge", "port")


# --------------------------------------------------------------------------- bodies and content types

@pytest.mark.parametrize(("body", "message"), [
    (b"{bad", "invalid character 'b' looking for beginning of object key string"),
    (b"", "unexpected end of JSON input"),
    (b'{"a":1,}', "invalid character '}' looking for beginning of object key string"),
    (b"[1,2]", "json: cannot unmarshal array into Go value of type map[string]interface {}"),
])
def test_undecodable_strategic_patch_is_400_with_go_message(body: bytes, message: str) -> None:
    with pytest.raises(PatchError) as err:
        apply_patch(service(), body, SMP, SVC)
    assert (err.value.code, err.value.message, err.value.reason) == (400, message, "BadRequest")


def test_go_scanner_messages() -> None:
    assert go_syntax_error('{"a" 1}') == "invalid character '1' after object key"
    assert go_syntax_error("[1 2]") == "invalid character '2' after array element"
    assert go_syntax_error("trux") == "invalid character 'x' in literal true (expecting 'e')"
    assert go_syntax_error('{"a":1} x') == "invalid character 'x' after top-level value"
    assert go_syntax_error(' {"a": [1, 2.5e3, null, "x\\n"]} ') is None


def test_unsupported_content_type_is_415() -> None:
    with pytest.raises(PatchError) as err:
        apply_patch(service(), b"{}", "application/json", SVC)
    assert err.value.code == 415 and err.value.reason == "UnsupportedMediaType"
    assert err.value.message == (
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, "
        "application/strategic-merge-patch+json, application/apply-patch+yaml")


def test_charset_parameter_is_ignored() -> None:
    assert media_type("application/merge-patch+json; charset=utf-8") == MERGE
    out = apply_patch({"a": 1}, b'{"b":2}', "application/merge-patch+json; charset=utf-8", SVC)
    assert out == {"a": 1, "b": 2}


# --------------------------------------------------------------------------- RFC 7386 appendix A

RFC7386 = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("doc", "patch", "expected"), RFC7386)
def test_rfc7386_examples(doc: dict, patch: dict, expected: dict) -> None:
    assert apply_patch(doc, json.dumps(patch).encode(), MERGE, SVC) == expected


@pytest.mark.parametrize("body", [b"{bad", b"null", b"5"])
def test_bad_merge_patch_is_400(body: bytes) -> None:
    with pytest.raises(PatchError) as err:
        apply_patch({"a": 1}, body, MERGE, SVC)
    assert (err.value.code, err.value.message) == (400, "Invalid JSON Patch")


# --------------------------------------------------------------------------- RFC 6902 appendix A

RFC6902 = [
    ({"foo": "bar"}, [{"op": "add", "path": "/baz", "value": "qux"}], {"baz": "qux", "foo": "bar"}),
    ({"foo": ["bar", "baz"]}, [{"op": "add", "path": "/foo/1", "value": "qux"}], {"foo": ["bar", "qux", "baz"]}),
    ({"baz": "qux", "foo": "bar"}, [{"op": "remove", "path": "/baz"}], {"foo": "bar"}),
    ({"foo": ["bar", "qux", "baz"]}, [{"op": "remove", "path": "/foo/1"}], {"foo": ["bar", "baz"]}),
    ({"baz": "qux", "foo": "bar"}, [{"op": "replace", "path": "/baz", "value": "boo"}], {"baz": "boo", "foo": "bar"}),
    ({"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
     [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
     {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}}),
    ({"foo": ["all", "grass", "cows", "eat"]}, [{"op": "move", "from": "/foo/1", "path": "/foo/3"}],
     {"foo": ["all", "cows", "eat", "grass"]}),
    ({"baz": "qux", "foo": ["a", 2, "c"]},
     [{"op": "test", "path": "/baz", "value": "qux"}, {"op": "test", "path": "/foo/1", "value": 2}],
     {"baz": "qux", "foo": ["a", 2, "c"]}),
    ({"foo": "bar"}, [{"op": "add", "path": "/child", "value": {"grandchild": {}}}],
     {"foo": "bar", "child": {"grandchild": {}}}),
    ({"foo": ["bar"]}, [{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}], {"foo": ["bar", ["abc", "def"]]}),
    ({"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": 10}], {"/": 9, "~1": 10}),
    ({"a": {"b": 1}}, [{"op": "copy", "from": "/a", "path": "/c"}], {"a": {"b": 1}, "c": {"b": 1}}),
]


@pytest.mark.parametrize(("doc", "patch", "expected"), RFC6902)
def test_rfc6902_examples(doc: dict, patch: list, expected: dict) -> None:
    assert apply_patch(doc, json.dumps(patch).encode(), JSONP, SVC) == expected


@pytest.mark.parametrize(("doc", "patch", "cause"), [
    ({"baz": "qux"}, [{"op": "test", "path": "/baz", "value": "bar"}], "testing value /baz failed: test failed"),
    ({"foo": "bar"}, [{"op": "add", "path": "/baz/bat", "value": "qux"}],
     'add operation does not apply: doc is missing path: "/baz/bat": missing value'),
    ({"foo": "bar"}, [{"op": "remove", "path": "/nope"}],
     "error in remove for path: '/nope': Unable to remove nonexistent key: nope: missing value"),
    ({"a": [1]}, [{"op": "add", "path": "/a/5", "value": 2}],
     "error in add for path: '/a/5': Unable to access invalid index: 5: invalid index referenced"),
    ({"a": [1]}, [{"op": "replace", "path": "/a/3", "value": 2}],
     "replace operation does not apply: doc is missing key: /a/3: missing value"),
    ({"a": 1}, [{"op": "frob", "path": "/a"}], "Unexpected kind: frob"),
])
def test_json_patch_failures_are_422(doc: dict, patch: list, cause: str) -> None:
    with pytest.raises(PatchError) as err:
        apply_patch(doc, json.dumps(patch).encode(), JSONP, SVC)
    assert (err.value.code, err.value.reason, err.value.message) == (422, "Invalid", GENERIC_422)
    assert err.value.cause == cause


def test_json_patch_decode_errors_are_400() -> None:
    with pytest.raises(PatchError) as err:
        apply_patch({}, b'{"op":"add"}', JSONP, SVC)
    assert (err.value.code, err.value.message) == (
        400, "json: cannot unmarshal object into Go value of type jsonpatch.Patch")


def test_json_patch_replace_of_missing_key_adds_it_like_v4() -> None:
    out = apply_patch({"spec": {}}, b'[{"op":"replace","path":"/spec/replicas","value":3}]', JSONP, DEPLOY)
    assert out == {"spec": {"replicas": 3}}


# --------------------------------------------------------------------------- server-side apply

def deployment_config(replicas: int = 2, image: str = "nginx:1.27", labels: dict | None = None) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": labels if labels is not None else {"app": "web"}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "nginx", "image": image,
                                                           "ports": [{"containerPort": 80}]}]}}}}


def ssa(live: dict | None, cfg: dict, manager: str = "kubectl", *, force: bool = False, now: str = T0,
        resource: Any = DEPLOY) -> dict:
    return server_side_apply(live, cfg, manager=manager, force=force, resource=resource, now=now)


def test_ssa_create_records_real_managed_fields() -> None:
    out = ssa(None, deployment_config())
    assert out["spec"]["replicas"] == 2
    [entry] = out["metadata"]["managedFields"]
    assert {k: entry[k] for k in ("manager", "operation", "apiVersion", "time", "fieldsType")} == {
        "manager": "kubectl", "operation": "Apply", "apiVersion": "apps/v1", "time": T0, "fieldsType": "FieldsV1"}
    fields = entry["fieldsV1"]
    assert fields["f:metadata"] == {"f:labels": {"f:app": {}}}
    assert fields["f:spec"]["f:selector"] == {}  # LabelSelector is an atomic struct
    container = fields["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"nginx"}']
    assert list(container)[0] == "."
    assert container["f:ports"] == {'k:{"containerPort":80,"protocol":"TCP"}': {".": {}, "f:containerPort": {}}}


def test_ssa_update_changes_only_named_fields_and_keeps_others() -> None:
    live = ssa(None, deployment_config())
    live["spec"]["revisionHistoryLimit"] = 10  # defaulted by the server, owned by nobody
    out = ssa(live, deployment_config(image="nginx:1.28"), now=T1)
    assert out["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"
    assert out["spec"]["revisionHistoryLimit"] == 10
    assert out["metadata"]["managedFields"][0]["time"] == T1


def test_ssa_removes_fields_the_manager_stopped_applying() -> None:
    live = ssa(None, deployment_config(labels={"app": "web", "tier": "fe"}))
    out = ssa(live, deployment_config(labels={"app": "web"}), now=T1)
    assert out["metadata"]["labels"] == {"app": "web"}
    assert "f:tier" not in json.dumps(out["metadata"]["managedFields"])


def test_ssa_keeps_fields_still_owned_by_another_manager() -> None:
    live = ssa(None, deployment_config(labels={"app": "web", "tier": "fe"}))
    live = ssa(live, {"apiVersion": "apps/v1", "kind": "Deployment",
                      "metadata": {"name": "web", "labels": {"tier": "fe"}}}, "other", now=T1)
    out = ssa(live, deployment_config(labels={"app": "web"}), now=T2)
    assert out["metadata"]["labels"] == {"app": "web", "tier": "fe"}
    managers = {e["manager"] for e in out["metadata"]["managedFields"]}
    assert managers == {"kubectl", "other"}


def test_ssa_apply_vs_apply_conflict_and_force() -> None:
    live = ssa(None, deployment_config(replicas=2))
    with pytest.raises(PatchError) as err:
        ssa(live, {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                   "spec": {"replicas": 5}}, "hpa-tool", now=T1)
    assert err.value.code == 409 and err.value.reason == "Conflict"
    assert err.value.message == 'Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas'
    assert err.value.causes == [{"type": "FieldManagerConflict", "message": 'conflict with "kubectl"',
                                 "field": ".spec.replicas"}]
    out = ssa(live, {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                     "spec": {"replicas": 5}}, "hpa-tool", force=True, now=T1)
    assert out["spec"]["replicas"] == 5
    owners = {e["manager"]: e["fieldsV1"] for e in out["metadata"]["managedFields"]}
    assert "f:replicas" not in owners["kubectl"]["f:spec"]
    assert owners["hpa-tool"]["f:spec"] == {"f:replicas": {}}


def test_ssa_same_value_is_shared_ownership_not_conflict() -> None:
    live = ssa(None, deployment_config(replicas=2))
    out = ssa(live, {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                     "spec": {"replicas": 2}}, "second", now=T1)
    assert len(out["metadata"]["managedFields"]) == 2


def test_ssa_conflict_with_client_side_apply_update() -> None:
    created = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 3}}
    created["metadata"]["managedFields"] = record_update(None, created, "kubectl-client-side-apply", "apps/v1", T0)
    with pytest.raises(PatchError) as err:
        ssa(created, deployment_config(replicas=1), now=T1)
    assert err.value.message == (
        'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas')


def test_ssa_multiple_conflicts_message() -> None:
    live = ssa(None, deployment_config(replicas=2, image="a"))
    with pytest.raises(PatchError) as err:
        ssa(live, deployment_config(replicas=3, image="b"), "other", now=T1)
    assert err.value.message == (
        'Apply failed with 2 conflicts: conflicts with "kubectl":\n- .spec.replicas\n'
        '- .spec.template.spec.containers[name="nginx"].image')


def test_ssa_service_selector_is_atomic_and_ports_keyed_by_port_and_protocol() -> None:
    cfg = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
           "spec": {"selector": {"app": "web", "tier": "fe"}, "ports": [{"port": 80, "targetPort": 8080}]}}
    live = ssa(None, cfg, resource=SVC)
    live["spec"]["ports"][0]["protocol"] = "TCP"  # defaulted by the server
    cfg["spec"]["selector"] = {"app.kubernetes.io/name": "web"}
    out = ssa(live, cfg, resource=SVC, now=T1)
    assert out["spec"]["selector"] == {"app.kubernetes.io/name": "web"}
    assert out["spec"]["ports"] == [{"port": 80, "targetPort": 8080, "protocol": "TCP"}]
    fields = out["metadata"]["managedFields"][0]["fieldsV1"]["f:spec"]
    assert fields["f:selector"] == {}
    assert 'k:{"port":80,"protocol":"TCP"}' in fields["f:ports"]


def test_ssa_ignores_status_on_the_main_resource() -> None:
    cfg = deployment_config()
    cfg["status"] = {"replicas": 9}
    out = ssa(None, cfg)
    assert "status" not in out
    assert "f:status" not in out["metadata"]["managedFields"][0]["fieldsV1"]


def test_record_update_create_marks_new_maps_and_items() -> None:
    svc = service()
    del svc["metadata"]["annotations"]
    mf = record_update(None, svc, "kubectl-client-side-apply", "v1", T0)
    [entry] = mf
    assert entry["operation"] == "Update" and entry["manager"] == "kubectl-client-side-apply"
    fields = entry["fieldsV1"]
    assert fields["f:metadata"] == {"f:labels": {".": {}, "f:app": {}, "f:tier": {}}}
    assert fields["f:spec"]["f:ports"] == {".": {}, 'k:{"port":80,"protocol":"TCP"}': {
        ".": {}, "f:name": {}, "f:port": {}, "f:protocol": {}, "f:targetPort": {}}}
    assert fields["f:spec"]["f:selector"] == {}
    assert "f:name" not in fields["f:metadata"]


def test_record_update_moves_ownership_to_the_writer() -> None:
    live = ssa(None, deployment_config(replicas=2))
    after = copy.deepcopy(live)
    after["spec"]["replicas"] = 4
    mf = record_update(live, after, "kubectl", "apps/v1", T1, subresource="scale")
    by = {(e["manager"], e["operation"]): e for e in mf}
    assert "f:replicas" not in by[("kubectl", "Apply")]["fieldsV1"]["f:spec"]
    scale = by[("kubectl", "Update")]
    assert scale["subresource"] == "scale" and scale["fieldsV1"] == {"f:spec": {"f:replicas": {}}}
    assert [e["operation"] for e in mf] == ["Apply", "Update"]


def test_path_string_format() -> None:
    assert path_string(("f:spec", "f:ports", 'k:{"port":80,"protocol":"TCP"}', "f:targetPort")) == (
        '.spec.ports[port=80,protocol="TCP"].targetPort')
    assert path_string(("f:metadata", "f:finalizers", 'v:"x"')) == '.metadata.finalizers[="x"]'


def test_decode_apply_body_yaml_and_json() -> None:
    assert decode_apply_body(b"apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n")["kind"] == "Service"
    assert decode_apply_body(b'{"kind":"Service"}') == {"kind": "Service"}
    assert decode_apply_body(b"metadata:\n  creationTimestamp: 2024-01-01T00:00:00Z\n")["metadata"][
        "creationTimestamp"] == "2024-01-01T00:00:00Z"
    with pytest.raises(PatchError) as err:
        decode_apply_body(b"- a\n- b\n")
    assert err.value.code == 400 and err.value.message.startswith("error decoding YAML: ")


def test_go_value_formatting_in_error_messages() -> None:
    from svclab.apiserver.patch import go_fmt
    assert go_fmt({"b": [1, 2.5, None, True], "a": "x"}) == "map[a:x b:[1 2.5 <nil> true]]"
    assert [go_fmt(v) for v in (1.0, 123456.0, 1234567.0, 1e-05)] == ["1", "123456", "1.234567e+06", "1e-05"]
