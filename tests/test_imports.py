"""What the embedded cluster loads to start: the toolbox (shell, terminal, applets), the DNS query engine with
dnspython, and the request-body type checker load on first use, not when the daemon starts (bench_start.py).

Each check runs in a fresh interpreter, so nothing another test imported hides a module from it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from svclab.cluster.handover import send as send_certs_and_ports

# Loaded on first use: an exec/attach/probe or a container's command (the shell and its applets), a
# terminal (interactive), the first DNS query (the Corefile parser, engine, upstream, wire format, dnspython), the first write
# with a body (typecheck and its protobuf schema), the first PATCH, the first request for /openapi/v2, the
# first exec/attach, port-forward or log request (their handlers), the first connection to a host port
# (kube-proxy's rules).
LAZY = (
    "svclab.network.shell", "svclab.network.interactive", "svclab.network.tools.shsyntax", "svclab.network.tools.shmath",
    "svclab.network.tools.curl", "svclab.network.tools.dig", "svclab.network.tools.nslookup", "svclab.network.tools.wget",
    "svclab.network.tools.resolv", "svclab.network.tools.textutils", "svclab.network.tools.fileutils",
    "svclab.network.tools.misc", "svclab.network.tools.shellutils",
    "svclab.dns.engine", "svclab.dns.records", "svclab.dns.upstream", "svclab.dns.wire", "svclab.dns.handler",
    "svclab.dns.backend", "svclab.dns.cache", "svclab.dns.lookup", "svclab.dns.corefile", "svclab.dns.caddyfile",
    "svclab.dns.reload", "svclab.dns.config",
    "svclab.apiserver.typecheck", "svclab.apiserver.protoschema", "svclab.apiserver.patch", "svclab.apiserver.openapiv2",
    "svclab.apiserver.exec_ws", "svclab.apiserver.logs", "svclab.apiserver.portforward", "svclab.apiserver.spdy_dictionary",
    "svclab.dataplane.proxier", "svclab.dataplane.ruleset", "svclab.dataplane.trace",
    # what answering loads (svclab.apiserver.app.REQUEST_MODULES): the daemon loads them once it has said it serves
    "svclab.apiserver.discovery", "svclab.apiserver.openapi", "svclab.apiserver.tables", "svclab.apiserver.printers",
)
# Packages a start never loads: the HTTP stack is svclab.wire on asyncio and ssl; the certificates of a new state
# directory are made by `svclab up`'s own process (cryptography) and handed over; PyYAML loads with the first YAML
# body, apply or kubeconfig read (kind/cluster.yaml's host ports are handed over or kept: see below); uuid (and the
# platform module it imports) with the first TokenRequest; the email package with a pod app's first HTTP answer.
NOT_AT_START = ("aiohttp", "yarl", "multidict", "cryptography", "yaml", "_yaml", "uuid", "platform", "email", "calendar",
                # the serving key goes to OpenSSL through memory files, private files are written without tempfile
                "tempfile", "shutil", "bz2", "lzma")
IMPORT = "import svclab.cluster.embedded"
START = (  # what the daemon does before it answers: import, start (bootstrap, network, DNS, API), nothing else,
    # with the certificates handed over on a pipe (sys.argv[1]) as `svclab up` hands them
    "import pathlib, sys\n"
    "from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster\n"
    "cluster = EmbeddedCluster(ClusterConfig(state_dir=pathlib.Path(sys.argv[2]), pod_start_seconds=0,\n"
    "                                        certs_fd=int(sys.argv[1]))).start()\n"
    "assert cluster.store.items.__self__ is cluster.store\n"
    "assert (cluster.config.state_dir / 'certs.json').stat().st_mode & 0o777 == 0o600\n"
)


def modules_after(code: str, host_ports: str | None = None, state_dir: str = "", hand_over: bool = True) -> set[str]:
    """The modules a fresh interpreter has loaded after running `code` (given a pipe with what `svclab up` hands over
    on it: the certificates, and the host-port mappings when `host_ports` maps any; nothing when not `hand_over`, as
    for a restart)."""
    script = code + "\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))\n"
    made = None if state_dir else tempfile.TemporaryDirectory(prefix="svclab-imports-")   # the cluster's, unless given
    if made is not None:
        state_dir = made.name
    certs_read, certs_write = os.pipe()
    setting = host_ports if host_ports is not None else os.environ.get("SVCLAB_HOST_PORTS", "off")
    sender = threading.Thread(target=send_certs_and_ports if hand_over else os.close,
                              args=(certs_write, "svclab", setting) if hand_over else (certs_write,))
    sender.start()
    try:
        done = subprocess.run([sys.executable, "-P", "-c", script, str(certs_read), state_dir], capture_output=True, text=True,
                              timeout=120, pass_fds=(certs_read,), env={**os.environ, "SVCLAB_HOST_PORTS": setting})
    finally:
        os.close(certs_read)
        sender.join()
        if made is not None:
            made.cleanup()
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("code", [IMPORT, START], ids=["import", "start"])
def test_the_daemon_loads_no_toolbox_no_dns_engine_no_type_checker(code: str) -> None:
    loaded = modules_after(code)
    assert "svclab.network.runtime" in loaded and "svclab.dns.server" in loaded  # what it does load
    assert sorted(m for m in LAZY if m in loaded) == []
    assert sorted(m for m in loaded if m == "dns" or m.startswith("dns.")) == []  # dnspython
    assert sorted(m for m in loaded if m.split(".")[0] in NOT_AT_START) == []
    if code == START:  # the bootstrap pods are running: sandboxes exist, no process has run in one
        assert "svclab.network.sandbox" in loaded


HOST_PORTS_START = (  # what `svclab up`'s daemon does with host ports mapped, in the state directory sys.argv[2]
    "import pathlib, sys\n"
    "from svclab.cluster.daemonprotocol import host_ports_setting\n"
    "from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster\n"
    "cluster = EmbeddedCluster(ClusterConfig(state_dir=pathlib.Path(sys.argv[2]), pod_start_seconds=0, certs_fd=int(sys.argv[1]),\n"
    "                                        host_ports=host_ports_setting(), token='kept-in-the-state-dir')).start()\n"
    "assert [m.ok for m in cluster.host_ports.mappings] == [True], cluster.host_ports.mappings\n"
    "cluster.stop()\n"
)


def test_host_ports_handed_over_or_kept_need_no_pyyaml(tmp_path: Path) -> None:
    """kind/cluster.yaml's mappings: read by `svclab up`'s helper for a new state directory, then kept in it for a
    restart (svclab.dataplane.portmappings); the daemon loads PyYAML for neither."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    setting = f"{port}:30080"   # a free port for kind's NodePort 30080: the node comes from kind/cluster.yaml
    first = modules_after(HOST_PORTS_START, setting, str(tmp_path))
    assert "svclab.dataplane.portmappings" in first and sorted(m for m in first if m.split(".")[0] in ("yaml", "_yaml")) == []
    assert (tmp_path / "kindports.json").stat().st_mode & 0o777 == 0o600
    restart = modules_after(HOST_PORTS_START, setting, str(tmp_path), hand_over=False)   # certificates kept: nothing handed over
    # (nor is PyYAML loaded for the kubeconfig the first start wrote, whose server line gives the port to keep)
    assert sorted(m for m in restart if m.split(".")[0] in ("yaml", "_yaml")) == []
    (tmp_path / "kindports.json").unlink()   # nothing kept, nothing handed over: the daemon reads the config itself
    assert "yaml" in modules_after(HOST_PORTS_START, setting, str(tmp_path), hand_over=False)


