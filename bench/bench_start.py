"""Cluster start: `svclab up` to the first answered `kubectl get pods -A`, against `kubectl version --client`
(the cost of starting a process at all), measured side by side in one run.

Method: a fresh state directory each time; the clock starts before `svclab up` (a new Python process, which
starts the daemon and returns once its API answers /readyz) and stops when `kubectl get pods -A` (fresh
discovery cache) has printed the pods; the `svclab down` after it is not timed. The two parts are printed
apart too, and the daemon's imports alone (`python -P -c "import svclab.cluster.embedded"`, what the daemon
imports before it can serve) against a bare `python -P -c pass`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import machine, median, timed

KUBECTL = str(Path(sys.executable).parent / "kubectl")


def start_and_query() -> tuple[float, float]:
    """Seconds from `svclab up` to the first answered `kubectl get pods -A`, and of `svclab up` alone."""
    state = Path(tempfile.mkdtemp(prefix="svclab-bench-"))
    try:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "svclab.cli", "up", "--state-dir", str(state), "--pod-start-seconds", "0"], check=True, capture_output=True)
        up = time.perf_counter() - start
        env = {**os.environ, "KUBECONFIG": str(state / "kubeconfig"), "KUBECACHEDIR": str(state / "cache")}
        subprocess.run([KUBECTL, "get", "pods", "-A"], check=True, capture_output=True, env=env)
        return time.perf_counter() - start, up
    finally:
        subprocess.run([sys.executable, "-m", "svclab.cli", "down", "--state-dir", str(state)], capture_output=True)
        shutil.rmtree(state, ignore_errors=True)


def kubectl_version() -> None:
    subprocess.run([KUBECTL, "version", "--client"], check=True, capture_output=True)


def python(code: str) -> None:
    subprocess.run([sys.executable, "-P", "-c", code], check=True, capture_output=True)


def main(repeat: int = 5) -> dict[str, float]:
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    floor = median(timed(kubectl_version, repeat))
    samples = [start_and_query() for _ in range(repeat)]
    start, up = median([s for s, _ in samples]), median([u for _, u in samples])
    bare = median(timed(lambda: python("pass"), repeat))
    imports = median(timed(lambda: python("import svclab.cluster.embedded"), repeat))
    print(f"cluster start: svclab up + first kubectl get pods -A  {start:.3f} s (median of {repeat}; svclab up alone {up:.3f} s)")
    print(f"               kubectl version --client               {floor:.3f} s")
    print(f"               the daemon's imports {imports:.3f} s against a bare python {bare:.3f} s")
    print(f"               ratio {start / floor:.1f}x   target: start < 0.3 s -> {'met' if start < 0.3 else 'NOT met'}   "
          f"[{machine()}; load average {load} at the start]")
    return {"start_s": start, "up_s": up, "floor_s": floor, "imports_s": imports, "python_s": bare}


if __name__ == "__main__":
    main()
