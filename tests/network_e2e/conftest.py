"""End-to-end network tests: the real kubectl (and the real Python client) against embedded
clusters started with seed 7, one namespace per scenario, a busybox:1.36.1 client pod running
`sleep 3600`. Most clusters run on a manual clock: time only moves when a test says so."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster
from tests.conftest import Kubectl, Result

BUSYBOX = "busybox:1.36.1"
AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.52"
SEED = 7
# What `kubectl exec` prints on stderr when the command exits non-zero.
TERMINATED = "command terminated with exit code {code}\n"


@dataclass
class Lab:
    """One running embedded cluster and the real kubectl pointed at it."""

    cluster: EmbeddedCluster
    k: Kubectl

    def namespace(self) -> str:
        name = f"e2e-{uuid.uuid4().hex[:8]}"
        self.k("apply", "-f", "-", stdin=f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n")
        return name

    def apply(self, ns: str, manifest: str) -> str:
        return self.k("-n", ns, "apply", "-f", "-", stdin=manifest).stdout

    def run_pod(self, ns: str, name: str = "client", image: str = BUSYBOX, *command: str) -> None:
        self.k("-n", ns, "run", name, f"--image={image}", "--", *(command or ("sleep", "3600")))

    def wait_ready(self, ns: str, what: str = "--all") -> None:
        target = ["pod", "--all"] if what == "--all" else ["pod", "-l", what] if "=" in what else ["pod", what]
        self.k("-n", ns, "wait", "--for=condition=Ready", *target, "--timeout=30s")

    def client(self, ns: str, name: str = "client", image: str = BUSYBOX) -> str:
        """Start a client pod, wait until it is Ready, return its IP."""
        if image == AGNHOST:
            self.run_pod(ns, name, image, "pause")
        else:
            self.run_pod(ns, name, image)
        self.wait_ready(ns, name)
        return self.jsonpath(ns, f"pod/{name}", "{.status.podIP}")

    def exec(self, ns: str, pod: str, *command: str, stdin: str | None = None, extra: tuple[str, ...] = ()) -> Result:
        return self.k("-n", ns, "exec", *extra, pod, "--", *command, stdin=stdin, check=False)

    def jsonpath(self, ns: str, target: str, path: str) -> str:
        return self.k("-n", ns, "get", target, "-o", f"jsonpath={path}").stdout

    def pod_ips(self, ns: str, selector: str) -> dict[str, str]:
        out = self.k("-n", ns, "get", "pods", "-l", selector, "-o", "jsonpath={range .items[*]}{.metadata.name}={.status.podIP} {end}").stdout
        return dict(item.split("=", 1) for item in out.split())

    def slice_endpoints(self, ns: str, service: str) -> list[tuple[str, str, str]]:
        """(pod name, address, ready) of the Service's EndpointSlices, in slice order."""
        out = self.k("-n", ns, "get", "endpointslices", "-l", f"kubernetes.io/service-name={service}", "-o",
                     "jsonpath={range .items[*].endpoints[*]}{.targetRef.name}={.addresses[0]}={.conditions.ready} {end}").stdout
        return [tuple(item.split("=", 2)) for item in out.split()]  # type: ignore[misc]

    def node_ips(self) -> list[str]:
        out = self.k("get", "nodes", "-o", 'jsonpath={range .items[*]}{.status.addresses[?(@.type=="InternalIP")].address} {end}').stdout
        return out.split()


@pytest.fixture
def start_lab(tmp_path: Path) -> Iterator[Callable[..., Lab]]:
    """Start embedded clusters (seed 7 unless told otherwise); all stop at the end of the test."""
    with ExitStack() as stack:
        count = 0

        def start(**config: Any) -> Lab:
            nonlocal count
            count += 1
            config.setdefault("seed", SEED)
            cluster = stack.enter_context(EmbeddedCluster(ClusterConfig(state_dir=tmp_path / f"state{count}", **config)))
            assert cluster.kubeconfig_path is not None
            return Lab(cluster, Kubectl(cluster.kubeconfig_path, tmp_path / f"kubecache{count}"))

        yield start


@pytest.fixture
def lab(start_lab: Callable[..., Lab]) -> Lab:
    """A seed-7 cluster on a manual clock, pods starting at once."""
    return start_lab(manual_clock=True)


def nslookup_header() -> str:
    return "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n"


def nxdomain(name: str) -> str:
    return f"** server can't find {name}: NXDOMAIN\n\n"


def a_block(name: str, addresses: list[str]) -> str:
    """One NOERROR A reply as busybox prints it: Name/Address pairs, then the empty line."""
    return "".join(f"Name:\t{name}\nAddress: {ip}\n" for ip in addresses) + "\n"


def short_name_lookup(short: str, ns: str, addresses: list[str]) -> str:
    """busybox 1.36 `nslookup SHORT` in namespace NS, replies in query order: A for each search
    domain, then AAAA for each. Only `SHORT.NS.svc.cluster.local` exists (its AAAA is an empty
    NOERROR: just the empty line); the other suffixes are NXDOMAIN. Empty `addresses`: NXDOMAIN too."""
    domains = [f"{ns}.svc.cluster.local", "svc.cluster.local", "cluster.local"]
    out = nslookup_header()
    for qtype in ("A", "AAAA"):
        for i, domain in enumerate(domains):
            name = f"{short}.{domain}"
            if i == 0 and addresses:
                out += a_block(name, addresses) if qtype == "A" else "\n"
            else:
                out += nxdomain(name)
    return out


def split_words(text: str) -> list[str]:
    return re.findall(r"\S+", text)


ADDRESS_LINE = re.compile(r"^Address: (\S+)$", re.M)


def answered_addresses(stdout: str) -> list[str]:
    """The A-record addresses nslookup printed, in the order CoreDNS's loadbalance shuffle gave them."""
    return ADDRESS_LINE.findall(stdout)
