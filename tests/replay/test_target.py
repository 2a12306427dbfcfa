"""The replay target itself: a namespace of its own, reachable by kubectl and by the Python client."""

from __future__ import annotations

from tests.replay.conftest import ReplayTarget


def test_the_target_namespace_exists_for_kubectl_and_the_client(target: ReplayTarget) -> None:
    out = target.kubectl("get", "namespace", target.namespace, "-o", "jsonpath={.status.phase}").stdout
    assert out == "Active"
    from kubernetes import client

    api = target.api_client()
    try:
        names = [ns.metadata.name for ns in client.CoreV1Api(api).list_namespace().items]
    finally:
        api.close()  # type: ignore[attr-defined]
    assert target.namespace in names and "default" in names
