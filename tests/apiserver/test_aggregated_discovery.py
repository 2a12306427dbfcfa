"""Aggregated discovery (apidiscovery.k8s.io/v2): /api and /apis answer every group's resources in one document
when the client asks for it by content negotiation, as kube-apiserver does
(k8s.io/apiserver/pkg/endpoints/discovery/aggregated), and kubectl then needs no per-group-version request."""

from __future__ import annotations

import json
import re
import ssl
import urllib.error
import urllib.request
from typing import Any

import pytest

from svclab.apiserver import discovery
from svclab.cluster.embedded import EmbeddedCluster
from tests.conftest import Kubectl

# What kubectl v1.36 (client-go's discovery client) sends to /api and /apis.
KUBECTL_ACCEPT = ("application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                  "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json")


def _get(cluster: EmbeddedCluster, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    context = ssl.create_default_context(cadata=cluster.certs.ca_pem.decode())
    request = urllib.request.Request(cluster.api_url + path, headers={"Authorization": f"Bearer {cluster.token}", **headers})
    try:
        with urllib.request.urlopen(request, context=context, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


@pytest.mark.parametrize("accept, aggregated", [
    (KUBECTL_ACCEPT, True),
    ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", True),
    ("application/json;as=APIGroupDiscoveryList;v=v2;g=apidiscovery.k8s.io;q=0.9, text/plain;q=0.1", True),
    ("application/json", False),
    ("", False),
    ("*/*", False),
    # v2beta1 is no longer served (negotiation.go: IsAggregatedDiscoveryGVK is v2 only): the next range wins
    ("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json", False),
    # a range with a lower q loses to plain JSON, whatever the order
    ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;q=0.5,application/json", False),
])
def test_negotiation_picks_the_aggregated_document_only_when_asked_first(accept: str, aggregated: bool) -> None:
    assert discovery.wants_aggregated(accept) is aggregated


def test_the_aggregated_document_holds_what_each_group_versions_list_holds() -> None:
    """Every APIResourceList entry appears once, converted as installer.go's ConvertGroupVersionIntoToDiscovery
    does: subresources under their parent, scope from namespaced, responseKind with the entry's own group/version."""
    for legacy, groups in ((True, [""]), (False, [g for g in discovery.GROUP_ORDER if g])):
        body, etag = discovery.aggregated(legacy)
        document = json.loads(body)
        assert (document["kind"], document["apiVersion"], document["metadata"]) == ("APIGroupDiscoveryList", "apidiscovery.k8s.io/v2", {})
        assert re.fullmatch(r"[0-9A-F]{128}", etag)
        assert [item["metadata"].get("name", "") for item in document["items"]] == groups
        for item in document["items"]:
            for version in item["versions"]:
                assert version["freshness"] == "Current"
                listing = discovery.resource_list(item["metadata"].get("name", ""), version["version"])
                assert listing is not None
                flattened = []
                for res in version["resources"]:
                    flattened.append((res["resource"], res["scope"] == "Namespaced", res["responseKind"]["kind"], res["verbs"], res["singularResource"]))
                    for sub in res.get("subresources", []):
                        kind = sub["responseKind"]
                        flattened.append((f"{res['resource']}/{sub['subresource']}", res["scope"] == "Namespaced", kind["kind"], sub["verbs"], ""))
                        if sub["subresource"] == "scale":
                            assert (kind["group"], kind["version"]) == ("autoscaling", "v1")
                expected = [(e["name"], e["namespaced"], e["kind"], e["verbs"], e["singularName"]) for e in listing["resources"]]
                assert sorted(flattened) == sorted(expected)
    assert discovery.aggregated(True)[1] != discovery.aggregated(False)[1]


def test_api_and_apis_answer_aggregated_with_an_etag_and_304_when_unchanged(cluster: EmbeddedCluster) -> None:
    for path, plain_kind in (("/api", "APIVersions"), ("/apis", "APIGroupList")):
        status, headers, body = _get(cluster, path, Accept=KUBECTL_ACCEPT)
        assert status == 200
        assert headers["Content-Type"] == discovery.AGGREGATED_MEDIA_TYPE
        assert (headers["Vary"], headers["Cache-Control"]) == ("Accept", "public")
        assert json.loads(body)["kind"] == "APIGroupDiscoveryList"
        etag = headers["ETag"]
        assert etag == f'"{discovery.aggregated(path == "/api")[1]}"'
        status, headers, body = _get(cluster, path, Accept=KUBECTL_ACCEPT, **{"If-None-Match": etag})
        assert (status, body) == (304, b"")
        status, headers, body = _get(cluster, path, Accept=KUBECTL_ACCEPT, **{"If-None-Match": '"stale"'})
        assert status == 200 and json.loads(body)["kind"] == "APIGroupDiscoveryList"
        status, headers, body = _get(cluster, path, Accept="application/json")
        assert status == 200 and json.loads(body)["kind"] == plain_kind and "ETag" not in headers


def _requested_paths(kubectl: Kubectl, *args: str) -> tuple[str, list[str]]:
    result = kubectl(*args, "-v=6")
    return result.stdout, re.findall(r'"GET" url="https://[^/]+(/[^"?]*)', result.stderr) or re.findall(r"GET https://[^/\s]+(/\S*?)[\s?]", result.stderr)


def test_kubectl_discovers_from_two_documents_and_lists_the_same_resources(kubectl: Kubectl, cluster: EmbeddedCluster) -> None:
    """With a fresh discovery cache kubectl reads /api and /apis and nothing per group version, and what
    `kubectl api-resources` prints is what the per-group-version lists say."""
    printed, paths = _requested_paths(kubectl, "api-resources", "-o", "wide", "--no-headers")
    assert paths, "kubectl -v=6 logged no request"
    assert not [p for p in paths if re.fullmatch(r"/api/v1|/apis/[^/]+/[^/]+", p)], paths
    assert {"/api", "/apis"} <= set(paths)
    rows = set()
    for line in printed.splitlines():
        fields = line.split()
        # NAME [SHORTNAMES] APIVERSION NAMESPACED KIND VERBS [CATEGORIES]
        at = next(i for i, f in enumerate(fields) if f in ("true", "false"))
        rows.add((fields[0], fields[at - 1], fields[at] == "true", fields[at + 1], fields[at + 2].strip("[]")))
    expected = set()
    for group in discovery.GROUP_ORDER:
        version = discovery.of_group(group)[0].version
        listing: Any = discovery.resource_list(group, version)
        for entry in listing["resources"]:
            if "/" not in entry["name"]:
                expected.add((entry["name"], listing["groupVersion"], entry["namespaced"], entry["kind"], ",".join(entry["verbs"])))
    assert rows == expected


def test_a_304_has_the_reason_phrase_and_neither_body_nor_content_length(cluster: EmbeddedCluster) -> None:
    """net/http writes `304 Not Modified` without a body or Content-Length (bodyAllowedForStatus), and the
    connection stays usable for the next request."""
    import http.client

    context = ssl.create_default_context(cadata=cluster.certs.ca_pem.decode())
    host, port = cluster.api_url.removeprefix("https://").rsplit(":", 1)
    connection = http.client.HTTPSConnection(host, int(port), context=context, timeout=30)
    auth = {"Authorization": f"Bearer {cluster.token}", "Accept": KUBECTL_ACCEPT}
    etag = f'"{discovery.aggregated(False)[1]}"'
    try:
        connection.request("GET", "/apis", headers={**auth, "If-None-Match": etag})
        answer = connection.getresponse()
        assert (answer.status, answer.reason, answer.read()) == (304, "Not Modified", b"")
        assert answer.getheader("Content-Length") is None and answer.getheader("ETag") == etag
        connection.request("GET", "/apis", headers=auth)
        answer = connection.getresponse()
        assert answer.status == 200 and json.loads(answer.read())["kind"] == "APIGroupDiscoveryList"
    finally:
        connection.close()
