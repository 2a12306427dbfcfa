"""Grading a class through `svclab grade` (svclab.grading.loop), measured per notebook, side by side in one run:

1. the class: STUDENTS x every assignment, each notebook the solution (the whole grading: a fresh cluster and
   a fresh confined kernel per submission, trusted test cells, the course gradebook, feedback), with --jobs;
2. the floor: the same notebooks with every code cell emptied (`pass`) — same cells, same nbgrader metadata,
   same loop — so what is left is nbgrader, the kernel, the sandbox and the loop's own work.

Both report wall time per notebook (from the first submission handed to a worker to grades.csv, and to the
last feedback page), and where each notebook's CPU went (the worker's nbgrader, the kernel, the trusted host
with its cluster; from logs/usage.jsonl). The targets (issue 14): a class of 30 x 6 in under 4 minutes on 2
cores, and per notebook with the cluster at most 1.3x the floor.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import nbformat

from bench.common import machine
from svclab.grading import loop
from svclab.grading.submissions import EXERCISES, SOLUTIONS, notebook, submit

ASSIGNMENTS = sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir())


def floor_course(work: Path) -> tuple[Path, Path]:
    """Every assignment with every code cell emptied: same cells, same nbgrader metadata, nothing to run."""
    solutions, exercises = work / "floor-solutions", work / "floor-exercises"
    for assignment in ASSIGNMENTS:
        source = notebook(SOLUTIONS / assignment)
        nb = nbformat.read(source, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.source = "pass"
        for folder in (solutions, exercises):
            (folder / assignment).mkdir(parents=True)
            nbformat.write(nb, folder / assignment / source.name)
    return solutions, exercises


def grade_class(submitted: Path, jobs: int, solutions: Path) -> dict[str, float]:
    out = submitted.parent / "out"
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        loop.grade(submitted, out, jobs=jobs, timeout=120, solutions=solutions, progress=False)
    total = time.perf_counter() - start
    rows = [json.loads(line) for line in (out / "logs" / "usage.jsonl").read_text().splitlines()]
    count = len(rows)
    return {
        "count": count, "total": total, "per_notebook": total / count,
        **{f"cpu_{part}": statistics.mean(r[part] for r in rows) for part in ("worker", "kernel", "host")},
        "wall_one": statistics.mean(r["wall"] for r in rows),
    }


def make_class(root: Path, students: int, exercises: Path = EXERCISES, solutions: Path = SOLUTIONS) -> Path:
    submitted = root / "submitted"
    for i in range(students):
        for assignment in ASSIGNMENTS:
            submit(submitted, f"student{i:02d}", assignment, [], exercises=exercises, solutions=solutions)
    return submitted


def report(label: str, m: dict[str, float]) -> None:
    print(f"{label:<28} {int(m['count']):4d} notebooks {m['total']:7.1f} s  {m['per_notebook']:5.2f} s/notebook   "
          f"CPU per notebook: nbgrader+loop {m['cpu_worker']:.2f} s, kernel {m['cpu_kernel']:.2f} s, "
          f"host+cluster {m['cpu_host']:.2f} s; one notebook {m['wall_one']:.2f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_grading")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="svclab-bench-grading-"))
    try:
        floor_solutions, floor_exercises = floor_course(work)
        full = grade_class(make_class(work / "full", args.students), args.jobs, SOLUTIONS)
        floor = grade_class(make_class(work / "floor", args.students, floor_exercises, floor_solutions), args.jobs, floor_solutions)
        print(f"grading a class: {args.students} students x {len(ASSIGNMENTS)} assignments, {args.jobs} workers (svclab grade)")
        report("with the cluster", full)
        report("code cells emptied (floor)", floor)
        ratio = full["per_notebook"] / floor["per_notebook"]
        print(f"   the class in {full['total'] / 60:.1f} min (target < 4 min for 30 x 6: "
              f"{'met' if full['total'] < 240 or args.students != 30 else 'NOT met'}); per notebook {ratio:.2f}x the floor "
              f"(target <= 1.3x: {'met' if ratio <= 1.3 else 'NOT met'})")
        print(f"   [{machine()}]")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
