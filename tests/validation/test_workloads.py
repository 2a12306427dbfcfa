"""Pod, Deployment, ReplicaSet, StatefulSet, EndpointSlice and Namespace validation messages."""

from __future__ import annotations

from vhelpers import (
    DEPLOYMENT,
    ENDPOINTSLICE,
    NAMESPACE,
    POD,
    REPLICASET,
    STATEFULSET,
    message,
    pod,
    pod_spec,
    update_message,
    workload,
)

DNS1123_LABEL = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
    "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)


def test_valid_pod() -> None:
    assert message(POD, pod()) == ""


def test_pod_containers_required() -> None:
    assert message(POD, pod(containers=[])) == 'Pod "client" is invalid: spec.containers: Required value'


def test_container_name_and_image() -> None:
    obj = pod(containers=[{"name": "App"}])
    assert message(POD, obj) == (
        f'Pod "client" is invalid: [spec.containers[0].name: Invalid value: "App": {DNS1123_LABEL}, '
        "spec.containers[0].image: Required value]"
    )


def test_container_port_range_and_duplicate_names() -> None:
    ports = [{"name": "http", "containerPort": 80}, {"name": "http", "containerPort": 70000}]
    obj = pod(containers=[{"name": "app", "image": "nginx", "ports": ports}])
    assert message(POD, obj) == (
        'Pod "client" is invalid: [spec.containers[0].ports[1].name: Duplicate value: "http", '
        "spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive]"
    )


def test_hostname_and_subdomain_are_dns1123_labels() -> None:
    assert message(POD, pod(hostname="web.0", subdomain="web")) == (
        'Pod "client" is invalid: spec.hostname: Invalid value: "web.0": must not contain dots'
    )


def test_probe_needs_exactly_one_handler() -> None:
    obj = pod(containers=[{"name": "app", "image": "nginx", "readinessProbe": {"periodSeconds": 5}}])
    assert message(POD, obj) == (
        'Pod "client" is invalid: spec.containers[0].readinessProbe: Required value: must specify a handler type'
    )
    two = {"exec": {"command": ["true"]}, "tcpSocket": {"port": 80}}
    obj = pod(containers=[{"name": "app", "image": "nginx", "readinessProbe": two}])
    assert message(POD, obj) == (
        'Pod "client" is invalid: spec.containers[0].readinessProbe.tcpSocket: Forbidden: '
        "may not specify more than 1 handler type"
    )


def test_liveness_success_threshold_must_be_one() -> None:
    probe = {"httpGet": {"port": "http"}, "successThreshold": 2}
    obj = pod(containers=[{"name": "app", "image": "nginx", "livenessProbe": probe}])
    assert message(POD, obj) == 'Pod "client" is invalid: spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1'


def test_pod_update_may_change_image_only() -> None:
    old = pod()
    new = pod(containers=[{"name": "app", "image": "nginx:1.28"}])
    assert update_message(POD, new, old) == ""
    new = pod(hostname="other")
    text = update_message(POD, new, old)
    assert text.startswith(
        'Pod "client" is invalid: spec: Forbidden: pod updates may not change fields other than '
        "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
        "`spec.tolerations` (only additions to existing tolerations),"
        "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n"
    )
    assert "hostname" in text


def test_pod_update_may_not_add_containers() -> None:
    new = pod(containers=[{"name": "app", "image": "nginx"}, {"name": "side", "image": "busybox"}])
    assert update_message(POD, new, pod()) == (
        'Pod "client" is invalid: spec.containers: Forbidden: pod updates may not add or remove containers'
    )


def test_deployment_selector_must_match_template_labels() -> None:
    obj = workload("Deployment", labels={"app": "check-out"})
    assert message(DEPLOYMENT, obj) == (
        'Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: {"app":"check-out"}: '
        "`selector` does not match template `labels`"
    )


def test_deployment_selector_required() -> None:
    obj = workload("Deployment")
    del obj["spec"]["selector"]
    assert message(DEPLOYMENT, obj) == (
        'Deployment.apps "web" is invalid: [spec.selector: Required value, '
        'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`]'
    )


