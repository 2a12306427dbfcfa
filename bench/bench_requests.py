"""A pod's request loop (the exercises' `lab.count_backends`), with the pods' DNS queries handed to the cluster's DNS
server in-process (`svclab.dns.server.LOCAL`) against the same queries over loopback UDP, alternating in one run.

The cluster runs in a process of its own, as a grading host's does; the client is this process, as a kernel is. Between
rounds the cluster process is told to forget its in-process DNS servers (so the resolver goes over UDP) or to know them
again. Each round fetches http://web/hostname REQUESTS times from the client pod through a ClusterIP Service.

    python -m bench.bench_requests [--requests 100] [--rounds 8]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import machine

CLUSTER = """
import sys
from pathlib import Path
from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster
from svclab.cluster.kubeconfig import write_private
from svclab.dns import server
from svclab.grading.host import kernel_files

state = Path(sys.argv[1])
cluster = EmbeddedCluster(ClusterConfig(seed=0, pod_start_seconds=0.0, namespace_deletion_seconds=0.0)).start()
for name, text in kernel_files(cluster, 0).items():
    write_private(state / name, text)
known = dict(server.LOCAL)
print("up", flush=True)
for line in sys.stdin:
    if line.strip() == "udp":
        server.LOCAL.clear()
    else:
        server.LOCAL.update(known)
    print("ok", flush=True)
cluster.stop()
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


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_requests")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args(argv)
    state = Path(tempfile.mkdtemp(prefix="svclab-bench-requests-"))
    cluster = subprocess.Popen([sys.executable, "-c", CLUSTER, str(state)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert cluster.stdin is not None and cluster.stdout is not None
        if cluster.stdout.readline().strip() != "up":
            raise SystemExit("the cluster did not start")
        os.environ["SVCLAB_STATE_DIR"] = str(state)
        from svclab import lab

        lab.connect("bench")
        lab.apply(WEB)
        lab.wait_ready("app=web", 3)
        lab.client_pod()
        seconds: dict[str, list[float]] = {"in-process": [], "udp": []}
        load = os.getloadavg()[0]
        for _ in range(args.rounds):
            for mode in seconds:
                cluster.stdin.write(mode + "\n")
                cluster.stdin.flush()
                cluster.stdout.readline()
                start = time.perf_counter()
                served = lab.count_backends("http://web/hostname", args.requests)
                seconds[mode].append(time.perf_counter() - start)
                assert int(served.sum()) == args.requests and "FAILED" not in served.index
        inproc, udp = (statistics.median(seconds[m]) for m in ("in-process", "udp"))
        print(f"[{machine()}; load average {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end]")
        print(f"{args.requests} requests from a pod through a Service, {args.rounds} alternating rounds:")
        for mode in seconds:
            print(f"  DNS {mode:10s}  median {1000 * statistics.median(seconds[mode]):7.1f} ms   min {1000 * min(seconds[mode]):7.1f} ms"
                  f"   ({1000 * statistics.median(seconds[mode]) / args.requests:.2f} ms per request)")
        print(f"  in-process / udp: {inproc / udp:.2f}x (medians), {min(seconds['in-process']) / min(seconds['udp']):.2f}x (minima)")
        return {"in_process_s": inproc, "udp_s": udp}
    finally:
        if cluster.stdin is not None:
            cluster.stdin.close()
        try:
            cluster.wait(30)
        except subprocess.TimeoutExpired:
            cluster.kill()
            cluster.wait()
        shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    main()
