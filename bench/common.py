"""Shared helpers for the benchmarks: timing, percentiles, the machine they ran on, and a cluster in a process of its own."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable


def machine() -> str:
    return f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"


def timed(func: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return samples


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


# A grading host's cluster (seeded, pods at once) in a process of its own, its kubeconfig files in the folder given as
# its argument; it prints "up", then runs the benchmark's command loop (`commands`: reads stdin, answers each line).
CLUSTER_PROCESS = """
import sys, time
from pathlib import Path
from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster
from svclab.cluster.kubeconfig import write_private
from svclab.grading.host import kernel_files

state = Path(sys.argv[1])
cluster = EmbeddedCluster(ClusterConfig(seed=0, pod_start_seconds=0.0, namespace_deletion_seconds=0.0)).start()
for name, text in kernel_files(cluster, 0).items():
    write_private(state / name, text)
print("up", flush=True)
"""


def start_cluster_process(commands: str, state: Path, cwd: Path | None) -> subprocess.Popen[str]:
    """The cluster process, started with `cwd` (another version's package folder, or None for this one)."""
    process = subprocess.Popen([sys.executable, "-c", CLUSTER_PROCESS + commands + "cluster.stop()\n", str(state)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=cwd)
    assert process.stdout is not None
    if process.stdout.readline().strip() != "up":
        raise SystemExit(f"the cluster in {cwd or 'this checkout'} did not start")
    return process


def stop_cluster_process(process: subprocess.Popen[str]) -> None:
    if process.stdin is not None:
        process.stdin.close()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
