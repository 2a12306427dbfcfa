"""A pod's request loop (the exercises' `lab.count_backends`), with the pods' DNS queries handed to the cluster's DNS
server in-process (`svclab.dns.server.LOCAL`) against the same queries over loopback UDP, alternating in one run.

The cluster runs in a process of its own, as a grading host's does; the client is this process, as a kernel is. Between
rounds the cluster process is told to forget its in-process DNS servers (so the resolver goes over UDP) or to know them
again. Each round fetches http://web/hostname REQUESTS times from the client pod through a ClusterIP Service.

With `--baseline DIR` (a folder holding another version's `svclab` package, e.g. `git archive main svclab | tar -x -C
DIR`) a second cluster runs that version, and the rounds alternate between the two clusters instead (both with their
in-process DNS): the same loop, the same client, before against after.

    python -m bench.bench_requests [--requests 100] [--rounds 8] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import machine, start_cluster_process, stop_cluster_process

NAMESPACE = "bench"

COMMANDS = """
from svclab.dns import server
known = dict(server.LOCAL)
for line in sys.stdin:
    if line.strip() == "udp":
        server.LOCAL.clear()
    else:
        server.LOCAL.update(known)
    print("ok", flush=True)
"""

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: registry.k8s.io/e2e-test-images/agnhost:2.52, args: [netexec, --http-port=8080]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
"""


def _client(state: Path) -> Any:
    """A session on the cluster whose kubeconfig is in `state`, with the web Deployment, its Service and a client pod."""
    from svclab.lab import manifests, waiting
    from svclab.lab.session import open_session

    os.environ["SVCLAB_STATE_DIR"] = str(state)
    session = open_session(NAMESPACE)
    manifests.apply(session, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
    manifests.apply(session, WEB, NAMESPACE)
    manifests.apply(session, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "client", "labels": {"app": "client"}},
                              "spec": {"containers": [{"name": "client", "image": "busybox:1.36.1", "command": ["sleep", "infinity"]}],
                                       "terminationGracePeriodSeconds": 0}}, NAMESPACE)
    waiting.wait_ready(session, "app=web", 3, NAMESPACE)
    waiting.wait_ready(session, "app=client", 1, NAMESPACE)
    return session


def _loop(session: Any, requests: int) -> float:
    from svclab.lab import execution, lookups

    start = time.perf_counter()
    served = lookups.tally(execution.exec_in(session, "client", lookups.backend_loop("http://web/hostname", requests), NAMESPACE))
    seconds = time.perf_counter() - start
    assert int(served.sum()) == requests and "FAILED" not in served.index, served
    return seconds


def _report(seconds: dict[str, list[float]], requests: int, rounds: int, load: float) -> None:
    print(f"[{machine()}; load average {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end]")
    print(f"{requests} requests from a pod through a Service, {rounds} alternating rounds:")
    for mode in seconds:
        print(f"  {mode:22s}  median {1000 * statistics.median(seconds[mode]):7.1f} ms   min {1000 * min(seconds[mode]):7.1f} ms"
              f"   ({1000 * statistics.median(seconds[mode]) / requests:.2f} ms per request)")


def baseline_run(args: argparse.Namespace) -> dict[str, float]:
    """This version's cluster against the baseline's, rounds alternating."""
    baseline = Path(args.baseline).resolve()
    if not (baseline / "svclab" / "__init__.py").exists():
        raise SystemExit(f"{baseline} holds no svclab package")
    states = {name: Path(tempfile.mkdtemp(prefix=f"svclab-bench-requests-{name}-")) for name in ("this", "baseline")}
    clusters = {"this": start_cluster_process(COMMANDS, states["this"], None), "baseline": start_cluster_process(COMMANDS, states["baseline"], baseline)}
    try:
        sessions = {name: _client(state) for name, state in states.items()}
        for session in sessions.values():
            _loop(session, 10)
        seconds: dict[str, list[float]] = {"this": [], "baseline": []}
        load = os.getloadavg()[0]
        for _ in range(args.rounds):
            for name in seconds:
                seconds[name].append(_loop(sessions[name], args.requests))
        _report({f"this version": seconds["this"], f"baseline ({baseline.name})": seconds["baseline"]}, args.requests, args.rounds, load)
        this, base = statistics.median(seconds["this"]), statistics.median(seconds["baseline"])
        print(f"  this / baseline: {this / base:.2f}x (medians), {min(seconds['this']) / min(seconds['baseline']):.2f}x (minima)")
        return {"this_s": this, "baseline_s": base}
    finally:
        for cluster in clusters.values():
            stop_cluster_process(cluster)
        for state in states.values():
            shutil.rmtree(state, ignore_errors=True)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_requests")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--baseline", help="a folder with another version's svclab package: compare this version's cluster with it")
    args = parser.parse_args(argv)
    if args.baseline:
        return baseline_run(args)
    state = Path(tempfile.mkdtemp(prefix="svclab-bench-requests-"))
    cluster = start_cluster_process(COMMANDS, state, None)
    try:
        assert cluster.stdin is not None and cluster.stdout is not None
        session = _client(state)
        _loop(session, 10)
        seconds: dict[str, list[float]] = {"in-process": [], "udp": []}
        load = os.getloadavg()[0]
        for _ in range(args.rounds):
            for mode in seconds:
                cluster.stdin.write(mode + "\n")
                cluster.stdin.flush()
                cluster.stdout.readline()
                seconds[mode].append(_loop(session, args.requests))
        _report({f"DNS {mode}": values for mode, values in seconds.items()}, args.requests, args.rounds, load)
        inproc, udp = (statistics.median(seconds[m]) for m in ("in-process", "udp"))
        print(f"  in-process / udp: {inproc / udp:.2f}x (medians), {min(seconds['in-process']) / min(seconds['udp']):.2f}x (minima)")
        return {"in_process_s": inproc, "udp_s": udp}
    finally:
        stop_cluster_process(cluster)
        shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    main()
