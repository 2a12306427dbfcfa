"""The grading loop over a class: ``svclab grade SUBMITTED`` (what ``make grade`` runs).

    svclab grade submitted/ [--out DIR] [--jobs N] [--timeout S] [--shard I/N]   # grade, then export
    svclab grade --merge SHARD_DIR... --out DIR                                   # record shards' results
    svclab grade --export [--out DIR]                                             # grades.csv again (after formgrader)

``SUBMITTED/<student>/<assignment>/*.ipynb`` in. Out (default: the folder holding SUBMITTED), a course folder
formgrader can open: ``gradebook.db`` (the course gradebook: every grade lands there), ``autograded/``,
``feedback/``, ``grades.csv`` (from the gradebook, so manual scores given in formgrader count),
``cell_grades.csv``, ``failed.csv`` (every submission that did not grade cleanly, with the reason) and ``logs/``.

Who runs what: this process (the coordinator) owns the gradebook and the outputs. It starts ``--jobs`` workers
(`svclab.grading.worker`, long-lived, nbgrader's converters through its Python API), each with a warm fork
server (`svclab.grading.zygote`) from which every submission gets its own fresh trusted host (a seeded embedded
cluster, and the test cells run against it) and its own fresh kernel, confined as the worker's sandbox user
(`svclab.grading.sandbox`). It records each result in the gradebook as it arrives, hands the submission to a
low-priority feedback process, shows a progress bar with the time left, and always ends with ``grades.csv``:
no submission — an error in nbgrader, a kernel that dies, runs forever or eats memory, a worker that dies —
stops the class, it becomes that submission's row in ``failed.csv``.

Stopping it (SIGTERM, or Ctrl-C): each worker is told to stop at once and ends its submission's kernel, cluster
and sandbox processes and its scratch; then ``grades.csv`` is written from what the gradebook holds (every
submission that finished), ``failed.csv`` names the ones not graded, the temp folder is removed, and the command
exits with 128 + the signal's number.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from svclab.grading import children

REPO = Path(__file__).resolve().parents[2]
COURSE_CONFIG = REPO / "nbgrader_config.py"
SUBMISSION_TIMEOUT = 900  # seconds one submission may take in all, before its worker is replaced
STOP_SECONDS = 30  # how long a worker told to stop may take to clean up before it is killed


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


def parse_shard(text: str) -> tuple[int, int]:
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--shard takes I/N (0 <= I < N), not {text!r}") from None
    if not 0 <= index < count:
        raise argparse.ArgumentTypeError(f"--shard {text}: I must be at least 0 and less than N")
    return index, count


def shard_of(units: list[Submission], shard: tuple[int, int] | None) -> list[Submission]:
    """Every N-th submission from the I-th, in (assignment, student) order: shards share assignments evenly."""
    ordered = sorted(units, key=lambda u: (u.assignment, u.student))
    return ordered if shard is None else ordered[shard[0]::shard[1]]


def use_venv_tools() -> None:
    """nbgrader runs `alembic` (a new gradebook) from PATH: make it this Python's, in this process too."""
    venv_bin = str(Path(sys.executable).parent)
    if venv_bin not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"


def nbgrader_env() -> dict[str, str]:
    """The environment nbgrader's tools run with: the venv first on PATH (alembic, kubectl), no cluster of ours."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("SVCLAB_SEED", "0")
    env.pop("KUBECONFIG", None)  # the autograder never talks to the learner's (or instructor's) cluster
    return env


def write_worker_config(root: Path, solutions: Path, timeout: int | None) -> None:
    """A scratch course root with the course's config, `solutions/` as its source (tools/build_exercises.py)."""
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


def write_course_config(out: Path, solutions: Path, db_url: str) -> None:
    """An nbgrader_config.py for a course folder made by the loop (when it has none), so formgrader opens it."""
    path = out / "nbgrader_config.py"
    if path.exists():
        return
    path.write_text("\n".join([
        "# Written by `svclab grade`: this folder is a course nbgrader's formgrader can open (`jupyter lab` here).",
        "c = get_config()  # noqa: F821",
        f"load_subconfig({str(COURSE_CONFIG)!r})  # noqa: F821",
        f"c.CourseDirectory.root = {str(out)!r}",
        f"c.CourseDirectory.source_directory = {str(solutions.resolve())!r}",
        f"c.CourseDirectory.db_url = {db_url!r}",
        "",
    ]))


