"""Controllers off the request path, measured side by side in one run.

1. A ConfigMap create on a cluster holding 200 Services and 500 pods, against the same create on an
   empty cluster: the write's cost should follow the change, not the cluster (target: at most 1.5x).
2. `kubectl get ns default` while a Deployment scales to 20,000 replicas, against the same command
   on the idle cluster and on the idle cluster next to one CPU-burning process (what any busy
   process costs kubectl on this machine). Target: a median under 200 ms during the scale-up.

    .venv/bin/python -m bench.bench_controllers [--replicas 20000] [--creates 100]

The clusters run in this process (no state directory: the store's persistence is measured
elsewhere) with the controllers configured as `svclab up` runs them: pod delays of 1 s / 0.5 s and
no request gate.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import yaml
from kubernetes import client, config

from bench.common import machine, median, percentile
from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster
from svclab.lab.session import kubectl_path
from svclab.resources import PODS

LEARNER = {"pod_start_seconds": 1.0, "pod_stop_seconds": 0.5, "settle_requests": False}


def _kubeconfig(cluster: EmbeddedCluster, folder: Path) -> Path:
    path = folder / "kubeconfig"
    path.write_text(yaml.safe_dump(cluster.kubeconfig()))
    return path


def _fill(api: client.ApiClient, services: int, pods: int) -> None:
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    groups = 5
    for i in range(services):
        core.create_namespaced_service("default", client.V1Service(
            metadata=client.V1ObjectMeta(name=f"svc-{i}"),
            spec=client.V1ServiceSpec(selector={"app": f"web-{i % groups}"}, ports=[client.V1ServicePort(port=80)])))
    for g in range(groups):
        apps.create_namespaced_deployment("default", client.V1Deployment(
            metadata=client.V1ObjectMeta(name=f"web-{g}"),
            spec=client.V1DeploymentSpec(
                replicas=pods // groups,
                selector=client.V1LabelSelector(match_labels={"app": f"web-{g}"}),
                template=client.V1PodTemplateSpec(
                    metadata=client.V1ObjectMeta(labels={"app": f"web-{g}"}),
                    spec=client.V1PodSpec(containers=[client.V1Container(name="web", image="nginx:1.27")])))))


def _create(core: client.CoreV1Api, name: str) -> float:
    body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name), data={"k": "v"})
    start = time.perf_counter()
    core.create_namespaced_config_map("default", body)
    return time.perf_counter() - start


def configmap_cost(creates: int) -> tuple[float, float]:
    """Median ConfigMap create (seconds) on an empty cluster and on one with 200 Services + 500 pods.

    Both clusters run at once and the creates alternate between them, so a change in the load of
    the machine during the run touches both sides alike."""
    sizes = {"empty": (0, 0), "200 Services + 500 pods": (200, 500)}
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        cores, counts = {}, {}
        for index, (label, (services, pods)) in enumerate(sizes.items()):
            cluster = stack.enter_context(EmbeddedCluster(ClusterConfig(seed=1, **LEARNER)))
            here = Path(folder) / str(index)
            here.mkdir()
            api = config.new_client_from_config(config_file=str(_kubeconfig(cluster, here)))
            stack.callback(api.close)
            _fill(api, services, pods)
            cluster.settle(600)
            time.sleep(1.5)  # the pods' start delay: everything that can run is running
            cluster.settle(600)
            cores[label] = client.CoreV1Api(api)
            counts[label] = cluster.call(lambda c=cluster: sum(1 for _ in c.store.items(PODS, "default")))
        samples: dict[str, list[float]] = {label: [] for label in sizes}
        for i in range(creates + 10):
            for label, core in cores.items():
                took = _create(core, f"cm-{i}")
                if i >= 10:  # the first ten warm up connections and caches
                    samples[label].append(took)
    for label, taken in samples.items():
        print(f"configmap create, {label:<24} ({counts[label]:3d} pods): median {median(taken) * 1000:6.2f} ms   p99 {percentile(taken, 99) * 1000:6.2f} ms")
    empty, loaded = (median(samples[label]) for label in sizes)
    print(f"configmap create, ratio loaded / empty: {loaded / empty:.2f}x (target <= 1.5x)")
    return empty, loaded


def _kubectl_get(env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([kubectl_path(), "get", "ns", "default"], env=env, capture_output=True, check=True, timeout=60)
    return time.perf_counter() - start


PROBE = """
import http.client, json, ssl, sys, time
host, port, token, ca, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
conn = http.client.HTTPSConnection(host, port, context=ssl.create_default_context(cafile=ca), timeout=60)
took = []
for _ in range(count):
    start = time.perf_counter()
    conn.request("GET", "/api/v1/namespaces/default", headers={"Authorization": "Bearer " + token})
    conn.getresponse().read()
    took.append(time.perf_counter() - start)
    time.sleep(0.02)
