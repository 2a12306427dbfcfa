"""``svclab iptables-save --node NODE [--table nat|filter] [--service NS/NAME] [--kube-proxy]``:
a node's kube-proxy rules from a terminal, on whichever cluster $SVCLAB_BACKEND names."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def cmd_iptables_save(args: argparse.Namespace) -> int:
    from svclab.cluster.backend import backend_from_env
    from svclab.dataplane.noderules import embedded_rules, fetch_objects, kind_rules, qualified

    backend = backend_from_env()
    service = qualified(args.service, "default")
    if backend.name == "kind":
        rules = kind_rules(args.node, service, args.table)
    else:
        if not backend.is_running():
            raise RuntimeError("no svclab cluster is running; start one with: svclab up")
        from kubernetes import config

        api = config.new_client_from_config(config_file=str(backend.kubeconfig()), context=backend.context())
        try:
            def get(path: str) -> Any:
                response = api.call_api(*api.param_serialize(method="GET", resource_path=path, header_params={"Accept": "application/json"},
                                                              auth_settings=["BearerToken"]))
                return json.loads(response.read())

            rules = embedded_rules(*fetch_objects(get), args.node, service, args.table)
        finally:
            api.close()
    if args.kube_proxy:
        if rules.restore is None:
            raise RuntimeError("--kube-proxy shows kube-proxy's iptables-restore input, which only the embedded cluster computes")
        print(rules.restore, end="")
    else:
        print(rules.text, end="")
    return 0


def add_iptables_save(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = sub.add_parser("iptables-save", help="a node's iptables rules as kube-proxy programs them (kind: the node's own iptables-save)")
    parser.add_argument("--node", required=True, help="node name, e.g. svclab-worker (kubectl get nodes)")
    parser.add_argument("--table", choices=("nat", "filter"), help="one table (default: nat; with --service, nat and filter)")
    parser.add_argument("--service", help="only this Service's chains and the jumps to them (NAME in default, or NAMESPACE/NAME)")
    parser.add_argument("--kube-proxy", action="store_true", help="embedded: kube-proxy's iptables-restore input, in the order it writes it")
    parser.set_defaults(func=cmd_iptables_save)


def report_host_ports(state_dir: Path) -> None:
    """``svclab up``'s lines about kind's extraPortMappings on the embedded cluster."""
    from svclab.dataplane.hoststatus import status_lines

    for line in status_lines(state_dir):
        print(line)