def _progress(total: int, enabled: bool, desc: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="nb", file=sys.stderr, disable=not enabled or total == 0, dynamic_ncols=True,
                bar_format="{desc}: {n_fmt}/{total_fmt} {bar} {elapsed}<{remaining} {postfix}")


class Stopped(BaseException):
    """The run was told to stop (SIGTERM, SIGINT). A BaseException, as KeyboardInterrupt: nothing on the way
    out may take it for one submission's failure."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class Stopper:
    """SIGTERM and SIGINT for the length of a class run. The first one stops the run: while submissions are
    dispatched it only wakes the dispatcher (`wake` is readable), which stops handing out work and returns, so
    no write to the gradebook is cut in half; elsewhere it raises `Stopped` at once. Later ones are ignored
    while the run cleans up (a SIGKILL still ends it)."""

    SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)

    def __init__(self) -> None:
        self.signum: int | None = None
        self.raising = True
        self.wake, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> "Stopper":
        if threading.current_thread() is threading.main_thread():  # Python delivers signals to the main thread only
            for signum in self.SIGNALS:
                if signal.getsignal(signum) is not signal.SIG_IGN:  # `nohup` (SIGHUP), a background job (SIGINT): still ignored
                    self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: Any) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        os.close(self.wake)
        os.close(self._wake_w)

    def _handle(self, signum: int, frame: Any) -> None:
        if self.signum is not None:
            return
        self.signum = signum
        try:
            os.write(self._wake_w, b"!")
        except OSError:
            pass
        if self.raising:
            raise Stopped(signum)

    def check(self) -> None:
        """Raise `Stopped` if a signal came while it was not raising."""
        if self.signum is not None:
            raise Stopped(self.signum)


class WorkerProcess:
    def __init__(self, slot: int, config: dict[str, Any]) -> None:
        self.slot = slot
        self.process = subprocess.Popen([sys.executable, "-P", "-m", "svclab.grading.worker", json.dumps({**config, "slot": slot})],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=nbgrader_env(), start_new_session=True)
        self.job: Submission | None = None
        self.deadline = 0.0
        self.ready: dict[str, Any] | None = None
        assert self.process.stdout is not None
        self.stdout: IO[bytes] = self.process.stdout

    def send(self, unit: Submission, timeout: float) -> None:
        self.job = unit
        self.deadline = time.monotonic() + timeout
        assert self.process.stdin is not None
        message = {"student": unit.student, "assignment": unit.assignment, "folder": str(unit.path)}
        self.process.stdin.write((json.dumps(message) + "\n").encode())
        self.process.stdin.flush()

    def kill(self) -> None:
        """SIGKILL it and its process group (its zygote; the kernels and clusters the zygote forked end with it)."""
        children.kill(self.process, group=True)

    def close(self) -> None:
        """After its last submission: its stdin closes, it ends its zygote and scratch and exits."""
        children.end(self.process, 30, group=True)

    def tell_to_stop(self) -> None:
        """SIGTERM: abandon the submission in hand, end its processes, clean up and exit (`stop` waits for it)."""
        if self.process.poll() is None:
            try:
                self.process.send_signal(signal.SIGTERM)
            except OSError:
                pass

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        children.end(self.process, timeout, signum=signal.SIGTERM, group=True)
        if self.process.returncode == -signal.SIGKILL and self.ready and self.ready.get("user"):
            from svclab.grading import sandbox  # it could not clean up: whatever its sandbox user still runs ends

            sandbox.sweep_user(str(self.ready["user"]))


class FeedbackProcess:
    def __init__(self, out: Path, db_url: str, config: Path | None) -> None:
        args = json.dumps({"root": str(out), "db_url": db_url, "config": str(config) if config else None})
        self.process = subprocess.Popen([sys.executable, "-P", "-m", "svclab.grading.feedback", args], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=open(out / "logs" / "feedback.log", "a"), env=nbgrader_env(),
                                        start_new_session=True)
        self.sent = 0

    def submit(self, unit: Submission) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps({"student": unit.student, "assignment": unit.assignment}) + "\n").encode())
        self.process.stdin.flush()
        self.sent += 1

    def finish(self, progress: bool) -> list[str]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        errors = []
        bar = _progress(self.sent, progress, "feedback")
        for line in self.process.stdout:
            reply = json.loads(line)
            if reply.get("error"):
                errors.append(f"{reply['done']['student']}/{reply['done']['assignment']}: {reply['error']}")
            bar.update(1)
        bar.close()
        self.process.wait()
        return errors


class Timeline:
    """When each phase of the class run ended (seconds since its start), in logs/timeline.json."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.start = time.monotonic()
        self.marks: list[tuple[str, float]] = []

    def mark(self, what: str) -> None:
        self.marks.append((what, round(time.monotonic() - self.start, 3)))

    def write(self) -> None:
        self.path.write_text(json.dumps(dict(self.marks), indent=1) + "\n")


