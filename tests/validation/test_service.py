"""Service validation: manifest -> the exact message a v1.35 apiserver returns."""

from __future__ import annotations

from vhelpers import SERVICE, message, service, update_message

DNS1035 = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
    "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
DNS1123_LABEL = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
    "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)


def test_valid_service_has_no_errors() -> None:
    assert message(SERVICE, service(ports=[{"name": "http", "port": 80, "targetPort": 8080}])) == ""


def test_service_name_must_be_dns1035() -> None:
    assert message(SERVICE, service("1web")) == f'Service "1web" is invalid: metadata.name: Invalid value: "1web": {DNS1035}'


def test_service_name_required() -> None:
    obj = service()
    del obj["metadata"]["name"]
    assert message(SERVICE, obj) == 'Service "" is invalid: metadata.name: Required value: name or generateName is required'


def test_ports_required() -> None:
    assert message(SERVICE, service(ports=[])) == 'Service "web" is invalid: spec.ports: Required value'


def test_headless_service_needs_no_ports() -> None:
    assert message(SERVICE, service(ports=[], clusterIP="None")) == ""


def test_port_names_required_with_several_ports() -> None:
    obj = service(ports=[{"name": "http", "port": 80}, {"port": 443}])
    assert message(SERVICE, obj) == 'Service "web" is invalid: spec.ports[1].name: Required value'


def test_duplicate_port_names() -> None:
    obj = service(ports=[{"name": "http", "port": 80}, {"name": "http", "port": 81}])
    assert message(SERVICE, obj) == 'Service "web" is invalid: spec.ports[1].name: Duplicate value: "http"'


def test_port_name_must_be_dns1123_label() -> None:
    obj = service(ports=[{"name": "HTTP", "port": 80}])
    assert message(SERVICE, obj) == f'Service "web" is invalid: spec.ports[0].name: Invalid value: "HTTP": {DNS1123_LABEL}'


def test_duplicate_port_and_protocol_renders_internal_struct_as_json() -> None:
    obj = service(ports=[{"name": "a", "port": 80}, {"name": "b", "port": 80, "targetPort": 8080}])
    assert message(SERVICE, obj) == (
        'Service "web" is invalid: spec.ports[1]: Duplicate value: '
        '{"Name":"","Protocol":"TCP","AppProtocol":null,"Port":80,"TargetPort":0,"NodePort":0}'
    )


def test_same_port_with_other_protocol_is_fine() -> None:
    obj = service(ports=[{"name": "dns", "port": 53}, {"name": "dns-tcp", "port": 53, "protocol": "UDP"}])
    assert message(SERVICE, obj) == ""


def test_port_range() -> None:
    assert message(SERVICE, service(ports=[{"port": 70000}])) == (
        'Service "web" is invalid: [spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive, '
        "spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive]"
    )


def test_target_port_range() -> None:
    assert message(SERVICE, service(ports=[{"port": 80, "targetPort": 0}])) == ""  # defaulted to port
    assert message(SERVICE, service(ports=[{"port": 80, "targetPort": 65536}])) == (
        'Service "web" is invalid: spec.ports[0].targetPort: Invalid value: 65536: must be between 1 and 65535, inclusive'
    )


def test_named_target_port_must_be_iana_svc_name() -> None:
    obj = service(ports=[{"port": 80, "targetPort": "http-web-server-x"}])
    assert message(SERVICE, obj) == (
        'Service "web" is invalid: spec.ports[0].targetPort: Invalid value: "http-web-server-x": '
        "must be no more than 15 characters"
    )
    obj = service(ports=[{"port": 80, "targetPort": "8080"}])
    assert message(SERVICE, obj) == (
        'Service "web" is invalid: spec.ports[0].targetPort: Invalid value: "8080": must contain at least one letter (a-z)'
    )


def test_unsupported_protocol() -> None:
    obj = service(ports=[{"port": 80, "protocol": "HTTP"}])
    assert message(SERVICE, obj) == (
        'Service "web" is invalid: spec.ports[0].protocol: Unsupported value: "HTTP": '
        'supported values: "SCTP", "TCP", "UDP"'
    )


def test_unsupported_type() -> None:
    assert message(SERVICE, service(type="Internal")) == (
        'Service "web" is invalid: spec.type: Unsupported value: "Internal": '
        'supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'
    )


def test_headless_nodeport_and_loadbalancer() -> None:
    assert message(SERVICE, service(type="NodePort", clusterIP="None")) == (
        'Service "web" is invalid: spec.clusterIPs[0]: Invalid value: "None": may not be set to \'None\' for NodePort services'
    )
    assert message(SERVICE, service(type="LoadBalancer", clusterIP="None")) == (
        'Service "web" is invalid: spec.clusterIPs[0]: Invalid value: "None": '
        "may not be set to 'None' for LoadBalancer services"
    )


