"""The API server's CPU per operation: what one exec, GET, LIST, apply-and-wait, `kubectl delete pod` or nslookup costs
the process that serves the cluster (its API server, controllers, kubelet, exec sessions and DNS server together).

The cluster runs in a process of its own, as a grading host's does, and reports its CPU seconds (`time.process_time`,
every thread) when asked on its stdin; the client is this process, as a kernel is. Each operation runs `--count` times
in a round and its cost is the cluster's CPU over the round divided by the count (so the controllers' work a write
causes counts, wherever it runs). Rounds wait for the cluster to be idle first (no CPU spent over a short pause).

With `--baseline DIR` (a folder holding another version's `svclab` package, e.g. `git archive main svclab | tar -x -C
DIR`) a second cluster runs that version and every operation's rounds alternate between the two clusters: the same
client, the same operations, before against after.

    python -m bench.bench_server [--count 20] [--rounds 5] [--baseline DIR] [--only exec,get]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from bench.common import machine, start_cluster_process, stop_cluster_process

NAMESPACE = "bench"

COMMANDS = """
for line in sys.stdin:
    print(repr(time.process_time()), flush=True)
"""

SERVED = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - {name: web, image: registry.k8s.io/e2e-test-images/agnhost:2.52, args: [netexec, --http-port=8080]}
---
apiVersion: v1
kind: Service
metadata: {name: shop}
spec:
  selector: {app: shop}
  ports: [{port: 80, targetPort: 8080}]
"""

VICTIM = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "victim", "labels": {"app": "victim"}},
          "spec": {"containers": [{"name": "c", "image": "busybox:1.36.1", "command": ["sleep", "infinity"]}],
                   "terminationGracePeriodSeconds": 0}}
CLIENT = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "client", "labels": {"app": "client"}},
          "spec": {"containers": [{"name": "client", "image": "busybox:1.36.1", "command": ["sleep", "infinity"]}],
                   "terminationGracePeriodSeconds": 0}}


