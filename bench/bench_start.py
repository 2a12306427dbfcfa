"""Cluster start: `svclab up` to the first answered `kubectl get pods -A`, against `kubectl version --client`
(the cost of starting a process at all), measured side by side in one run.

Method: a fresh state directory each time; the clock starts before `svclab up` (a new Python process, which
starts the daemon and returns once its API answers /readyz) and stops when `kubectl get pods -A` (fresh
discovery cache) has printed the pods; the `svclab down` after it is not timed. The two parts are printed
apart too, and the daemon's imports alone (`python -P -c "import svclab.cluster.embedded"`, what the daemon
imports before it can serve) against a bare `python -P -c pass`.

The first line runs in this process's environment, as it always has. Whether Python finds svclab's modules
compiled depends on it: with PYTHONDONTWRITEBYTECODE=1 and no __pycache__ in the checkout (the project
machines) every start compiles them from source, as a learner's very first start does; on a learner's
machine every later start reads the cached bytecode. So the same start is measured again, labelled, with
the bytecode cached (PYTHONPYCACHEPREFIX in a temporary folder, filled by one untimed start), interleaved
with the first. Two more labelled lines give the floor of any cold start with this stack (a bare interpreter
importing asyncio, ssl and the API server's HTTP/WebSocket server, svclab.wire.server) and the warm path a grading host takes (svclab.grading.host: the cluster
started in a process forked from the zygote, which imported it beforehand) — not `svclab up`.

`--baseline DIR` measures another revision the same way, interleaved (its svclab package in DIR first on the
path of every process it starts), and prints the ratios; each start's CPU seconds are printed too."""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import machine, median, timed

KUBECTL = str(Path(sys.executable).parent / "kubectl")
PACKAGE = Path(__file__).resolve().parents[1] / "svclab"


def start_and_query(env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """Seconds from `svclab up` to the first answered `kubectl get pods -A`, of `svclab up` alone, and the CPU
    seconds the start cost: the `svclab up` process and the daemon until `svclab up` returned (a figure the
    other work on the machine changes much less than the wall-clock ones)."""
    env = env if env is not None else dict(os.environ)
    state = Path(tempfile.mkdtemp(prefix="svclab-bench-"))
    try:  # run from the temporary folder: `python -m` puts the current folder first on sys.path
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "svclab.cli", "up", "--state-dir", str(state), "--pod-start-seconds", "0"],
                       check=True, capture_output=True, env=env, cwd=state.parent)
        up = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime + _process_cpu(state)
        subprocess.run([KUBECTL, "get", "pods", "-A"], check=True, capture_output=True,
                       env={**env, "KUBECONFIG": str(state / "kubeconfig"), "KUBECACHEDIR": str(state / "cache")})
        return time.perf_counter() - start, up, cpu
    finally:
        subprocess.run([sys.executable, "-m", "svclab.cli", "down", "--state-dir", str(state)], capture_output=True, env=env,
                       cwd=state.parent)
        shutil.rmtree(state, ignore_errors=True)


def _process_cpu(state: Path) -> float:
    """CPU seconds the daemon serving STATE has used so far (/proc/PID/stat utime + stime)."""
    pid = json.loads((state / "cluster.json").read_text())["pid"]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


WARM_HOST = """
import sys, pathlib
from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster
from svclab.cluster.kubeconfig import write_kubeconfig
print("imported", flush=True)
state = pathlib.Path(sys.stdin.readline().strip())
cluster = EmbeddedCluster(ClusterConfig(pod_start_seconds=0.0)).start()
write_kubeconfig(state / "kubeconfig", cluster.kubeconfig())
print("up", flush=True)
sys.stdin.readline()
cluster.stop()
"""