class Failures:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str]] = []

    def add(self, unit: Submission, reason: str) -> None:
        self.rows.append((unit.student, unit.assignment, reason))

    def write(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        if not self.rows:
            return
        with path.open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["student", "assignment", "reason"])
            writer.writerows(sorted(self.rows))


def check_sandbox(sandboxed: bool) -> bool:
    """Whether kernels get a mount namespace; exits with the reason when a sandbox is asked for and impossible."""
    from svclab.grading import sandbox

    if not sandboxed:
        return False
    why = sandbox.can_sandbox()
    if why is not None:
        raise SystemExit(f"svclab grade: {why}. Run it as root (`sudo .venv/bin/svclab grade ...`), in a container, or in the "
                         "Kubernetes Job of classroom/ (solutions/README.md, \"The sandbox\"); or pass --no-sandbox to grade "
                         "notebooks you trust (your own test submissions) as yourself.")
    return sandbox.can_make_mount_namespace()


def grade(submitted: Path, out: Path | None = None, jobs: int | None = None, timeout: int = 120, solutions: Path | None = None,
          keep: bool = False, shard: tuple[int, int] | None = None, sandbox: bool = True, memory_mib: int = 2048, seed: int = 0,
          db_url: str | None = None, course_config: Path | None = COURSE_CONFIG, progress: bool | None = None,
          submission_timeout: float = SUBMISSION_TIMEOUT) -> tuple[Path, Path]:
    """Grade every submission under `submitted` (or one shard of them); returns grades.csv and cell_grades.csv."""
    from svclab.grading import gradebook
    from svclab.grading.feedback import load_course_config

    use_venv_tools()
    submitted = submitted.resolve()
    out = (out or submitted.parent).resolve()
    solutions = (solutions or REPO / "solutions").resolve()
    progress = sys.stderr.isatty() if progress is None else progress
    units = shard_of(find_submissions(submitted), shard)
    if not units and shard is None:
        raise SystemExit(f"no submissions under {submitted} (expected <student>/<assignment>/*.ipynb)")
    mount_namespace = check_sandbox(sandbox)
    (out / "logs").mkdir(parents=True, exist_ok=True)
    db_url = db_url or gradebook.sqlite_url(out / "gradebook.db")
    started = time.monotonic()
    failures = Failures()
    workers: list[WorkerProcess] = []
    feedback: FeedbackProcess | None = None
    timeline = Timeline(out / "logs" / "timeline.json")
    grades, cells = out / "grades.csv", out / "cell_grades.csv"
    todo: list[Submission] = []
    finished: set[Submission] = set()  # recorded in the gradebook (graded, or failed with its reason)
    phase = "starting"  # how far the run got: starting, grading, graded
    scratch: Path | None = None
    with Stopper() as stop:
        try:
            scratch = Path(tempfile.mkdtemp(prefix="svclab-grade-"))
            scratch.chmod(0o700)
            known = sorted({u.assignment for u in units if (solutions / u.assignment).is_dir()})
            for unit in units:
                if unit.assignment in known:
                    todo.append(unit)
                else:
                    failures.add(unit, f"no assignment {unit.assignment!r} in {solutions}")
            gradebook.create(db_url)  # before the workers start, so their sandbox probe proves it unreadable
            config = {
                "out": str(out), "solutions": str(solutions), "timeout": timeout, "logs": str(out / "logs"), "db_url": db_url,
                "course_config": str(course_config) if course_config else None, "sandbox": sandbox, "mount_namespace": mount_namespace,
                "memory_mib": memory_mib, "seed": seed, "scratch": str(scratch),
                "secrets": secrets_of(solutions, out, submitted, db_url, scratch), "protected": protected_paths(out),
            }
            # The workers start (imports, zygote, sandbox probe) while the gradebook learns the assignments.
            workers = [WorkerProcess(slot, config) for slot in range(max(1, min(jobs or os.cpu_count() or 1, len(todo))))] if todo else []
            timeline.mark("workers started")
            gradebook.ensure_assignments(db_url, solutions, known, load_course_config(str(course_config) if course_config else None), scratch)
            write_course_config(out, solutions, db_url)
            timeline.mark("assignments in the gradebook")
            feedback = FeedbackProcess(out, db_url, course_config)
            phase = "grading"
            dispatch(workers, todo, config, out, db_url, failures, feedback, progress, submission_timeout, timeline, stop, finished)
            stop.check()
            phase = "graded"
            timeline.mark("graded")
            gradebook.export(db_url, grades, cells)
            failures.write(out / "failed.csv")
            timeline.mark("grades.csv written")
            feedback_errors = feedback.finish(progress)
            feedback = None
            timeline.mark("feedback written")
            if feedback_errors:
                (out / "logs" / "feedback-errors.txt").write_text("\n".join(feedback_errors) + "\n")
        except Stopped:
            pass  # reported below, once everything is cleaned up
        finally:
            stop.raising = False  # from here on a signal is noted, not raised: the clean-up runs to its end
            end_run(workers, feedback)
            timeline.write()
            if scratch is not None and not keep:
                shutil.rmtree(scratch, ignore_errors=True)
        if stop.signum is not None:
            left = [unit for unit in todo if unit not in finished]
            return stopped_run(stop.signum, phase, todo, left, failures, db_url, out, grades, cells)
    elapsed = time.monotonic() - started
    print(f"graded {len(units)} submission(s) with {len(workers)} worker(s) in {elapsed:.1f}s"
          + (f" ({elapsed / len(units):.2f}s per notebook)" if units else ""))
    if failures.rows:
        print(f"{len(failures.rows)} submission(s) did not grade cleanly (points earned before the failure are kept): {out / 'failed.csv'}")
    print(f"grades: {grades}\nper cell: {cells}\nfeedback: {out / 'feedback'}\ngradebook: {db_url} (formgrader: `jupyter lab` in {out})")
    return grades, cells


