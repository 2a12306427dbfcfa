"""Each validation error a learner is likely to hit, as the real kubectl prints it against the cluster."""

from __future__ import annotations

import pytest

from tests.conftest import Kubectl

SERVICE = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n{labels}spec:\n{spec}"

CASES = {
    "headless NodePort": (
        SERVICE.format(name="hl", labels="", spec="  type: NodePort\n  clusterIP: None\n  selector: {app: db}\n  ports: [{port: 3306}]\n"),
        ['The Service "hl" is invalid: spec.clusterIPs[0]: Invalid value: "None": may not be set to \'None\' for NodePort services'],
    ),
    "headless LoadBalancer": (
        SERVICE.format(name="hllb", labels="", spec="  type: LoadBalancer\n  clusterIP: None\n  selector: {app: db}\n  ports: [{port: 3306}]\n"),
        ['The Service "hllb" is invalid: spec.clusterIPs[0]: Invalid value: "None": may not be set to \'None\' for LoadBalancer services'],
    ),
    "two ports without names": (
        SERVICE.format(name="two", labels="", spec="  selector: {app: web}\n  ports: [{port: 80}, {port: 443}]\n"),
        ['The Service "two" is invalid: ', "* spec.ports[0].name: Required value", "* spec.ports[1].name: Required value"],
    ),
    "duplicate port names": (
        SERVICE.format(name="dup", labels="", spec="  selector: {app: web}\n  ports: [{name: http, port: 80}, {name: http, port: 8080}]\n"),
        ['The Service "dup" is invalid: spec.ports[1].name: Duplicate value: "http"'],
    ),
    "port out of range": (
        SERVICE.format(name="badport", labels="", spec="  selector: {app: web}\n  ports: [{port: 70000, targetPort: 8080}]\n"),
        ['The Service "badport" is invalid: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive'],
    ),
    "label value with a space": (
        SERVICE.format(name="badlabel", labels='  labels: {tier: "front end"}\n', spec="  selector: {app: web}\n  ports: [{port: 80}]\n"),
        ['The Service "badlabel" is invalid: metadata.labels: Invalid value: "front end": a valid label must be an empty string or consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyValue\',  or \'my_value\',  or \'12345\', regex used for validation is \'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\')'],
    ),
    "service name not DNS-1035": (
        SERVICE.format(name="Web_Service", labels="", spec="  selector: {app: web}\n  ports: [{port: 80}]\n"),
        ['The Service "Web_Service" is invalid: metadata.name: Invalid value: "Web_Service": a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')'],
    ),
    "statefulset selector does not match the template": (
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  serviceName: db\n  selector: {matchLabels: {app: db}}\n"
        "  template:\n    metadata: {labels: {app: mysql}}\n    spec: {containers: [{name: db, image: \"busybox:1.36.1\"}]}\n",
        ['The StatefulSet "db" is invalid: spec.template.metadata.labels: Invalid value: {"app":"mysql"}: `selector` does not match template `labels`'],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_invalid_manifest_is_refused_with_the_real_message(k: Kubectl, ns: str, case: str) -> None:
    manifest, expected = CASES[case]
    result = k("-n", ns, "apply", "-f", "-", stdin=manifest, check=False)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == expected
    assert k("-n", ns, "get", "svc,sts", "-o", "name").stdout == ""  # nothing was stored


def test_not_found_and_already_exists(k: Kubectl, ns: str) -> None:
    missing = k("-n", ns, "get", "svc", "nope", check=False)
    assert (missing.returncode, missing.stderr.strip()) == (1, 'Error from server (NotFound): services "nope" not found')
    manifest = SERVICE.format(name="web", labels="", spec="  selector: {app: web}\n  ports: [{port: 80}]\n")
    assert k("-n", ns, "create", "-f", "-", stdin=manifest).stdout.strip() == "service/web created"
    again = k("-n", ns, "create", "-f", "-", stdin=manifest, check=False)
    assert (again.returncode, again.stderr.strip()) == (1, 'Error from server (AlreadyExists): error when creating "STDIN": services "web" already exists')


def test_cluster_ip_cannot_change(k: Kubectl, ns: str) -> None:
    k("-n", ns, "apply", "-f", "-", stdin=SERVICE.format(name="web", labels="", spec="  selector: {app: web}\n  ports: [{port: 80}]\n"))
    before = k("-n", ns, "get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}").stdout
    result = k("-n", ns, "patch", "svc", "web", "-p", '{"spec":{"clusterIP":"10.96.0.99"}}', check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == 'The Service "web" is invalid: spec.clusterIPs[0]: Invalid value: ["10.96.0.99"]: may not change once set'
    assert k("-n", ns, "get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}").stdout == before


def test_requested_cluster_ip_is_honoured_or_refused(k: Kubectl, ns: str) -> None:
    spec = "  clusterIP: 10.96.0.50\n  selector: {app: web}\n  ports: [{port: 80}]\n"
    k("-n", ns, "apply", "-f", "-", stdin=SERVICE.format(name="fixed", labels="", spec=spec))
    assert k("-n", ns, "get", "svc", "fixed", "-o", "jsonpath={.spec.clusterIP}").stdout == "10.96.0.50"
    taken = k("-n", ns, "apply", "-f", "-", stdin=SERVICE.format(name="clash", labels="", spec=spec), check=False)
    assert taken.stderr.strip() == 'The Service "clash" is invalid: spec.clusterIPs: Invalid value: ["10.96.0.50"]: failed to allocate IP 10.96.0.50: provided IP is already allocated'


def test_malformed_yaml_is_one_clear_line_and_nothing_is_touched(k: Kubectl, ns: str) -> None:
    broken = "apiVersion: v1\nkind: Service\nmetadata:\n  name: broken\n spec:\n  ports: [{port: 80}\n"
    result = k("-n", ns, "apply", "-f", "-", stdin=broken, check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: error parsing STDIN: error converting YAML to JSON: yaml: line 4: did not find expected key"


TYPO = SERVICE.format(name="typo", labels="", spec="  selctor: {app: web}\n  ports: [{port: 80, nme: http}]\n")


def test_a_misspelled_field_is_refused_by_default(k: Kubectl, ns: str) -> None:
    """kubectl validates strictly by default (fieldValidation=Strict): the typo is an error, not a silent no-op."""
    result = k("-n", ns, "apply", "-f", "-", stdin=TYPO, check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == 'Error from server (BadRequest): error when creating "STDIN": Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.ports[0].nme", unknown field "spec.selctor"'
    applied = k("-n", ns, "apply", "--server-side", "-f", "-", stdin=TYPO, check=False)
    assert applied.stderr.strip() == f"Error from server: failed to create typed patch object ({ns}/typo; /v1, Kind=Service): .spec.ports[0].nme: field not declared in schema, .spec.selctor: field not declared in schema"
    assert k("-n", ns, "get", "svc", "-o", "name").stdout == ""


def test_with_validation_relaxed_unknown_fields_are_dropped_with_a_warning(k: Kubectl, ns: str) -> None:
    result = k("-n", ns, "create", "--validate=warn", "-f", "-", stdin=TYPO)
    assert result.stdout.strip() == "service/typo created"
    assert result.stderr.splitlines() == ['Warning: unknown field "spec.ports[0].nme"', 'Warning: unknown field "spec.selctor"']
    assert k("-n", ns, "get", "svc", "typo", "-o", "jsonpath={.spec.selector}{.spec.ports[0].name}").stdout == ""
