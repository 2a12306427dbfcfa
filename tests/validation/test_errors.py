"""Status objects, exactly as the apiserver serializes them."""

from __future__ import annotations

import random

from vhelpers import DEPLOYMENT, POD, SERVICE

from svclab.validation import allocation, errors
from svclab.validation import field as f
from svclab.validation.strategy import generate_name


def test_not_found_status() -> None:
    assert errors.not_found(SERVICE, "web").status == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'services "web" not found', "reason": "NotFound",
        "details": {"name": "web", "kind": "services"}, "code": 404,
    }
    assert errors.not_found(DEPLOYMENT, "web").status["details"] == {"name": "web", "group": "apps", "kind": "deployments"}
    assert errors.not_found(DEPLOYMENT, "web").message == 'deployments.apps "web" not found'


def test_already_exists_and_conflict() -> None:
    err = errors.already_exists(SERVICE, "web")
    assert (err.code, err.reason, err.message) == (409, "AlreadyExists", 'services "web" already exists')
    err = errors.conflict(SERVICE, "web")
    assert (err.code, err.reason) == (409, "Conflict")
    assert err.message == (
        'Operation cannot be fulfilled on services "web": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )


def test_invalid_single_and_aggregate() -> None:
    one = errors.invalid(SERVICE, "web", [f.required("spec.ports")])
    assert one.status == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'Service "web" is invalid: spec.ports: Required value', "reason": "Invalid",
        "details": {"name": "web", "kind": "Service",
                    "causes": [{"reason": "FieldValueRequired", "message": "Required value", "field": "spec.ports"}]},
        "code": 422,
    }
    dup = f.duplicate("spec.ports[1].name", "http")
    two = errors.invalid(SERVICE, "web", [dup, f.required("spec.ports[1].port"), dup])
    assert two.message == (
        'Service "web" is invalid: [spec.ports[1].name: Duplicate value: "http", spec.ports[1].port: Required value]'
    )
    assert len(two.status["details"]["causes"]) == 3


def test_bad_request_namespace_mismatch_and_terminating() -> None:
    from svclab.validation import messages as m

    err = errors.bad_request(m.NAMESPACE_MISMATCH)
    assert err.status == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                          "message": "the namespace of the provided object does not match the namespace sent on the request",
                          "reason": "BadRequest", "code": 400}
    err = errors.namespace_terminating(POD, "client", "lab")
    assert err.message == 'pods "client" is forbidden: unable to create new content in namespace lab because it is being terminated'
    assert err.status["details"]["causes"] == [
        {"reason": "NamespaceTerminating", "message": "namespace lab is being terminated", "field": "metadata.namespace"}
    ]
    assert errors.namespace_not_found("lab").message == 'namespaces "lab" not found'


def test_other_statuses() -> None:
    assert errors.unauthorized().status == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                            "message": "Unauthorized", "reason": "Unauthorized", "code": 401}
    assert errors.resource_not_found().status["details"] == {}
    assert errors.resource_not_found().message == "the server could not find the requested resource"
    assert (errors.method_not_allowed().code, errors.method_not_allowed().reason) == (405, "MethodNotAllowed")
    assert errors.too_large().message == "Request entity too large: limit is 3145728"
    gone = errors.too_old_resource_version(5, 100)
    assert (gone.code, gone.reason, gone.message) == (410, "Expired", "too old resource version: 5 (100)")


def test_allocation_errors() -> None:
    assert allocation.node_port_not_in_range("webapp", 0, 8080).message == (
        'Service "webapp" is invalid: spec.ports[0].nodePort: Invalid value: 8080: '
        "provided port is not in the valid range. The range of valid ports is 30000-32767"
    )
    assert allocation.node_port_already_allocated("web", 1, 30080).message == (
        'Service "web" is invalid: spec.ports[1].nodePort: Invalid value: 30080: provided port is already allocated'
    )
    assert allocation.cluster_ip_already_allocated("web", ["10.96.0.10"], "10.96.0.10").message == (
        'Service "web" is invalid: spec.clusterIPs: Invalid value: ["10.96.0.10"]: '
        "failed to allocate IP 10.96.0.10: provided IP is already allocated"
    )


def test_generate_name() -> None:
    name = generate_name("web-", random.Random(1))
    assert name.startswith("web-") and len(name) == 9
    assert set(name[4:]) <= set("bcdfghjklmnpqrstvwxz2456789")
    assert len(generate_name("x" * 80, random.Random(1))) == 63
