"""The frozen records a cluster's start imports (svclab.records) behave as the frozen dataclasses they were: the same
constructor (positional and keyword, defaults), repr, equality and hash, immutability. Checked against the former
dataclass definitions, copied here."""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from typing import Any

import pytest

from svclab.cluster.bootstrap import NodePlan, node_plans
from svclab.cluster.tls import ServingCerts
from svclab.state.selectors import FieldRequirement, Requirement, parse_label_selector
from svclab.state.sqlite_log import Row
from tests.dataclass_twins import assert_behaves_as_dataclass


@dataclass(frozen=True)
class RowWas:
    revision: int
    name: str
    created: bool
    deleted: bool
    create_revision: int
    value: str


@dataclass(frozen=True)
class NodePlanWas:
    name: str
    ip: str
    pod_cidr: str
    control_plane: bool


@dataclass(frozen=True)
class ServingCertsWas:
    ca_pem: bytes
    cert_pem: bytes
    key_pem: bytes


@dataclass(frozen=True)
class RequirementWas:
    key: str
    op: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class FieldRequirementWas:
    path: str
    op: str
    value: str


CHOICES: dict[str, list[Any]] = {"int": [0, 7], "bool": [True, False], "bytes": [b"", b"-----BEGIN"], "str": ["", "app", "="],
                                 "tuple[str, ...]": [(), ("a", "b")]}
PAIRS = [(Row, RowWas), (NodePlan, NodePlanWas), (ServingCerts, ServingCertsWas), (Requirement, RequirementWas),
         (FieldRequirement, FieldRequirementWas)]


def samples(reference: type) -> list[dict[str, Any]]:
    fields = dataclasses.fields(reference)
    combos = itertools.product(*(CHOICES[str(spec.type)] for spec in fields))
    return [dict(zip((spec.name for spec in fields), combo)) for combo in itertools.islice(combos, 64)]


@pytest.mark.parametrize("mine, reference", PAIRS, ids=[pair[0].__name__ for pair in PAIRS])
def test_each_record_behaves_as_its_dataclass(mine: type, reference: type) -> None:
    assert_behaves_as_dataclass(mine, reference, samples(reference))
    with pytest.raises(TypeError):
        mine()   # every field without a default is required, as before


def test_defaults_and_what_uses_them() -> None:
    assert Requirement("app", "exists") == Requirement("app", "exists", ()) and Requirement("a", "!").values == ()
    assert parse_label_selector("app=web,!old") == [Requirement("app", "=", ("web",)), Requirement("old", "!")]
    assert {Requirement("a", "=", ("b",)): 1}[Requirement("a", "=", ("b",))] == 1
    assert [plan.name for plan in node_plans("svclab")] == ["svclab-control-plane", "svclab-worker", "svclab-worker2"]
    certs = ServingCerts(b"ca", b"cert", b"key")
    assert ServingCerts.from_json(certs.to_json()) == certs and certs.ca_data == "Y2E="


@dataclass
class WatchEventWas:
    type: str
    resource_key: str
    obj: dict[str, Any]
    rv: int


def test_watch_events_compare_and_print_as_the_dataclass_did() -> None:
    from svclab.state.store import WatchEvent

    made = [("ADDED", "pods", {"a": 1}, 1), ("ADDED", "pods", {"a": 1}, 1), ("MODIFIED", "pods", {"a": 1}, 1), ("ADDED", "pods", {}, 2)]
    for one in made:
        assert repr(WatchEvent(*one)) == repr(WatchEventWas(*one)).replace("WatchEventWas", "WatchEvent")
        for other in made:
            assert (WatchEvent(*one) == WatchEvent(*other)) == (WatchEventWas(*one) == WatchEventWas(*other))
    with pytest.raises(TypeError):
        hash(WatchEvent(*made[0]))
    event = WatchEvent(*made[0])
    event.rv = 5   # not frozen
    assert event.rv == 5


def test_the_cluster_config_is_made_and_compared_as_the_dataclass_was() -> None:
    from pathlib import Path

    from svclab.cluster.embedded import ClusterConfig

    first, second = ClusterConfig(), ClusterConfig()
    assert first.token != second.token and len(first.token) == 43   # a new token each (secrets.token_urlsafe(32))
    assert first != second and ClusterConfig(token="t", seed=2) == ClusterConfig(seed=2, token="t")
    made = ClusterConfig(name="c", seed=1, pod_start_seconds=1.0, state_dir=Path("/s"), host_ports="off", token="t", certs_fd=5)
    assert repr(made).startswith("ClusterConfig(name='c', seed=1, pod_start_seconds=1.0, pod_stop_seconds=0.0, "
                                 "namespace_deletion_seconds=5.0, manual_clock=False, state_dir=PosixPath('/s'), host_ports='off', "
                                 "token='t', settle_requests=None, settle_timeout=5.0, exec_limits=")
    assert repr(made).endswith(", certs_fd=5)") and not made.settles and ClusterConfig().settles
    made.token = "other"   # mutable, as before
    assert made.token == "other"


@dataclass
class PortMappingWas:
    host_port: int
    container_port: int
    node: str
    listen_address: str = "127.0.0.1"
    protocol: str = "TCP"
    ok: bool = False
    message: str = ""


def test_a_port_mapping_is_made_compared_and_written_as_the_dataclass_was() -> None:
    from svclab.dataplane.portmappings import PortMapping

    for args in [(30080, 30080, "n"), (1, 2, "m", "0.0.0.0", "UDP", True, "said")]:
        assert repr(PortMapping(*args)) == repr(PortMappingWas(*args)).replace("PortMappingWas", "PortMapping")
        assert PortMapping(*args).as_dict() == dataclasses.asdict(PortMappingWas(*args))
        assert list(PortMapping(*args).as_dict()) == list(dataclasses.asdict(PortMappingWas(*args)))
        assert PortMapping(*args) == PortMapping(*args) and PortMapping(*args) != PortMapping(9, 9, "x")
