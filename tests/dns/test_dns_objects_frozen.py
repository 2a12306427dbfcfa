"""svclab.dns.objects' classes behave as the frozen dataclasses they were (written out so that importing them costs no
dataclass processing at a cluster's start): the same constructor, fields, repr, equality and hash (labels kept but not
compared), immutability. Checked against those dataclass definitions, copied here."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field
from typing import Any

import pytest

from svclab.dns import objects
from tests.dataclass_twins import assert_behaves_as_dataclass


@dataclass(frozen=True)
class Port:
    port: int
    name: str
    protocol: str


@dataclass(frozen=True)
class Service:
    name: str
    namespace: str
    cluster_ips: tuple[str, ...]
    type: str
    external_name: str
    ports: tuple[Any, ...]
    external_ips: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Address:
    ip: str
    hostname: str
    node_name: str
    target_ref_name: str


@dataclass(frozen=True)
class Endpoints:
    name: str
    namespace: str
    index: str
    addresses: tuple[Any, ...]
    ports: tuple[Any, ...]
    labels: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Pod:
    name: str
    namespace: str
    pod_ip: str
    labels: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Namespace:
    name: str
    labels: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


PAIRS = [(objects.Port, Port), (objects.Service, Service), (objects.Address, Address), (objects.Endpoints, Endpoints),
         (objects.Pod, Pod), (objects.Namespace, Namespace)]


def values(draw: random.Random, reference: type) -> dict[str, Any]:
    made: dict[str, Any] = {}
    for spec in dataclasses.fields(reference):
        kind = str(spec.type)
        if spec.name == "labels":
            made[spec.name] = draw.choice([{}, {"app": "web"}, {"app": "db"}])
        elif kind == "int":
            made[spec.name] = draw.choice([-1, 53, 80])
        elif kind.startswith("tuple"):
            made[spec.name] = draw.choice([(), ("10.96.0.1",), (Port(80, "http", "TCP"),)])
        else:
            made[spec.name] = draw.choice(["", "a", "web", "None"])
    return made


@pytest.mark.parametrize("mine, reference", PAIRS, ids=[pair[1].__name__ for pair in PAIRS])
def test_each_class_behaves_as_its_dataclass(mine: type, reference: type) -> None:
    draw = random.Random(reference.__name__)
    names = [spec.name for spec in dataclasses.fields(reference)]
    made = [values(draw, reference) for _ in range(60)]
    assert_behaves_as_dataclass(mine, reference, made)
    if "labels" in names:
        required = {name: made[0][name] for name in names if dataclasses.fields(reference)[names.index(name)].default is dataclasses.MISSING
                    and dataclasses.fields(reference)[names.index(name)].default_factory is dataclasses.MISSING}
        first, second = mine(**required), mine(**required)
        assert first.labels == {} and first.labels is not second.labels   # a new dict each, as default_factory=dict


def test_the_properties() -> None:
    service = objects.Service("web", "shop", ("None",), "ClusterIP", "", (objects.Port(-1, "", ""),))
    assert service.index == "web.shop" and service.headless and service.external_ips == ()
    slice_ = objects.Endpoints("web-abc", "shop", "web.shop", (objects.Address("10.244.1.2", "", "n", "p"),
                                                               objects.Address("10.244.1.3", "", "n", "q")), ())
    assert slice_.index_ips == ("10.244.1.2", "10.244.1.3") and slice_.index == "web.shop"