def test_invalid_cluster_ip_string() -> None:
    assert message(SERVICE, service(clusterIP="10.96.0.300")) == (
        'Service "web" is invalid: spec.clusterIPs[0]: Invalid value: "10.96.0.300": '
        "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
    )


def test_node_port_forbidden_for_cluster_ip_type() -> None:
    assert message(SERVICE, service(ports=[{"port": 80, "nodePort": 30080}])) == (
        "Service \"web\" is invalid: spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"
    )


def test_node_port_range_is_checked_as_a_port_number() -> None:
    obj = service(type="NodePort", ports=[{"port": 80, "nodePort": 30080}, {"name": "b", "port": 81, "nodePort": 30080}])
    assert message(SERVICE, obj) == (
        'Service "web" is invalid: [spec.ports[0].name: Required value, spec.ports[1].nodePort: Duplicate value: 30080]'
    )


def test_session_affinity_values_and_timeout() -> None:
    assert message(SERVICE, service(sessionAffinity="Cookie")) == (
        'Service "web" is invalid: spec.sessionAffinity: Unsupported value: "Cookie": supported values: "ClientIP", "None"'
    )
    obj = service(sessionAffinity="ClientIP", sessionAffinityConfig={"clientIP": {"timeoutSeconds": 90000}})
    assert message(SERVICE, obj) == (
        'Service "web" is invalid: spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 90000: '
        "must be greater than 0 and less than 86400"
    )


def test_external_name_requires_a_dns_subdomain() -> None:
    assert message(SERVICE, service(type="ExternalName", ports=[], selector=None)) == (
        'Service "web" is invalid: spec.externalName: Required value'
    )
    obj = service(type="ExternalName", externalName="my_db.example.com", ports=[])
    assert message(SERVICE, obj) == (
        'Service "web" is invalid: spec.externalName: Invalid value: "my_db.example.com": a lowercase RFC 1123 '
        "subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with "
        "an alphanumeric character (e.g. 'example.com', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    )
    assert message(SERVICE, service(type="ExternalName", externalName="db.example.com.", ports=[])) == ""


def test_external_name_with_cluster_ip_is_forbidden() -> None:
    obj = service(type="ExternalName", externalName="db.example.com", clusterIP="10.96.0.20")
    assert message(SERVICE, obj) == (
        'Service "web" is invalid: spec.clusterIPs: Forbidden: may not be set for ExternalName services'
    )


def test_selector_labels_are_validated() -> None:
    obj = service(selector={"app": "web server"})
    assert message(SERVICE, obj) == (
        'Service "web" is invalid: spec.selector: Invalid value: "web server": a valid label must be an empty string '
        "or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
        "character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
        "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    )


def test_update_cluster_ip_may_not_change() -> None:
    old = service(clusterIP="10.96.12.34", clusterIPs=["10.96.12.34"], ipFamilies=["IPv4"], ipFamilyPolicy="SingleStack")
    new = service(clusterIP="10.96.99.99", clusterIPs=["10.96.99.99"], ipFamilies=["IPv4"], ipFamilyPolicy="SingleStack")
    assert update_message(SERVICE, new, old) == (
        'Service "web" is invalid: spec.clusterIPs[0]: Invalid value: ["10.96.99.99"]: may not change once set'
    )


def test_update_to_external_name_wipes_unchanged_cluster_fields() -> None:
    old = service(clusterIP="10.96.12.34", clusterIPs=["10.96.12.34"], ipFamilies=["IPv4"], ipFamilyPolicy="SingleStack")
    new = service(type="ExternalName", externalName="db.example.com", ports=[])
    assert update_message(SERVICE, new, old) == ""
    # an old client that resends clusterIP unchanged: dropTypeDependentFields wipes it
    kept = service(type="ExternalName", externalName="db.example.com", clusterIP="10.96.12.34")
    assert update_message(SERVICE, kept, old) == ""
    # but clusterIPs the user set themselves are refused
    explicit = service(type="ExternalName", externalName="db.example.com", clusterIPs=["10.96.1.1"], clusterIP="10.96.1.1")
    assert update_message(SERVICE, explicit, old) == (
        'Service "web" is invalid: spec.clusterIPs: Forbidden: may not be set for ExternalName services'
    )


def test_update_requires_resource_version() -> None:
    old = service()
    new = service()
    new["metadata"]["resourceVersion"] = ""
    assert update_message(SERVICE, new, old) == (
        'Service "web" is invalid: metadata.resourceVersion: Invalid value: "": must be specified for an update'
    )
