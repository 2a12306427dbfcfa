"""kind/cluster.yaml read the way kind v1alpha4 reads it (see kind_schema), plus the course's own needs."""

from __future__ import annotations

import copy
import ipaddress
from pathlib import Path
from typing import Any

import pytest
import yaml

from kind_schema import load_errors
from svclab import version
from svclab.cluster import kind

CONFIG = kind.default_config_path()


@pytest.fixture
def config() -> dict[str, Any]:
    data = yaml.safe_load(CONFIG.read_text())
    assert isinstance(data, dict)
    return data


def test_kind_would_load_it(config: dict[str, Any]) -> None:
    assert load_errors(config, version.KIND_NODE_IMAGE) == []


def test_type_and_name(config: dict[str, Any]) -> None:
    assert config["apiVersion"] == "kind.x-k8s.io/v1alpha4"
    assert config["kind"] == "Cluster"
    assert config["name"] == kind.DEFAULT_NAME


def test_one_control_plane_and_two_workers_on_the_pinned_image(config: dict[str, Any]) -> None:
    assert [n["role"] for n in config["nodes"]] == ["control-plane", "worker", "worker"]
    assert {n["image"] for n in config["nodes"]} == {version.KIND_NODE_IMAGE}
    assert kind.config_node_images(CONFIG) == [version.KIND_NODE_IMAGE] * 3


def test_networking_states_the_course_ranges(config: dict[str, Any]) -> None:
    net = config["networking"]
    assert net["podSubnet"] == version.POD_CIDR == "10.244.0.0/16"
    assert net["serviceSubnet"] == version.SERVICE_CIDR == "10.96.0.0/16"
    # the fixed ClusterIPs the lessons show lie in the service range
    for ip in ("10.96.0.1", "10.96.0.10"):
        assert ipaddress.ip_address(ip) in ipaddress.ip_network(net["serviceSubnet"])


def test_nodeport_mapping_on_the_control_plane_only(config: dict[str, Any]) -> None:
    control_plane, *workers = config["nodes"]
    mappings = control_plane["extraPortMappings"]
    assert {"containerPort": 30080, "hostPort": 30080, "listenAddress": "127.0.0.1", "protocol": "TCP"} in mappings
    low, high = version.NODE_PORT_RANGE
    for mapping in mappings:
        assert low <= mapping["containerPort"] <= high, "a mapped container port must be a NodePort"
        assert mapping["listenAddress"] == "127.0.0.1", "only loopback: nothing exposed to the network"
    assert all("extraPortMappings" not in w for w in workers)


# The validator is only worth something if it refuses what kind refuses.
@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda c: c.update(apiVersion="kind.x-k8s.io/v1alpha3"), "unknown apiVersion"),
        (lambda c: c.update(kind="Config"), "unknown kind"),
        (lambda c: c["networking"].update(podSubnets="10.244.0.0/16"), ".networking.podSubnets: field not found"),
        (lambda c: c["nodes"][0]["extraPortMappings"][0].update(hostport=30080), "hostport: field not found"),
        (lambda c: c["nodes"][1].update(role="master"), "'master' is not a valid node role"),
        (lambda c: c["nodes"][0].update(role="worker"), "must have at least one control-plane node"),
        (lambda c: c["networking"].update(serviceSubnet="10.96.0.0/33"), "invalid service subnet"),
        (lambda c: c["networking"].update(podSubnet="fd00:10:244::/64"), "expected IPv4 CIDR"),
        (lambda c: c["nodes"][0]["extraPortMappings"][0].update(hostPort=70000), "invalid hostPort"),
        (lambda c: c["nodes"][0]["extraPortMappings"][0].update(containerPort="30080"), "expected an integer"),
        (lambda c: c["nodes"][0]["extraPortMappings"].append(dict(c["nodes"][0]["extraPortMappings"][0])), "already configured"),
        (lambda c: c.update(name="SvcLab"), "is not a valid cluster name"),
    ],
)
def test_validator_refuses_what_kind_refuses(config: dict[str, Any], mutate: Any, message: str) -> None:
    broken = copy.deepcopy(config)
    mutate(broken)
    errors = load_errors(broken, version.KIND_NODE_IMAGE)
    assert any(message in e for e in errors), errors


def test_readme_documents_create_offline_and_delete() -> None:
    text = (Path(CONFIG).parent / "README.md").read_text()
    assert "kind create cluster --name svclab --config kind/cluster.yaml" in text
    assert "kind load docker-image" in text and "docker pull" in text
    assert "kind delete cluster --name svclab" in text
    for image in kind.read_images(kind.default_images_path()):
        assert image in text, f"kind/README.md does not mention {image}"
