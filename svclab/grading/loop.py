"""The whole nbgrader loop over a folder of submissions, in parallel:

    python -m svclab.grading.loop submitted/ [--out DIR] [--jobs N] [--timeout SECONDS]

`submitted/<student>/<assignment>/*.ipynb` in; out (default: the folder holding `submitted/`):
`autograded/<student>/<assignment>/`, `feedback/<student>/<assignment>/*.html`, `grades.csv`
(nbgrader's export: one row per student and assignment) and `cell_grades.csv` (one row per test cell).

Each worker is one process with a course root and gradebook of its own (so sqlite never sees two writers):
it generates the assignments it needs from `solutions/` (that records the test cells, hidden tests
included, in its gradebook), then runs `nbgrader autograde` (every notebook in a fresh kernel, which starts
its own embedded cluster) and `nbgrader generate_feedback` (hidden tests removed), and exports its grades.
No exchange is involved: a folder of submissions is enough.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
COURSE_CONFIG = REPO / "nbgrader_config.py"
CELL_COLUMNS = ["student", "assignment", "notebook", "cell", "score", "max_score"]


@dataclass(frozen=True)
class Submission:
    student: str
    assignment: str
    path: Path


def find_submissions(submitted: Path) -> list[Submission]:
    found = []
    for student in sorted(p for p in submitted.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for assignment in sorted(p for p in student.iterdir() if p.is_dir() and not p.name.startswith(".")):
            if any(assignment.glob("*.ipynb")):
                found.append(Submission(student.name, assignment.name, assignment))
    return found


def nbgrader_env() -> dict[str, str]:
    """nbgrader runs `alembic` and the kernel from the venv; keep kubectl's cache and the cluster seed fixed."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("SVCLAB_SEED", "0")
    env.pop("KUBECONFIG", None)  # the autograder never talks to the learner's (or instructor's) cluster
    return env


def write_worker_config(root: Path, solutions: Path, timeout: int | None) -> None:
    """A scratch course root: the course's config, `solutions/` linked in, a gradebook of its own."""
    (root / "solutions").symlink_to(solutions.resolve(), target_is_directory=True)
    lines = [
        "c = get_config()",
        f"load_subconfig({str(COURSE_CONFIG)!r})",
        f"c.CourseDirectory.root = {str(root)!r}",
        f"c.CourseDirectory.db_url = {('sqlite:///' + str(root / 'gradebook.db'))!r}",
    ]
    if timeout is not None:
        lines.append(f"c.Execute.timeout = {int(timeout)}")
    (root / "nbgrader_config.py").write_text("\n".join(lines) + "\n")


def run_nbgrader(root: Path, log: Path, *args: str, check: bool = True) -> int:
    with log.open("a") as out:
        out.write(f"$ nbgrader {' '.join(args)}\n")
        out.flush()
        proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, env=nbgrader_env(), stdout=out, stderr=subprocess.STDOUT)
    if check and proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed in {root}; see {log}")
    return proc.returncode


def cell_grades(root: Path) -> list[dict[str, object]]:
    from nbgrader.api import Gradebook

    rows: list[dict[str, object]] = []
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "svclab") as gb:
        for assignment in gb.assignments:
            for submission in gb.assignment_submissions(assignment.name):
                for nb in submission.notebooks:
                    for grade in nb.grades:
                        if grade.cell.cell_type != "code" or grade.max_score == 0:
                            continue
                        rows.append({"student": submission.student.id, "assignment": assignment.name, "notebook": nb.name,
                                     "cell": grade.name, "score": grade.score, "max_score": grade.max_score})
    return rows


def work(index: int, units: list[Submission], solutions: Path, out: Path, timeout: int, keep: bool) -> Path:
    root = Path(tempfile.mkdtemp(prefix=f"svclab-grade-{index}-"))
    log = out / "logs" / f"worker-{index}.log"
    write_worker_config(root, solutions, timeout)
    for unit in units:
        shutil.copytree(unit.path, root / "submitted" / unit.student / unit.assignment)
    for assignment in sorted({u.assignment for u in units}):
        students = sorted({u.student for u in units if u.assignment == assignment})
        run_nbgrader(root, log, "generate_assignment", assignment, "--force")
        # A submission whose kernel dies (os._exit, a segfault, memory) makes nbgrader give up on that one
        # submission, go on with the others and exit 1: record it as failed (it scores 0) and go on too.
        run_nbgrader(root, log, "autograde", assignment, "--force", check=False)
        for student in students:
            if not (root / "autograded" / student / assignment).exists():
                with (out / "failed.csv").open("a") as failed:
                    failed.write(f"{student},{assignment},autograde failed (the kernel died); see logs/{log.name}\n")
        run_nbgrader(root, log, "generate_feedback", assignment, "--force")
        for student in students:
            for kind in ("autograded", "feedback"):
                src = root / kind / student / assignment
                if src.exists():
                    dst = out / kind / student / assignment
                    shutil.rmtree(dst, ignore_errors=True)
                    shutil.copytree(src, dst)
    run_nbgrader(root, log, "export", f"--CsvExportPlugin.to={root / 'grades.csv'}")
    return root