def end_run(workers: list[WorkerProcess], feedback: FeedbackProcess | None) -> None:
    """Every process of the run ends: workers still grading are told to stop and clean up (all at once, then
    each waited for), the feedback process is ended."""
    running = [w for w in workers if w.process.poll() is None]
    for worker in running:
        worker.tell_to_stop()
    for worker in running:
        worker.stop()
    if feedback is not None:
        children.kill(feedback.process, group=True)


def stopped_run(signum: int, phase: str, todo: list[Submission], left: list[Submission], failures: Failures, db_url: str,
                out: Path, grades: Path, cells: Path) -> Any:
    """After a stop: grades.csv from what the gradebook holds, failed.csv naming what was not graded, one clear
    message; then exit 128 + signum, as a process ended by that signal would."""
    from svclab.grading import gradebook

    name = signal.Signals(signum).name
    lines = [f"svclab grade: stopped by {name}"]
    if phase == "starting":
        lines.append("before any submission was graded; nothing was written (grades.csv is as it was)")
    else:
        for unit in left:
            failures.add(unit, f"not graded: the run was stopped by {name} first")
        try:
            gradebook.export(db_url, grades, cells)
            failures.write(out / "failed.csv")
            graded = len(todo) - len(left)
            lines.append(f"after {graded} of {len(todo)} submission(s); grades: {grades} (every graded submission in the gradebook), "
                         f"per cell: {cells}; the {len(left)} not graded are listed in {out / 'failed.csv'}: run the same command again "
                         "to grade them (feedback pages may be missing for the last ones graded)")
        except Exception as exc:  # noqa: BLE001 - said, not raised: the run is ending anyway
            lines.append(f"grades.csv could not be written ({type(exc).__name__}: {exc}); the gradebook is {db_url}")
    print("\n".join(lines), file=sys.stderr)
    raise SystemExit(128 + signum)


