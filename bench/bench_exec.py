"""The API while an exec computes: `kubectl get ns default` on an idle cluster, then while
`kubectl exec bb -- sh -c 'seq 1 1000000000 | wc -l'` runs (until its CPU budget ends it), in one
run, side by side. Also the cost of one `kubectl exec bb -- true`.

The exec runs on a session thread of its own (svclab.network.session); it shares the interpreter
with the API server, so the busy figure is what the GIL costs a client while a learner's command
computes. Target (issue 10): busy median under 200 ms.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

from bench.common import machine, median, percentile
from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster
from svclab.lab.session import kubectl_path

BUSY_COMMAND = "seq 1 1000000000 | wc -l"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args(argv)
    print(f"exec  {machine()}")
    with tempfile.TemporaryDirectory() as tmp, EmbeddedCluster(ClusterConfig(state_dir=Path(tmp) / "state", seed=1)) as cluster:
        assert cluster.kubeconfig_path is not None and cluster.network is not None
        env = {**os.environ, "KUBECONFIG": str(cluster.kubeconfig_path), "KUBECACHEDIR": str(Path(tmp) / "cache")}
        kubectl = kubectl_path()

        def k(*command: str) -> float:
            start = time.perf_counter()
            subprocess.run([kubectl, *command], env=env, check=True, capture_output=True)
            return time.perf_counter() - start

        k("run", "bb", "--image=busybox:1.36.1", "--", "sleep", "3600")
        k("wait", "--for=condition=Ready", "pod/bb", "--timeout=60s")
        k("get", "ns", "default")   # discovery cached, connections warm
        idle = [k("get", "ns", "default") for _ in range(args.samples)]
        exec_true = [k("exec", "bb", "--", "true") for _ in range(args.samples)]

        started = time.perf_counter()
        proc = subprocess.Popen([kubectl, "exec", "bb", "--", "sh", "-c", BUSY_COMMAND], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        while not len(cluster.network.sessions):
            time.sleep(0.01)
        busy: list[float] = []
        while len(busy) < args.samples and proc.poll() is None:
            sample = k("get", "ns", "default")
            if len(cluster.network.sessions):   # the exec was still computing when the answer came
                busy.append(sample)
        _out, err = proc.communicate()
        elapsed = time.perf_counter() - started
    print(f"exec  kubectl get ns default, idle          median {median(idle) * 1000:6.1f} ms   p90 {percentile(idle, 90) * 1000:6.1f} ms")
    if busy:
        print(f"exec  kubectl get ns default, during exec   median {median(busy) * 1000:6.1f} ms   p90 {percentile(busy, 90) * 1000:6.1f} ms"
              f"   ({median(busy) / median(idle):.2f}x idle, {len(busy)} samples)")
    print(f"exec  kubectl exec bb -- true               median {median(exec_true) * 1000:6.1f} ms")
    print(f"exec  '{BUSY_COMMAND}': exit {proc.returncode} after {elapsed:.1f} s, stderr {err.strip().splitlines()[0]!r}")


if __name__ == "__main__":
    main()
