"""Where one `svclab up` spends its time: the steps of the command and of the daemon it forks, stamped, over several
fresh starts (medians, and minima, in milliseconds from the command's start).

`python -m bench.start_timeline --repeat 9`. Each start is a new interpreter running `svclab.cluster.control.up`
as `svclab up` does (fork, certificates and host-port mappings handed over, READY on the pipe), with the steps wrapped
to write a time stamp; the daemon's steps are stamped in the forked child. The wrapping itself costs the command
~15-20 ms before the fork (it imports the daemon module to wrap it), so read the steps' differences, not the totals;
the totals are `bench_start`'s. Each stamp also records the CPU time of the process that wrote it (the command, or
the daemon since its fork): on a machine other work keeps busy the wall-clock steps stretch, their CPU much less.

`--baseline DIR` measures another revision's package (DIR first on the path) the same way, interleaved, and prints
its medians beside."""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import machine

STAMPED = r'''
import inspect, json, os, sys, time
from pathlib import Path
T0, MARKS = float(sys.argv[2]), sys.argv[3]

def mark(name):
    with open(MARKS, "a") as out:
        out.write(json.dumps([name, time.time(), time.process_time()]) + "\n")

mark("interpreter started")
from svclab.cluster import control, daemon
mark("command imported (with the daemon module, for the stamps)")

def stamped(owner, name, label):
    original = getattr(owner, name)
    if inspect.iscoroutinefunction(original):
        async def wrapper(*args, **kwargs):
            result = await original(*args, **kwargs)
            mark(label)
            return result
    else:
        def wrapper(*args, **kwargs):
            result = original(*args, **kwargs)
            mark(label)
            return result
    setattr(owner, name, wrapper)

start = control._Forked.start.__func__
def forked(cls, *args):
    mark("fork")
    return start(cls, *args)
control._Forked.start = classmethod(forked)
stamped(control, "_hand_certs", "command: certificate helper forked")
stamped(control, "_wait_for_ready", "command: READY read")
main = daemon.main
def daemon_main(argv):
    mark("daemon: started")
    from svclab.cluster import embedded
    mark("daemon: imported the cluster")
    cluster = embedded.EmbeddedCluster
    stamped(cluster, "__init__", "daemon: certificates received, cluster made")
    stamped(cluster, "_open_state", "daemon: state database opened")
    stamped(cluster, "_bootstrap", "daemon: bootstrap settled")
    stamped(cluster, "_start_network", "daemon: pod network and DNS")
    stamped(cluster, "_listen", "daemon: host ports, TLS context, listening")
    stamped(cluster, "_write_files", "daemon: kubeconfig and cluster.json written")
    return main(argv)
daemon.main = daemon_main
control.up(Path(sys.argv[1]), pod_start_seconds=0, fork=True)
mark("command: up returned")
'''


def one_start(env: dict[str, str] | None = None) -> list[tuple[str, float, float]]:
    """The steps of one fresh start: (name, ms from the command's start, ms of CPU of the process that stamped it)."""
    folder = Path(tempfile.mkdtemp(prefix="svclab-timeline-"))
    marks = folder / "marks.jsonl"
    try:
        started = time.time()
        subprocess.run([sys.executable, "-P", "-c", STAMPED, str(folder / "state"), repr(started), str(marks)], check=True,
                       capture_output=True, env=env)
        stamps = [json.loads(line) for line in marks.read_text().splitlines()]
        return [(name, 1000 * (at - started), 1000 * cpu) for name, at, cpu in sorted(stamps, key=lambda item: item[1])]
    finally:
        subprocess.run([sys.executable, "-m", "svclab.cli", "down", "--state-dir", str(folder / "state")], capture_output=True, env=env)
        shutil.rmtree(folder, ignore_errors=True)


def main(repeat: int, baseline: Path | None = None) -> None:
    import os

    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    variants: dict[str, dict[str, str] | None] = {"this": None}
    if baseline is not None:
        variants["baseline"] = {**os.environ, "PYTHONPATH": str(baseline)}
    wall: dict[str, dict[str, list[float]]] = {name: collections.defaultdict(list) for name in variants}
    cpu: dict[str, dict[str, list[float]]] = {name: collections.defaultdict(list) for name in variants}
    for _ in range(repeat):
        for variant, env in variants.items():   # interleaved, so both see the same machine
            for name, ms, used in one_start(env):
                wall[variant][name].append(ms)
                cpu[variant][name].append(used)
    end = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"one svclab up, step by step: ms from the command's start, median (min) of {repeat}; CPU ms of the process that "
          f"stamped the step (the command, or the daemon since its fork), median   [{machine()}; load average {load} at the "
          f"start, {end} at the end]")
    if baseline is not None:
        print(f"  {'this':>16} {'CPU':>6}   {'baseline':>16} {'CPU':>6}   ({baseline})")
    for name in sorted(wall["this"], key=lambda key: statistics.median(wall["this"][key])):
        line = f"  {statistics.median(wall['this'][name]):7.1f} ({min(wall['this'][name]):6.1f}) {statistics.median(cpu['this'][name]):6.1f}"
        if baseline is not None and wall["baseline"].get(name):
            line += (f"   {statistics.median(wall['baseline'][name]):7.1f} ({min(wall['baseline'][name]):6.1f}) "
                     f"{statistics.median(cpu['baseline'][name]):6.1f}")
        print(f"{line}  {name}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--baseline", type=Path, help="a folder holding another revision's svclab package, measured interleaved")
    options = parser.parse_args()
    main(options.repeat, options.baseline)