def secrets_of(solutions: Path, out: Path, submitted: Path, db_url: str, scratch: Path) -> list[str]:
    """What the preflight makes sure a sandboxed kernel cannot read."""
    from svclab.grading import gradebook

    found = [solutions, submitted, out / "autograded", out / "feedback", out / "logs", scratch]
    db = gradebook.db_path(db_url)
    if db is not None:
        found.append(db)
    for candidate in (REPO / ".git", REPO / "solutions"):
        if candidate.exists():
            found.append(candidate)
    return [str(p) for p in found if p.exists()]


def protected_paths(out: Path) -> list[str]:
    """What the preflight makes sure a sandboxed kernel cannot write: the install and the course."""
    import svclab

    return [str(p) for p in (Path(svclab.__file__).parent, Path(sys.prefix), REPO, out, Path(sys.prefix) / "bin") if p.exists()]


def dispatch(workers: list[WorkerProcess], todo: list[Submission], config: dict[str, Any], out: Path, db_url: str,
             failures: Failures, feedback: FeedbackProcess, progress: bool, submission_timeout: float, timeline: "Timeline",
             stop: Stopper | None = None, finished: set[Submission] | None = None) -> None:
    """Hand the submissions to the workers and record each result as it comes (into `finished`). When `stop`
    gets a signal it hands out nothing more, tells every worker to stop (SIGTERM), records the results they still
    send (a submission whose grading had finished) and returns once they have all ended, or after STOP_SECONDS."""
    from svclab.grading import gradebook

    queue = list(todo)
    bar = _progress(len(todo), progress, "grading")
    selector = selectors.DefaultSelector()
    for worker in workers:
        selector.register(worker.stdout, selectors.EVENT_READ, worker)
    if stop is not None:
        stop.raising = False  # a signal wakes the selector instead: no gradebook write is cut in half
        selector.register(stop.wake, selectors.EVENT_READ, None)
    done = 0
    finished = set() if finished is None else finished
    usage: list[dict[str, Any]] = []

    def finish(unit: Submission, graded: bool, reasons: list[str]) -> None:
        nonlocal done
        folder = out / "autograded" / unit.student / unit.assignment
        try:
            gradebook.record(db_url, folder, unit.student, unit.assignment, needs_review=bool(reasons))
        except Exception as exc:  # noqa: BLE001 - recorded as failed, never stops the class
            reasons = [*reasons, f"could not be recorded in the gradebook: {exc}"]
        if reasons:
            failures.add(unit, "; ".join(reasons))
        if graded:
            feedback.submit(unit)
        done += 1
        finished.add(unit)
        bar.set_postfix_str(f"{len(failures.rows)} failed" if failures.rows else "", refresh=False)
        bar.update(1)

    start_failures: dict[int, int] = {}

    def replace(worker: WorkerProcess, reason: str) -> None:
        unit = worker.job
        selector.unregister(worker.stdout)
        worker.kill()
        workers.remove(worker)
        if unit is not None:
            shutil.rmtree(out / "autograded" / unit.student / unit.assignment, ignore_errors=True)
            finish(unit, False, [reason])
        elif worker.ready is None:  # it never started: try once more, then do without this slot
            start_failures[worker.slot] = start_failures.get(worker.slot, 0) + 1
            if start_failures[worker.slot] > 1:
                nonlocal start_error
                start_error = f"{reason}: {log_tail(out / 'logs' / f'worker-{worker.slot}.log')}"
                return
        if queue:
            fresh = WorkerProcess(worker.slot, config)
            workers.append(fresh)
            selector.register(fresh.stdout, selectors.EVENT_READ, fresh)

    start_error = ""
    stopping_since: float | None = None  # when a signal stopped the run: the workers are told to stop, their last results read
    while True:
        if stopping_since is None and stop is not None and stop.signum is not None:
            stopping_since = time.monotonic()
            queue.clear()
            for worker in workers:
                worker.tell_to_stop()
        if stopping_since is not None:
            if not workers or time.monotonic() - stopping_since > STOP_SECONDS:  # what is left, end_run kills
                bar.close()
                write_usage(out, usage)
                return
        elif done >= len(todo):
            break
        if not workers:
            for unit in queue:
                finish(unit, False, [f"no grading worker could start ({start_error or 'see logs/'})"])
            queue.clear()
            break
        for key, _ in selector.select(timeout=1.0):
            if key.data is None:  # the stopper's wake-up: seen at the top of the loop
                os.read(stop.wake, 4096) if stop is not None else None
                continue
            worker: WorkerProcess = key.data
            line = worker.stdout.readline()
            if not line and stopping_since is not None:  # it stopped as told: the submission in hand is not graded
                selector.unregister(worker.stdout)
                workers.remove(worker)
                worker.process.wait()
                continue
            if not line:
                replace(worker, f"the grading worker ended unexpectedly (exit {worker.process.poll()}; see logs/worker-{worker.slot}.log)")
                continue
            message = json.loads(line)
            if "ready" in message:
                worker.ready = message
                timeline.mark(f"worker {worker.slot} ready")
                if message.get("problems"):
                    problems = "; ".join(message["problems"])
                    raise SystemExit(f"svclab grade: the sandbox is not tight, so nothing was graded: {problems}. "
                                     "See solutions/README.md, \"The sandbox\".")
            else:
                unit = worker.job
                worker.job = None
                assert unit is not None
                finish(unit, bool(message["graded"]), list(message["reasons"]))
                usage.append({"student": unit.student, "assignment": unit.assignment, **message.get("usage", {})})
            if queue:
                worker.send(queue.pop(0), submission_timeout)
        now = time.monotonic()
        for worker in list(workers) if stopping_since is None else []:
            if worker.job is not None and now > worker.deadline:
                replace(worker, f"grading took longer than {submission_timeout:.0f} s, so its worker was stopped")
            elif worker.ready is None and worker.process.poll() is not None:
                replace(worker, f"the grading worker did not start (see logs/worker-{worker.slot}.log)")
    bar.close()
    write_usage(out, usage)
    if stop is not None:
        stop.raising = True  # the workers finish their last submission: a signal now ends them at once
        stop.check()
    for worker in workers:
        worker.close()