def merge(roots: list[Path], buckets: list[list[Submission]], out: Path) -> tuple[Path, Path]:
    """One grades.csv and one cell_grades.csv from the workers' gradebooks. nbgrader's export lists every
    student against every assignment its gradebook knows (0 when missing): keep only what was submitted."""
    rows: list[dict[str, str]] = []
    header: list[str] = []
    cells: list[dict[str, object]] = []
    for root, units in zip(roots, buckets):
        mine = {(u.student, u.assignment) for u in units}
        with (root / "grades.csv").open() as f:
            reader = csv.DictReader(f)
            header = header or list(reader.fieldnames or [])
            rows.extend(r for r in reader if (r.get("student_id"), r.get("assignment")) in mine)
        cells.extend(c for c in cell_grades(root) if (c["student"], c["assignment"]) in mine)
    rows.sort(key=lambda r: (r.get("student_id", ""), r.get("assignment", "")))
    grades = out / "grades.csv"
    with grades.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    cells.sort(key=lambda r: (str(r["student"]), str(r["assignment"]), str(r["notebook"])))
    cell_path = out / "cell_grades.csv"
    with cell_path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CELL_COLUMNS)
        writer.writeheader()
        writer.writerows(cells)
    return grades, cell_path


def split(units: list[Submission], jobs: int) -> list[list[Submission]]:
    """Contiguous, balanced chunks of the (assignment, student)-sorted list: an assignment's submissions stay
    together where they can, so each worker generates few assignments."""
    ordered = sorted(units, key=lambda u: (u.assignment, u.student))
    n = max(1, min(jobs, len(ordered)))
    size, extra = divmod(len(ordered), n)
    buckets, start = [], 0
    for i in range(n):
        end = start + size + (1 if i < extra else 0)
        buckets.append(ordered[start:end])
        start = end
    return [b for b in buckets if b]


def grade(submitted: Path, out: Path | None = None, jobs: int | None = None, timeout: int = 120, solutions: Path | None = None, keep: bool = False) -> tuple[Path, Path]:
    submitted = submitted.resolve()
    out = (out or submitted.parent).resolve()
    solutions = (solutions or REPO / "solutions").resolve()
    units = find_submissions(submitted)
    if not units:
        raise SystemExit(f"no submissions under {submitted} (expected <student>/<assignment>/*.ipynb)")
    (out / "logs").mkdir(parents=True, exist_ok=True)
    (out / "failed.csv").unlink(missing_ok=True)
    buckets = split(units, jobs or os.cpu_count() or 1)
    started = time.monotonic()
    with ThreadPoolExecutor(len(buckets)) as pool:
        roots = list(pool.map(lambda ib: work(ib[0], ib[1], solutions, out, timeout, keep), enumerate(buckets)))
    try:
        paths = merge(roots, buckets, out)
    finally:
        if not keep:
            for root in roots:
                shutil.rmtree(root, ignore_errors=True)
    print(f"graded {len(units)} submission(s) with {len(buckets)} worker(s) in {time.monotonic() - started:.1f}s")
    if (out / "failed.csv").exists():
        print(f"failed to autograde (scored 0): {out / 'failed.csv'}")
    print(f"grades: {paths[0]}\nper cell: {paths[1]}\nfeedback: {out / 'feedback'}")
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m svclab.grading.loop", description=__doc__.split("\n\n")[0])
    parser.add_argument("submitted", type=Path, help="folder of <student>/<assignment>/*.ipynb")
    parser.add_argument("--out", type=Path, help="where autograded/, feedback/, grades.csv go (default: the folder holding SUBMITTED)")
    parser.add_argument("--jobs", type=int, default=None, help="parallel workers (default: number of CPUs)")
    parser.add_argument("--timeout", type=int, default=120, help="seconds a cell may run before it is interrupted and marked failed")
    parser.add_argument("--solutions", type=Path, default=None, help="nbgrader source folder (default: the repo's solutions/)")
    parser.add_argument("--keep", action="store_true", help="keep the workers' course roots (for debugging)")
    args = parser.parse_args(argv)
    grade(args.submitted, args.out, args.jobs, args.timeout, args.solutions, args.keep)


if __name__ == "__main__":
    main()
