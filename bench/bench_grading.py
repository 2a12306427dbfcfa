"""Grading benchmarks, measured side by side in one run through the real `svclab grade` (a process per run,
as an instructor runs it: its workers, zygotes, confined kernels, trusted hosts, feedback, export):

1. Per notebook: the six solutions (COPIES students each) with their embedded clusters, against the same
   notebooks with every code cell emptied (`pass`: same cells, same nbgrader metadata, the same loop, kernel
   and host start-up; nothing for the cluster to do). The two runs alternate ROUNDS times. Per-notebook time
   is the worker's wall time per submission (logs/usage.jsonl: from the job's arrival to its result, so the
   class's fixed start-up is not divided in); the runs' whole wall times are printed too. As a third column,
   issue 14's baseline: the emptied notebooks through plain `nbgrader autograde` (one command for all of
   them, whole wall time / notebooks, its gradebook prepared beforehand and not timed).
2. A class: STUDENTS x every solution (7 assignments since ps7) through `svclab grade --jobs JOBS`, from the command to `grades.csv` and
   every feedback page written.

Needs root (kernels run as sandbox users); `--no-sandbox` measures unconfined kernels.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat

from bench.common import machine
from svclab.grading.submissions import EXERCISES, SOLUTIONS, notebook, submit

ASSIGNMENTS = sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir())


def load() -> str:
    return "load average " + " / ".join(f"{x:.2f}" for x in os.getloadavg())


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def grade(submitted: Path, out: Path, jobs: int, solutions: Path, sandbox: bool) -> tuple[float, list[dict[str, Any]]]:
    """Wall seconds of one `svclab grade` and each submission's usage row (logs/usage.jsonl: wall and CPU seconds,
    seconds by phase, each cell's seconds)."""
    command = [sys.executable, "-m", "svclab.cli", "grade", str(submitted), "--out", str(out), "--jobs", str(jobs),
               "--solutions", str(solutions), *([] if sandbox else ["--no-sandbox"])]
    start = time.perf_counter()
    run = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if run.returncode != 0:
        raise SystemExit(f"svclab grade failed:\n{run.stdout}\n{run.stderr}")
    if (out / "failed.csv").exists():
        raise SystemExit(f"a solution did not grade cleanly: {(out / 'failed.csv').read_text()}")
    usage = [json.loads(line) for line in (out / "logs" / "usage.jsonl").read_text().splitlines()]
    return elapsed, usage


def emptied_course(work: Path) -> tuple[Path, Path]:
    """Every assignment with every code cell emptied: sources and release."""
    solutions, exercises = work / "floor-solutions", work / "floor-exercises"
    for assignment in ASSIGNMENTS:
        for source_root, target_root in ((SOLUTIONS, solutions), (EXERCISES, exercises)):
            source = notebook(source_root / assignment)
            nb = nbformat.read(source, as_version=4)
            for cell in nb.cells:
                if cell.cell_type == "code":
                    cell.source = "pass"
            (target_root / assignment).mkdir(parents=True)
            nbformat.write(nb, target_root / assignment / source.name)
    return solutions, exercises