def test_first_use_loads_them() -> None:
    # the other side: an exec in a running pod, a DNS query and a create with a body load what they use
    loaded = modules_after(START + (
        "import asyncio, dns.message, dns.query\n"
        "from svclab.resources import PODS\n"
        "pod = next(p for p in cluster.store.items(PODS) if p['metadata']['name'].startswith('coredns'))\n"
        "answer = dns.query.udp(dns.message.make_query('kubernetes.default.svc.cluster.local', 'A'), '127.0.0.1', port=cluster.dns_port, timeout=5)\n"
        "assert answer.answer[0][0].address == '10.96.0.1', answer\n"
        "from svclab.network.session import Session\n"
        "session = cluster.call(lambda: cluster.network.exec(pod, 'coredns', ['true'], tty=False, stdin=False))\n"
        "assert isinstance(session, Session), session\n"
    ))
    assert {"svclab.dns.engine", "svclab.dns.wire", "svclab.dns.corefile", "svclab.dns.config", "svclab.network.shell"} <= loaded


def test_a_yaml_body_and_a_token_request_load_pyyaml_and_cryptography() -> None:
    loaded = modules_after(START + (
        "import json, ssl, urllib.request\n"
        "context = ssl.create_default_context(cadata=cluster.certs.ca_pem.decode())\n"
        "def call(method, path, body, content_type):\n"
        "    request = urllib.request.Request(cluster.api_url + path, data=body, method=method,\n"
        "        headers={'Authorization': 'Bearer ' + cluster.token, 'Content-Type': content_type})\n"
        "    with urllib.request.urlopen(request, context=context) as response:\n"
        "        return response.status, json.loads(response.read())\n"
        "status, made = call('POST', '/api/v1/namespaces/default/configmaps', b'metadata: {name: c}\\ndata: {a: b}\\n', 'application/yaml')\n"
        "assert status == 201 and made['data'] == {'a': 'b'}, made\n"
        "status, token = call('POST', '/api/v1/namespaces/default/serviceaccounts/default/token', b'{}', 'application/json')\n"
        "assert status == 201 and token['status']['token'].count('.') == 2, token\n"
    ))
    assert {"yaml", "cryptography", "svclab.apiserver.yamlbody", "uuid"} <= loaded
