"""Cluster start: `svclab up` to the first answered `kubectl get pods`, against `kubectl version --client`
(the cost of starting a process at all), measured side by side in one run."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import machine, median, timed

KUBECTL = str(Path(sys.executable).parent / "kubectl")


def start_and_query() -> float:
    """Seconds from `svclab up` to the first answered `kubectl get pods` (the `down` after it is not timed)."""
    state = Path(tempfile.mkdtemp(prefix="svclab-bench-"))
    try:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "svclab.cli", "up", "--state-dir", str(state), "--pod-start-seconds", "0"], check=True, capture_output=True)
        env = {**os.environ, "KUBECONFIG": str(state / "kubeconfig"), "KUBECACHEDIR": str(state / "cache")}
        subprocess.run([KUBECTL, "get", "pods", "-A"], check=True, capture_output=True, env=env)
        return time.perf_counter() - start
    finally:
        subprocess.run([sys.executable, "-m", "svclab.cli", "down", "--state-dir", str(state)], capture_output=True)


def kubectl_version() -> None:
    subprocess.run([KUBECTL, "version", "--client"], check=True, capture_output=True)


def main(repeat: int = 5) -> dict[str, float]:
    floor = median(timed(kubectl_version, repeat))
    start = median([start_and_query() for _ in range(repeat)])
    print(f"cluster start: svclab up + first kubectl get pods  {start:.3f} s (median of {repeat})")
    print(f"               kubectl version --client            {floor:.3f} s")
    print(f"               ratio {start / floor:.1f}x   target: start < 1 s -> {'met' if start < 1 else 'NOT met'}   [{machine()}]")
    return {"start_s": start, "floor_s": floor}


if __name__ == "__main__":
    main()