def warm_start_and_query() -> float:
    """Seconds from asking a process that has imported the cluster to start one, to the first answered
    `kubectl get pods -A` (what a grading host does after the zygote's fork; its imports are not timed)."""
    state = Path(tempfile.mkdtemp(prefix="svclab-bench-warm-"))
    host = subprocess.Popen([sys.executable, "-P", "-c", WARM_HOST], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert host.stdin is not None and host.stdout is not None
    try:
        assert host.stdout.readline().strip() == "imported"
        start = time.perf_counter()
        host.stdin.write(f"{state}\n")
        host.stdin.flush()
        assert host.stdout.readline().strip() == "up"
        subprocess.run([KUBECTL, "get", "pods", "-A"], check=True, capture_output=True,
                       env={**os.environ, "KUBECONFIG": str(state / "kubeconfig"), "KUBECACHEDIR": str(state / "cache")})
        return time.perf_counter() - start
    finally:
        host.stdin.write("stop\n")
        host.stdin.close()
        host.wait(timeout=30)
        shutil.rmtree(state, ignore_errors=True)


def kubectl_version() -> None:
    subprocess.run([KUBECTL, "version", "--client"], check=True, capture_output=True)


def python(code: str) -> None:
    subprocess.run([sys.executable, "-P", "-c", code], check=True, capture_output=True)


def ambient_bytecode() -> str:
    """What this environment does with svclab's bytecode."""
    cached = any(PACKAGE.rglob("__pycache__/*.pyc"))
    if os.environ.get("PYTHONPYCACHEPREFIX"):
        return "bytecode in PYTHONPYCACHEPREFIX"
    if cached:
        return "svclab's bytecode cached in the checkout"
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return "PYTHONDONTWRITEBYTECODE=1, no __pycache__: svclab's modules compiled at every start"
    return "no __pycache__ yet: the first start compiles and caches svclab's modules"


def main(repeat: int = 5, baseline: Path | None = None) -> dict[str, float]:
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    ambient = ambient_bytecode()
    floor = median(timed(kubectl_version, repeat))
    with tempfile.TemporaryDirectory(prefix="svclab-bench-pyc-") as pyc:
        cached_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        cached_env["PYTHONPYCACHEPREFIX"] = pyc
        start_and_query(cached_env)  # untimed: compiles and caches every module in `pyc`
        variants: dict[str, dict[str, str] | None] = {"ambient": None, "cached": cached_env}
        if baseline is not None:  # another revision's svclab package, first on the path of every process it starts
            variants["baseline"] = {**os.environ, "PYTHONPATH": str(baseline)}
            variants["baseline cached"] = {**cached_env, "PYTHONPATH": str(baseline)}
            start_and_query(variants["baseline cached"])
        runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in variants}
        for _ in range(repeat):  # interleaved, so all see the same machine
            for name, env in variants.items():
                runs[name].append(start_and_query(env))
    figures = {name: tuple(median([run[i] for run in samples]) for i in range(3)) for name, samples in runs.items()}
    (start, up, cpu), (cached, cached_up, cached_cpu) = figures["ambient"], figures["cached"]
    warm = median([warm_start_and_query() for _ in range(repeat)])
    bare = median(timed(lambda: python("pass"), repeat))
    imports = median(timed(lambda: python("import svclab.cluster.embedded"), repeat))
    stack_floor = median(timed(lambda: python("import asyncio, ssl, svclab.wire.server"), repeat))
    print(f"cluster start: svclab up + first kubectl get pods -A  {start:.3f} s (median of {repeat}; svclab up alone {up:.3f} s, "
          f"CPU {cpu:.3f} s)")
    print(f"               [this environment: {ambient}]")
    print(f"               kubectl version --client               {floor:.3f} s")
    print(f"               the daemon's imports {imports:.3f} s against a bare python {bare:.3f} s")
    print(f"               ratio {start / floor:.1f}x   targets: start < 0.6 s (issue 10) -> {'met' if start < 0.6 else 'NOT met'}, "
          f"< 0.3 s (issue 14) -> {'met' if start < 0.3 else 'NOT met'}   [{machine()}; load average {load} at the start]")
    print(f"same, bytecode cached (a learner's every start after the first): {cached:.3f} s (svclab up alone {cached_up:.3f} s, "
          f"CPU {cached_cpu:.3f} s)   < 0.6 s -> {'met' if cached < 0.6 else 'NOT met'}, < 0.3 s -> {'met' if cached < 0.3 else 'NOT met'}")
    if baseline is not None:
        for name, mine in (("baseline", figures["ambient"]), ("baseline cached", figures["cached"])):
            theirs = figures[name]
            print(f"{name} ({baseline}): {theirs[0]:.3f} s (svclab up alone {theirs[1]:.3f} s, CPU {theirs[2]:.3f} s); "
                  f"this / baseline: {mine[0] / theirs[0]:.2f}x wall, {mine[2] / theirs[2]:.2f}x CPU")
    print(f"floor of a cold start: python -P -c 'import asyncio, ssl, svclab.wire.server' {stack_floor:.3f} s")
    print(f"warm path, not svclab up: a process that imported the cluster starts one + first kubectl get pods -A "
          f"{warm:.3f} s (a grading host after the zygote's fork)")
    return {"start_s": start, "up_s": up, "cpu_s": cpu, "cached_start_s": cached, "cached_up_s": cached_up, "warm_start_s": warm,
            "floor_s": floor, "imports_s": imports, "python_s": bare, "stack_floor_s": stack_floor}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline", type=Path, help="a folder holding another revision's svclab package, measured interleaved "
                        "(e.g. `mkdir /tmp/main && git archive main svclab | tar -x -C /tmp/main`)")
    options = parser.parse_args()
    main(options.repeat, options.baseline)