print(json.dumps(took))
"""


def _probe(cluster: EmbeddedCluster, ca: Path, count: int = 25) -> list[float]:
    """GETs of the namespace over one kept-alive connection, from another process: the API
    server's own answer time, without kubectl's start-up and TLS handshake."""
    out = subprocess.run([sys.executable, "-c", PROBE, "127.0.0.1", str(cluster.api_port), cluster.token, str(ca), str(count)],
                         capture_output=True, text=True, check=True, timeout=600).stdout
    return [float(x) for x in json.loads(out)]


def api_during_scale(replicas: int, samples: int = 15) -> None:
    with tempfile.TemporaryDirectory() as folder, EmbeddedCluster(ClusterConfig(seed=1, **LEARNER)) as cluster:
        env = {**os.environ, "KUBECONFIG": str(_kubeconfig(cluster, Path(folder))), "KUBECACHEDIR": str(Path(folder) / "cache")}
        ca = Path(folder) / "ca.crt"
        ca.write_bytes(base64.b64decode(cluster.kubeconfig()["clusters"][0]["cluster"]["certificate-authority-data"]))
        _kubectl_get(env)  # discovery cache
        idle = [_kubectl_get(env) for _ in range(samples)]
        idle_api = _probe(cluster, ca)
        burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            busy = [_kubectl_get(env) for _ in range(samples)]
        finally:
            burner.kill()
            burner.wait()
        start = time.perf_counter()
        subprocess.run([kubectl_path(), "create", "deployment", "big", "--image=nginx", f"--replicas={replicas}"], env=env, capture_output=True, check=True)
        during: list[float] = []
        during_api: list[float] = []
        progress: list[tuple[float, int]] = []
        while True:
            during.append(_kubectl_get(env))
            made = cluster.call(lambda: len(cluster.ctx.informers.indexer(PODS).keys("default")))
            progress.append((time.perf_counter() - start, made))
            if made >= replicas:
                break
            if len(during) % 10 == 0 and made < replicas * 0.8:
                during_api += _probe(cluster, ca, 10)
        elapsed = time.perf_counter() - start
    print(f"kubectl get ns default, idle cluster:               median {median(idle) * 1000:5.0f} ms   p90 {percentile(idle, 90) * 1000:5.0f} ms")
    print(f"kubectl get ns default, idle + one CPU-bound process: median {median(busy) * 1000:5.0f} ms   p90 {percentile(busy, 90) * 1000:5.0f} ms")
    print(f"kubectl get ns default, during the scale to {replicas}: median {median(during) * 1000:5.0f} ms   p90 {percentile(during, 90) * 1000:5.0f} ms   ({len(during)} calls; {median(during) / median(idle):.1f}x idle; target: median < 200 ms)")
    print(f"GET namespace on a kept-alive connection, idle:           median {median(idle_api) * 1000:6.1f} ms   p90 {percentile(idle_api, 90) * 1000:6.1f} ms")
    print(f"GET namespace on a kept-alive connection, during scale-up: median {median(during_api) * 1000:6.1f} ms   p90 {percentile(during_api, 90) * 1000:6.1f} ms   ({len(during_api)} requests)")
    print(f"scale-up: {replicas} pods made in {elapsed:.0f} s ({replicas / elapsed:.0f} pods/s); at 25/50/75%: "
          + ", ".join(f"{next(t for t, n in progress if n >= replicas * q):.0f} s" for q in (0.25, 0.5, 0.75)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.bench_controllers")
    parser.add_argument("--replicas", type=int, default=20000)
    parser.add_argument("--creates", type=int, default=200)
    args = parser.parse_args(argv)
    configmap_cost(args.creates)
    api_during_scale(args.replicas)
    print(f"      [{machine()}, load average {os.getloadavg()[0]:.1f}]")


if __name__ == "__main__":
    main(sys.argv[1:])
