"""Grading benchmarks, each measured side by side in one run through the real grading loop
(nbgrader generate / autograde / feedback / export, every notebook in a fresh kernel):

1. Autograde overhead: one ps1 submission graded with its embedded cluster, against the same
   assignment with every code cell emptied (`pass`) — the floor: nbgrader and kernel start-up.
2. A class: STUDENTS x 6 assignments graded with N parallel workers against 1 worker.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import tempfile
import time
from pathlib import Path

import nbformat

from bench.common import machine
from svclab.grading import loop
from svclab.grading.submissions import SOLUTIONS, notebook, submit

ASSIGNMENTS = sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir())


def grade_seconds(submitted: Path, jobs: int, solutions: Path = SOLUTIONS) -> float:
    out = submitted.parent / f"out-{jobs}-{time.monotonic_ns()}"
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # the loop's own summary lines
        loop.grade(submitted, out, jobs=jobs, timeout=120, solutions=solutions)
    return time.perf_counter() - start


def floor_course(work: Path, assignment: str) -> tuple[Path, Path]:
    """The assignment with every code cell emptied: same cells, same nbgrader metadata, no cluster."""
    solutions, exercises = work / "floor-solutions", work / "floor-exercises"
    source = notebook(SOLUTIONS / assignment)
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = "pass"
    for folder in (solutions, exercises):
        (folder / assignment).mkdir(parents=True)
        nbformat.write(nb, folder / assignment / source.name)
    return solutions, exercises


def autograde_overhead(work: Path, assignment: str = "ps1-clusterip") -> None:
    full = work / "full" / "submitted"
    submit(full, "learner", assignment, [])
    floor_solutions, floor_exercises = floor_course(work, assignment)
    floor = work / "floor" / "submitted"
    submit(floor, "learner", assignment, None, exercises=floor_exercises, solutions=floor_solutions)
    with_cluster = grade_seconds(full, 1)
    without = grade_seconds(floor, 1, floor_solutions)
    print(f"autograde {assignment}: with its embedded cluster {with_cluster:5.1f} s, cluster cells emptied {without:5.1f} s")
    print(f"          ratio {with_cluster / without:.2f}x   target <= 1.3x -> {'met' if with_cluster / without <= 1.3 else 'NOT met'}")


def a_class(work: Path, students: int, jobs: int) -> None:
    submitted = work / "class" / "submitted"
    for i in range(students):
        for assignment in ASSIGNMENTS:
            submit(submitted, f"student{i:02d}", assignment, [])
    count = students * len(ASSIGNMENTS)
    parallel = grade_seconds(submitted, jobs)
    serial = grade_seconds(submitted, 1)
    print(f"a class: {students} students x {len(ASSIGNMENTS)} assignments = {count} notebooks")
    print(f"         {jobs} workers {parallel:6.1f} s ({parallel / count:.2f} s/notebook)   1 worker {serial:6.1f} s ({serial / count:.2f} s/notebook)")
    print(f"         speed-up {serial / parallel:.2f}x with {jobs} workers")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_grading")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="svclab-bench-grading-"))
    try:
        autograde_overhead(work)
        a_class(work, args.students, args.jobs)
        print(f"          [{machine()}]")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
