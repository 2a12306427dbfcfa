"""Two measurements of exec (`--client` picks the second).

The server side: the API while an exec computes: `kubectl get ns default` on an idle cluster, then while
`kubectl exec bb -- sh -c 'seq 1 1000000000 | wc -l'` runs (until its CPU budget ends it), in one
run, side by side. Also the cost of one `kubectl exec bb -- true`.

The exec runs on a session thread of its own (svclab.network.session); it shares the interpreter
with the API server, so the busy figure is what the GIL costs a client while a learner's command
computes. Target (issue 10): busy median under 200 ms.

The client side (`--client`): the cluster runs in a process of its own (`svclab up`), this process is the
client only, as a grading host's check thread or a learner's kernel is. Per exec of `true` into a busybox pod
and per `read_namespaced_pod`, wall time and this process's CPU time, for each client side by side in
alternating rounds: svclab's exec stream (`svclab.lab.exec_stream`, what `lab.exec_in` uses) against the
kubernetes client's `kubernetes.stream`, the typed REST read against a raw JSON read through the same
`ApiClient` (`svclab.lab.manifests.request`), and the typed read of the session's client (`svclab.lab.session.api_client`:
`LeanRESTClient` as its transport, no refresh hook for a static token) against the client as
`config.new_client_from_config` leaves it (urllib3 and http.client, the refresh hook).
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


def client_side(execs: int, rounds: int, in_process: bool = False) -> None:
    """Per-operation wall and client CPU of each client, alternating rounds against one background cluster (or,
    `in_process`, a cluster in this process, as a grading host runs its checks: the CPU is then both sides')."""
    from kubernetes.client import CoreV1Api
    from kubernetes.config import new_client_from_config
    from kubernetes.stream import stream

    from svclab.cluster import control
    from svclab.cluster.backend import EmbeddedBackend
    from svclab.lab import execution, manifests
    from svclab.lab.session import Session, api_client, open_session

    where = "in this process (CPU: client and server)" if in_process else "in another process (CPU: the client's)"
    print(f"exec  client side, {execs} operations x {rounds} rounds each, cluster {where}  {machine()}  load {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state"
        if in_process:
            cluster = EmbeddedCluster(ClusterConfig(state_dir=state, seed=1)).start()
            assert cluster.kubeconfig_path is not None
            session = Session("embedded", cluster.kubeconfig_path, None, "bench", api_client(cluster.kubeconfig_path), Path(tmp), embedded=cluster)
        else:
            control.up(state, pod_start_seconds=0.0)
            session = open_session("bench", EmbeddedBackend(state))
        try:
            manifests.apply(session, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench"}})
            manifests.apply(session, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bb"}, "spec": {
                "containers": [{"name": "bb", "image": "busybox:1.36.1", "command": ["sleep", "infinity"]}]}}, "bench")

            def lab_exec() -> None:
                assert execution.exec_in(session, "bb", ["true"], "bench").exit_code == 0

            def stream_exec() -> None:
                response = stream(session.core.connect_get_namespaced_pod_exec, "bb", "bench", command=["true"], stderr=True,
                                  stdin=False, stdout=True, tty=False, _preload_content=False)
                response.run_forever(timeout=60)
                response.read_channel(3)
                response.close()

            def typed_read() -> None:
                session.core.read_namespaced_pod("bb", "bench")

            # the client as `config.new_client_from_config` leaves it: urllib3 and http.client, the refresh hook
            hooked = CoreV1Api(new_client_from_config(config_file=str(session.kubeconfig)))

            def hooked_read() -> None:
                hooked.read_namespaced_pod("bb", "bench")

            def raw_read() -> None:
                manifests.request(session.api, "GET", "/api/v1/namespaces/bench/pods/bb")

            def typed_list() -> None:
                session.core.list_namespaced_pod("kube-system")

            def raw_list() -> None:
                manifests.request(session.api, "GET", "/api/v1/namespaces/kube-system/pods")

            kinds = {"exec true, lab (exec_stream)": lab_exec, "exec true, kubernetes.stream": stream_exec,
                     "read pod, typed client": typed_read, "read pod, raw JSON": raw_read,
                     "read pod, typed, client as loaded": hooked_read,
                     "list kube-system pods, typed": typed_list, "list kube-system pods, raw JSON": raw_list}
            for op in kinds.values():
                op()   # connections warm, the pod running
            wall: dict[str, list[float]] = {name: [] for name in kinds}
            cpu: dict[str, list[float]] = {name: [] for name in kinds}
            for _ in range(rounds):
                for name, op in kinds.items():
                    started, used = time.perf_counter(), time.process_time()
                    for _ in range(execs):
                        op()
                    wall[name].append((time.perf_counter() - started) / execs)
                    cpu[name].append((time.process_time() - used) / execs)
        finally:
            session.close()
            if not in_process:
                control.down(state)
    cpu_label = "CPU (both sides)" if in_process else "client CPU"
    for name in kinds:
        print(f"exec  {name:34s} wall median {median(wall[name]) * 1000:6.2f} ms  min {min(wall[name]) * 1000:6.2f}"
              f"   {cpu_label} median {median(cpu[name]) * 1000:6.2f} ms  min {min(cpu[name]) * 1000:6.2f}")
    names = list(kinds)
    for ours, theirs in ((names[0], names[1]), (names[3], names[2]), (names[2], names[4]), (names[6], names[5])):
        print(f"exec  {ours} / {theirs}: wall {median(wall[ours]) / median(wall[theirs]):.2f}x, "
              f"{cpu_label} {median(cpu[ours]) / median(cpu[theirs]):.2f}x")
    print(f"exec  load at the end {os.getloadavg()[0]:.2f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--client", action="store_true", help="the client side: svclab's exec stream and REST reads against the kubernetes client's")
    parser.add_argument("--ops", type=int, default=100, help="operations per round (--client)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (--client)")
    parser.add_argument("--in-process", action="store_true", help="with --client: the cluster in this process, as in a grading host")
    args = parser.parse_args(argv)
    if args.client:
        client_side(args.ops, args.rounds, args.in_process)
        return
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