def write_usage(out: Path, usage: list[dict[str, Any]]) -> None:
    with (out / "logs" / "usage.jsonl").open("a") as f:  # where each submission's time went (bench/bench_grading.py)
        for row in usage:
            f.write(json.dumps(row) + "\n")


def log_tail(path: Path, lines: int = 3) -> str:
    try:
        return " | ".join(line.strip() for line in path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "no log"


def merge(shards: list[Path], out: Path, solutions: Path | None = None, db_url: str | None = None,
          course_config: Path | None = COURSE_CONFIG) -> tuple[Path, Path]:
    """Record the results of `svclab grade --shard` runs (their --out folders) in one course gradebook."""
    from svclab.grading import gradebook
    from svclab.grading.feedback import load_course_config

    use_venv_tools()
    out = out.resolve()
    solutions = (solutions or REPO / "solutions").resolve()
    (out / "logs").mkdir(parents=True, exist_ok=True)
    db_url = db_url or gradebook.sqlite_url(out / "gradebook.db")
    failures = Failures()
    results: list[tuple[Path, Submission]] = []
    for shard in shards:
        shard = shard.resolve()
        failed = shard / "failed.csv"
        if failed.exists():
            with failed.open(newline="") as f:
                for row in csv.DictReader(f):
                    failures.rows.append((row["student"], row["assignment"], row["reason"]))
        for folder in sorted((shard / "autograded").glob("*/*")):
            if folder.is_dir():
                results.append((shard, Submission(folder.parent.name, folder.name, folder)))
    names = sorted({u.assignment for _, u in results})
    with tempfile.TemporaryDirectory(prefix="svclab-merge-") as scratch:
        gradebook.ensure_assignments(db_url, solutions, names, load_course_config(str(course_config) if course_config else None), Path(scratch))
    write_course_config(out, solutions, db_url)
    flagged = {(s, a) for s, a, _ in failures.rows}
    for shard, unit in results:
        for kind in ("autograded", "feedback"):
            source, target = shard / kind / unit.student / unit.assignment, out / kind / unit.student / unit.assignment
            if source.is_dir() and source.resolve() != target.resolve():
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(source, target)
        gradebook.record(db_url, out / "autograded" / unit.student / unit.assignment, unit.student, unit.assignment,
                         needs_review=(unit.student, unit.assignment) in flagged)
    grades, cells = out / "grades.csv", out / "cell_grades.csv"
    gradebook.export(db_url, grades, cells)
    failures.write(out / "failed.csv")
    print(f"merged {len(results)} submission(s) from {len(shards)} shard(s)\ngrades: {grades}\nper cell: {cells}")
    return grades, cells


def export_only(out: Path, db_url: str | None = None) -> tuple[Path, Path]:
    """grades.csv and cell_grades.csv again from the gradebook (after manual grading in formgrader)."""
    from svclab.grading import gradebook

    out = out.resolve()
    db_url = db_url or gradebook.sqlite_url(out / "gradebook.db")
    grades, cells = out / "grades.csv", out / "cell_grades.csv"
    gradebook.export(db_url, grades, cells)
    print(f"grades: {grades}\nper cell: {cells}")
    return grades, cells


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submitted", nargs="?", type=Path, help="the folder of submissions: <student>/<assignment>/*.ipynb")
    parser.add_argument("--out", type=Path, help="the course folder for gradebook.db, autograded/, feedback/, grades.csv (default: beside SUBMITTED)")
    parser.add_argument("--jobs", type=int, default=None, help="parallel workers (default: one per CPU)")
    parser.add_argument("--timeout", type=int, default=120, help="seconds a cell may run before it is interrupted and scores 0")
    parser.add_argument("--memory", type=int, default=2048, metavar="MIB", help="memory one kernel process may allocate (MiB); past it the cell fails")
    parser.add_argument("--seed", type=int, default=0, help="the seed of every submission's embedded cluster")
    parser.add_argument("--solutions", type=Path, default=None, help="the nbgrader sources (default: the repository's solutions/)")
    parser.add_argument("--gradebook", default=None, metavar="URL", help="the course gradebook (default: sqlite:///OUT/gradebook.db)")
    parser.add_argument("--shard", type=parse_shard, default=None, metavar="I/N", help="grade only shard I of N (0 <= I < N), e.g. an Indexed Job's index")
    parser.add_argument("--merge", nargs="+", type=Path, default=None, metavar="SHARD_OUT", help="record the --out folders of shard runs in OUT's gradebook")
    parser.add_argument("--export", action="store_true", help="only write grades.csv and cell_grades.csv again from the gradebook")
    parser.add_argument("--no-sandbox", dest="sandbox", action="store_false", help="run kernels as yourself, unconfined (only for notebooks you trust)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folders (for debugging)")


def run(args: argparse.Namespace) -> int:
    if args.merge:
        if args.out is None:
            raise SystemExit("svclab grade --merge needs --out (the course folder to record them in)")
        merge(args.merge, args.out, args.solutions, args.gradebook)
        return 0
    if args.export:
        export_only(args.out or Path.cwd(), args.gradebook)
        return 0
    if args.submitted is None:
        raise SystemExit("svclab grade: name the folder of submissions (or use --merge / --export)")
    grade(args.submitted, args.out, args.jobs, args.timeout, args.solutions, args.keep, args.shard, args.sandbox, args.memory,
          args.seed, args.gradebook)
    return 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m svclab.grading.loop", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    sys.exit(run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