def test_deployment_empty_selector() -> None:
    obj = workload("Deployment", selector={})
    assert message(DEPLOYMENT, obj) == (
        'Deployment.apps "web" is invalid: spec.selector: Invalid value: {}: empty selector is invalid for deployment'
    )


def test_negative_replicas_and_template_restart_policy() -> None:
    template = {"metadata": {"labels": {"app": "web"}}, "spec": pod_spec(restartPolicy="Never")}
    obj = workload("ReplicaSet", replicas=-1, template=template)
    assert message(REPLICASET, obj) == (
        'ReplicaSet.apps "web" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, '
        'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"]'
    )


def test_deployment_selector_is_immutable() -> None:
    old = workload("Deployment")
    new = workload("Deployment", labels={"app": "checkout", "tier": "backend"},
                   selector={"matchLabels": {"tier": "backend", "app": "checkout"}})
    assert update_message(DEPLOYMENT, new, old) == (
        'Deployment.apps "web" is invalid: spec.selector: Invalid value: '
        '{"matchLabels":{"app":"checkout","tier":"backend"}}: field is immutable'
    )


def test_statefulset_pod_management_policy() -> None:
    obj = workload("StatefulSet", serviceName="web", podManagementPolicy="Random")
    assert message(STATEFULSET, obj) == (
        "StatefulSet.apps \"web\" is invalid: spec.podManagementPolicy: Invalid value: \"Random\": "
        "must be 'OrderedReady' or 'Parallel'"
    )


def test_statefulset_without_service_name_is_valid() -> None:
    assert message(STATEFULSET, workload("StatefulSet")) == ""


def test_statefulset_update_forbidden_fields() -> None:
    old = workload("StatefulSet", serviceName="web")
    assert update_message(STATEFULSET, workload("StatefulSet", serviceName="web", replicas=5), old) == ""
    new = workload("StatefulSet", serviceName="web-headless")
    assert update_message(STATEFULSET, new, old) == (
        "StatefulSet.apps \"web\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than "
        "'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', "
        "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
    )


def _slice(**extra: object) -> dict[str, object]:
    obj: dict[str, object] = {"metadata": {"name": "web-abcde", "namespace": "default"}, "addressType": "IPv4",
                              "endpoints": [{"addresses": ["10.244.1.5"]}], "ports": [{"name": "http", "port": 80}]}
    obj.update(extra)
    return obj


def test_endpointslice_address_type_and_addresses() -> None:
    assert message(ENDPOINTSLICE, _slice()) == ""
    assert message(ENDPOINTSLICE, _slice(addressType="IP")) == (
        'EndpointSlice.discovery.k8s.io "web-abcde" is invalid: addressType: Unsupported value: "IP": '
        'supported values: "FQDN", "IPv4", "IPv6"'
    )
    assert message(ENDPOINTSLICE, _slice(endpoints=[{"addresses": ["fd00::1"]}])) == (
        'EndpointSlice.discovery.k8s.io "web-abcde" is invalid: endpoints[0].addresses[0]: '
        'Invalid value: "fd00::1": must be a valid IPv4 address'
    )
    assert message(ENDPOINTSLICE, _slice(endpoints=[{"addresses": []}])) == (
        'EndpointSlice.discovery.k8s.io "web-abcde" is invalid: endpoints[0].addresses: '
        "Required value: must contain at least 1 address"
    )


def test_endpointslice_port_names() -> None:
    ports = [{"name": "http", "port": 80}, {"name": "http", "port": 81}]
    assert message(ENDPOINTSLICE, _slice(ports=ports)) == (
        'EndpointSlice.discovery.k8s.io "web-abcde" is invalid: ports[1].name: Duplicate value: "http"'
    )


def test_namespace_name_is_a_dns1123_label() -> None:
    assert message(NAMESPACE, {"metadata": {"name": "team-a"}}) == ""
    assert message(NAMESPACE, {"metadata": {"name": "team.a"}}) == (
        'Namespace "team.a" is invalid: metadata.name: Invalid value: "team.a": must not contain dots'
    )