def plain_nbgrader(work: Path, submitted: Path, solutions: Path, name: str) -> float:
    """Wall seconds of `nbgrader autograde` over every submission in `submitted` (its gradebook made first, untimed)."""
    root = work / name
    shutil.copytree(submitted, root / "submitted")
    (root / "nbgrader_config.py").write_text("\n".join([
        "c = get_config()", f"c.CourseDirectory.root = {str(root)!r}", f"c.CourseDirectory.source_directory = {str(solutions)!r}",
        f"c.CourseDirectory.db_url = {'sqlite:///' + str(root / 'gradebook.db')!r}", "c.Execute.timeout = 120", ""]))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    nbgrader = [sys.executable, "-m", "nbgrader"]
    for assignment in ASSIGNMENTS:
        subprocess.run([*nbgrader, "generate_assignment", assignment, "--force"], cwd=root, env=env, check=True, capture_output=True)
    start = time.perf_counter()
    run = subprocess.run([*nbgrader, "autograde", "*", "--force"], cwd=root, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if run.returncode != 0 or len(list((root / "autograded").glob("*/*/*.ipynb"))) != len(list(submitted.glob("*/*/*.ipynb"))):
        raise SystemExit(f"nbgrader autograde failed:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
    return elapsed


def per_notebook(work: Path, copies: int, rounds: int, jobs: int, sandbox: bool) -> dict[str, float]:
    full, floor = work / "full" / "submitted", work / "floor" / "submitted"
    floor_solutions, floor_exercises = emptied_course(work)
    for i in range(copies):
        for assignment in ASSIGNMENTS:
            submit(full, f"student{i:02d}", assignment, [])
            submit(floor, f"student{i:02d}", assignment, [], exercises=floor_exercises, solutions=floor_solutions)
    count = copies * len(ASSIGNMENTS)
    walls: dict[str, list[float]] = {"full": [], "floor": []}
    each: dict[str, list[float]] = {"full": [], "floor": []}
    rows: dict[str, list[dict[str, Any]]] = {"full": [], "floor": []}
    plain: list[float] = []
    for n in range(rounds):  # alternating, so all see the same machine
        for kind, submitted, solutions in (("full", full, SOLUTIONS), ("floor", floor, floor_solutions)):
            elapsed, usage = grade(submitted, work / f"out-{kind}-{n}", jobs, solutions, sandbox)
            walls[kind].append(elapsed)
            each[kind] += [row["wall"] for row in usage]
            rows[kind] += usage
        plain.append(plain_nbgrader(work, floor, floor_solutions, f"nbgrader-{n}") / count)
    f_each, e_each = statistics.median(each["full"]), statistics.median(each["floor"])
    f_mean, e_mean = statistics.fmean(each["full"]), statistics.fmean(each["floor"])
    f_run, e_run = statistics.median(walls["full"]), statistics.median(walls["floor"])
    ratio = f_mean / e_mean
    print(f"per notebook: {count} notebooks (the {len(ASSIGNMENTS)} solutions x {copies}), {rounds} alternating rounds, --jobs {jobs}")
    print(f"              with their clusters  mean {f_mean:.2f} s  median {f_each:.2f} s per notebook   (run: {f_run:.1f} s)")
    print(f"              code cells emptied   mean {e_mean:.2f} s  median {e_each:.2f} s per notebook   (run: {e_run:.1f} s)")
    p_each = statistics.median(plain)
    print(f"              code cells emptied, plain nbgrader autograde  {p_each:.2f} s per notebook (its run / {count})")
    print(f"              ratio {ratio:.2f}x (means; medians {f_each / e_each:.2f}x, whole runs {f_run / e_run:.2f}x)   "
          f"target <= 1.3x -> {'met' if ratio <= 1.3 else 'NOT met'};   against plain nbgrader's floor {f_mean / p_each:.2f}x")
    breakdown(rows)
    return {"full_s": f_mean, "floor_s": e_mean, "ratio": ratio, "nbgrader_floor_s": p_each}


PHASES = ("wall", "kernel ready", "cluster wait", "cells", "exports", "tests", "worker", "kernel", "host")


def breakdown(rows: dict[str, list[dict[str, Any]]]) -> None:
    """Where the extra time of a notebook with its cluster goes: per assignment, the mean seconds of each phase
    with the cluster and emptied (wall: the worker's; cells/exports/tests: wall time in those steps; worker,
    kernel, host: CPU seconds of those processes), then the cells that cost most with the cluster."""
    print("where the time goes, per assignment: mean seconds with the cluster / emptied (CPU for worker, kernel, host)")
    print("  " + " " * 22 + "".join(f"{phase:>14s}" for phase in PHASES))
    for assignment in ASSIGNMENTS:
        mean = {kind: {phase: statistics.fmean([float(r.get(phase, 0.0)) for r in rows[kind] if r["assignment"] == assignment] or [0.0])
                       for phase in PHASES} for kind in rows}
        print(f"  {assignment:22s}" + "".join(f"{mean['full'][p]:>7.2f}/{mean['floor'][p]:<6.2f}" for p in PHASES))
    cells: dict[tuple[str, str], list[float]] = {}
    for row in rows["full"]:
        for name, seconds in row.get("per_cell", []):
            cells.setdefault((row["assignment"], name), []).append(float(seconds))
    costly = sorted(((statistics.fmean(v), k) for k, v in cells.items()), reverse=True)[:12]
    print("  the costliest cells with the cluster (mean wall seconds): "
          + "; ".join(f"{assignment.split('-')[0]} {name} {seconds:.2f}" for seconds, (assignment, name) in costly))


def a_class(work: Path, students: int, jobs: int, sandbox: bool) -> dict[str, float]:
    submitted = work / "class" / "submitted"
    for i in range(students):
        for assignment in ASSIGNMENTS:
            submit(submitted, f"student{i:02d}", assignment, [])
    count = students * len(ASSIGNMENTS)
    cpu = children_cpu()
    elapsed, rows = grade(submitted, work / "class" / "out", jobs, SOLUTIONS, sandbox)
    usage = [row["wall"] for row in rows]
    cpu = children_cpu() - cpu  # every process of the run (all are waited for, down to each kernel and kubectl)
    print(f"a class: {students} students x {len(ASSIGNMENTS)} assignments = {count} notebooks, svclab grade --jobs {jobs}")
    print(f"         {elapsed:.1f} s ({elapsed / count:.2f} s per notebook; each in its worker: mean {statistics.fmean(usage):.2f} s)   "
          f"target 30 x 6 under 240 s, i.e. 180 notebooks' share of this run ({elapsed * 180 / count:.0f} s) -> "
          f"{'met' if elapsed * 180 / count < 240 and count >= 180 else ('NOT met' if count >= 180 else 'not a class-sized run')}")
    print(f"         CPU time of the whole run {cpu:.0f} s ({cpu / count:.2f} s per notebook): on {os.cpu_count()} otherwise idle cores "
          f"the run could not take less than {cpu / (os.cpu_count() or 1):.0f} s")
    return {"class_s": elapsed, "notebooks": count, "cpu_s": cpu}


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_grading")
    parser.add_argument("--students", type=int, default=30, help="students in the class run (x every assignment)")
    parser.add_argument("--copies", type=int, default=2, help="copies of each solution in the per-notebook comparison")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of the per-notebook comparison")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-sandbox", dest="sandbox", action="store_false", help="unconfined kernels (when not root)")
    args = parser.parse_args(argv)
    if args.sandbox and os.getuid() != 0:
        print("bench_grading: svclab grade confines kernels as sandbox users, which needs root; measuring with --no-sandbox")
        args.sandbox = False
    work = Path(tempfile.mkdtemp(prefix="svclab-bench-grading-"))
    try:
        print(f"[{machine()}; {load()} at the start]")
        result = per_notebook(work, args.copies, args.rounds, args.jobs, args.sandbox)
        if args.students > 0:  # --students 0: the per-notebook comparison only
            result.update(a_class(work, args.students, args.jobs, args.sandbox))
        print(f"[{load()} at the end]")
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