class Cluster:
    """A cluster in a process of its own (this version's package, or the one in `cwd`), and a session on it."""

    def __init__(self, name: str, cwd: Path | None) -> None:
        self.name = name
        self.state = Path(tempfile.mkdtemp(prefix=f"svclab-bench-server-{name}-"))
        self.process = start_cluster_process(COMMANDS, self.state, cwd)
        self.session: Any = None

    def cpu(self) -> float:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("cpu\n")
        self.process.stdin.flush()
        return float(self.process.stdout.readline())

    def settle(self, quiet: float = 0.05, timeout: float = 10.0) -> None:
        """Wait until the cluster spends (almost) no CPU over `quiet` seconds: the last operation's work is done."""
        deadline = time.monotonic() + timeout
        before = self.cpu()
        while time.monotonic() < deadline:
            time.sleep(quiet)
            now = self.cpu()
            if now - before < quiet * 0.05:
                return
            before = now

    def connect(self) -> None:
        from svclab.lab import manifests, waiting
        from svclab.lab.session import open_session

        os.environ["SVCLAB_STATE_DIR"] = str(self.state)
        self.session = open_session(NAMESPACE)
        manifests.apply(self.session, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
        manifests.apply(self.session, CLIENT, NAMESPACE)
        manifests.apply(self.session, VICTIM, NAMESPACE)
        waiting.wait_ready(self.session, "app=client", 1, NAMESPACE)

    def stop(self) -> None:
        if self.session is not None:
            self.session.api.close()
        stop_cluster_process(self.process)
        shutil.rmtree(self.state, ignore_errors=True)


# ---- the operations: each takes a session; `prepare` (not measured) puts the cluster where the next one starts ------
def op_exec_true(session: Any) -> None:
    from svclab.lab import execution

    assert execution.exec_in(session, "client", ["true"], NAMESPACE).exit_code == 0


def op_nslookup(session: Any) -> None:
    from svclab.lab import execution

    out = execution.exec_in(session, "client", ["nslookup", "kubernetes.default.svc.cluster.local"], NAMESPACE)
    assert out.exit_code == 0, out


def op_get_pod(session: Any) -> None:
    session.core.read_namespaced_pod("client", NAMESPACE)


def op_list_pods(session: Any) -> None:
    session.core.list_namespaced_pod(NAMESPACE)


def op_apply_wait(session: Any) -> None:
    from svclab.lab import manifests, waiting

    manifests.apply(session, SERVED, NAMESPACE)
    waiting.wait_ready(session, "app=shop", 2, NAMESPACE)


def undo_apply(session: Any) -> None:
    from svclab.lab import manifests

    manifests.delete(session, SERVED, NAMESPACE)
    _wait_gone(session, "app=shop")


def op_kubectl_delete(session: Any) -> None:
    subprocess.run(["kubectl", "delete", "pod", "victim", "-n", NAMESPACE, "--wait=false"], env=session.kubectl_env(),
                   check=True, capture_output=True)


def undo_delete(session: Any) -> None:
    from svclab.lab import manifests, waiting

    _wait_gone(session, "app=victim")
    manifests.apply(session, VICTIM, NAMESPACE)
    waiting.wait_ready(session, "app=victim", 1, NAMESPACE)


def _wait_gone(session: Any, selector: str) -> None:
    deadline = time.monotonic() + 30
    while session.core.list_namespaced_pod(NAMESPACE, label_selector=selector).items:
        if time.monotonic() > deadline:
            raise SystemExit(f"pods {selector} are still there after 30 s")
        time.sleep(0.02)


# name -> (operation, what puts the cluster back after each run, unmeasured; None: nothing to undo)
OPERATIONS: dict[str, tuple[Callable[[Any], None], Callable[[Any], None] | None]] = {
    "exec true": (op_exec_true, None),
    "GET pod": (op_get_pod, None),
    "LIST pods": (op_list_pods, None),
    "apply Deployment+Service, wait Ready": (op_apply_wait, undo_apply),
    "kubectl delete pod": (op_kubectl_delete, undo_delete),
    "exec nslookup": (op_nslookup, None),
}
KEYS = {"exec": "exec true", "get": "GET pod", "list": "LIST pods", "apply": "apply Deployment+Service, wait Ready",
        "delete": "kubectl delete pod", "nslookup": "exec nslookup"}


def one_round(cluster: Cluster, name: str, count: int) -> float:
    """The cluster's CPU seconds per operation over `count` runs of it (undo steps not counted)."""
    operation, undo = OPERATIONS[name]
    spent = 0.0
    if undo is None:
        cluster.settle()
        start = cluster.cpu()
        for _ in range(count):
            operation(cluster.session)
        cluster.settle()
        spent = cluster.cpu() - start
    else:
        for _ in range(count):
            cluster.settle()
            start = cluster.cpu()
            operation(cluster.session)
            cluster.settle()
            spent += cluster.cpu() - start
            undo(cluster.session)
    return spent / count


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_server")
    parser.add_argument("--count", type=int, default=20, help="operations per round (apply and delete: a quarter of it)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline", help="a folder with another version's svclab package: compare this version's cluster with it")
    parser.add_argument("--only", help="comma-separated: " + ",".join(KEYS))
    args = parser.parse_args(argv)
    names = [KEYS[k] for k in args.only.split(",")] if args.only else list(OPERATIONS)
    clusters = [Cluster("this", None)]
    if args.baseline:
        baseline = Path(args.baseline).resolve()
        if not (baseline / "svclab" / "__init__.py").exists():
            raise SystemExit(f"{baseline} holds no svclab package")
        clusters.append(Cluster(f"baseline ({baseline.name})", baseline))
    results: dict[str, dict[str, float]] = {}
    try:
        for cluster in clusters:
            cluster.connect()
        load = os.getloadavg()[0]
        print(f"[{machine()}; load average {load:.2f} at the start]")
        print(f"the cluster process's CPU per operation, ms (median of {args.rounds} rounds; min in brackets):")
        for name in names:
            count = args.count if OPERATIONS[name][1] is None else max(1, args.count // 4)
            for cluster in clusters:  # warm-up: first calls import and fill caches
                one_round(cluster, name, 1)
            samples: dict[str, list[float]] = {c.name: [] for c in clusters}
            for round_ in range(args.rounds):
                for cluster in clusters[round_ % 2:] + clusters[:round_ % 2]:  # each goes first in every other round
                    samples[cluster.name].append(one_round(cluster, name, count))
            line = f"  {name:38s}"
            medians = {}
            for cluster in clusters:
                medians[cluster.name] = statistics.median(samples[cluster.name])
                line += f"  {cluster.name}: {1000 * medians[cluster.name]:7.2f} ({1000 * min(samples[cluster.name]):6.2f})"
            if len(clusters) == 2:
                line += f"  this/baseline {medians[clusters[0].name] / medians[clusters[1].name]:.2f}x"
            print(line, flush=True)
            results[name] = medians
        print(f"[load average {os.getloadavg()[0]:.2f} at the end]")
        return results
    finally:
        for cluster in clusters:
            cluster.stop()


if __name__ == "__main__":
    main()
