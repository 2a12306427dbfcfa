"""A long-lived grading worker: nbgrader's Autograde through its Python API, one submission after another.

``python -m svclab.grading.worker CONFIG_JSON`` is started by the grading loop (`svclab.grading.loop`), one per
parallel slot. At start it launches its zygote (`svclab.grading.zygote`), takes the sandbox user of its slot
(`svclab.grading.sandbox`), copies the gradebook's assignments for its own Autograde, and proves the sandbox
from inside it (`sandbox.probe`): a kernel there must not read the secrets or write the install, or the worker
refuses to grade. Then, for each job (one line of JSON on stdin: student, assignment, folder) it:

1. copies the submission's regular files (never a symlink: a link to `solutions/` would be read as root)
   into a scratch course;
2. has the zygote fork the submission's trusted host (its cluster, its test runner) and, when nbgrader asks
   for a kernel, a confined kernel (`svclab.grading.kernels`);
3. runs nbgrader's Autograde converter with `TrustedExecute` (`svclab.grading.execute`) in place of Execute,
   and without SaveAutoGrades: the loop records the autograded notebook in the course gradebook itself;
4. ends the host, the kernel and every process of the sandbox user, removes the scratch, and moves the
   autograded folder into place; answers one line of JSON: ``{"job": ..., "ok": bool, "reasons": [...]}``.

Whatever one submission does is that submission's result; the worker goes on with the next.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import stat
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from svclab.grading import execute, gradebook, kernels, sandbox
from svclab.grading.feedback import load_course_config

SUBMISSION_BYTES = 100 << 20


class Stopped(BaseException):
    """SIGTERM from the loop: abandon the submission in hand (its `finally` ends its processes), then exit."""


class StopState:
    """A submission whose grading has finished is reported even when SIGTERM comes while it is wrapped up (its
    processes ended, its notebook copied out, its result written): the stop waits for that, then takes effect."""

    finishing = False
    pending = False

    @classmethod
    def finished(cls) -> None:
        """The result is out: leave the wrap-up, and stop now if SIGTERM came meanwhile."""
        cls.finishing = False
        if cls.pending:
            raise Stopped()


def stop_on_sigterm() -> None:
    def handle(signum: int, frame: Any) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: the clean-up is not interrupted again
        if StopState.finishing:
            StopState.pending = True
            return
        raise Stopped()

    signal.signal(signal.SIGTERM, handle)


class HostClient:
    """The worker's end of a submission's trusted host (`svclab.grading.host`). It connects on first use, so
    the host's cluster starts while nbgrader prepares the notebook and the zygote forks the kernel."""

    def __init__(self, path: str, pid: int, zygote: kernels.ZygoteClient, timeout: float = 60) -> None:
        self.path = path
        self.pid = pid
        self.zygote = zygote
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self._files: dict[str, str] | None = None

    def _connect(self) -> None:
        from svclab.grading.host import unix_address

        deadline = time.monotonic() + self.timeout
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        while True:
            address, folder = unix_address(self.path)
            try:
                self.sock.connect(address)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if self.zygote.poll(self.pid) is not None:
                    raise RuntimeError(f"the submission's cluster did not start (exit {self.zygote.poll(self.pid)}; see the worker's log)") from None
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the submission's cluster did not start within {self.timeout:.0f} s") from None
                time.sleep(0.005)
            finally:
                if folder is not None:
                    os.close(folder)
        self.file = self.sock.makefile("rwb")
        self._files = self._receive(self.timeout)["ready"]

    @property
    def files(self) -> dict[str, str]:
        """The kubeconfig, token and cluster.json for the kernel's state directory (waits for the cluster)."""
        if self._files is None:
            self._connect()
        assert self._files is not None
        return self._files

    def _receive(self, timeout: float | None = None) -> dict[str, Any]:
        self.sock.settimeout(timeout)
        line = self.file.readline()
        if not line:
            raise RuntimeError("the submission's trusted host ended (see the worker's log)")
        return json.loads(line)

    def _call(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        self.files  # noqa: B018 - connected
        self.file.write((json.dumps(message) + "\n").encode())
        self.file.flush()
        return self._receive(timeout)

    def answers(self, at: str | None, text: str) -> None:
        self._call({"op": "answers", "at": at, "data": text}, 60)

    def check(self, grade_id: str, source: str, timeout: float) -> list[dict[str, Any]]:
        try:
            return self._call({"op": "check", "grade_id": grade_id, "source": source, "timeout": timeout}, timeout + 30)["outputs"]
        except (OSError, ValueError, RuntimeError) as exc:
            message = f"the grader's check could not run ({exc})"
            return [{"output_type": "error", "ename": "GraderError", "evalue": message, "traceback": [f"✘ {message}"]}]

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()


def copy_submission(source: Path, target: Path, limit: int = SUBMISSION_BYTES) -> list[str]:
    """Copy the regular files and folders of a submission; symlinks and special files are left out (named)."""
    skipped, total = [], 0
    for dirpath, dirnames, filenames in os.walk(source, followlinks=False):
        rel = Path(dirpath).relative_to(source)
        (target / rel).mkdir(parents=True, exist_ok=True)
        for name in [*dirnames]:
            if os.path.islink(os.path.join(dirpath, name)):
                skipped.append(str(rel / name))
                dirnames.remove(name)
        for name in filenames:
            path = Path(dirpath) / name
            st = os.lstat(path)
            if not stat.S_ISREG(st.st_mode):
                skipped.append(str(rel / name))
                continue
            total += st.st_size
            if total > limit:
                raise ValueError(f"the submission is larger than {limit >> 20} MiB")
            with open(path, "rb") as src, open(target / rel / name, "wb") as dst:
                shutil.copyfileobj(src, dst)
    return skipped


class Worker:
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.slot = int(config["slot"])
        self.out = Path(config["out"])
        self.solutions = Path(config["solutions"])
        self.timeout = float(config["timeout"])
        self.scratch = Path(tempfile.mkdtemp(prefix=f"svclab-worker{self.slot}-", dir=config.get("scratch")))
        self.scratch.chmod(0o700)
        self.log_path = str(Path(config["logs"]) / f"worker-{self.slot}.log")
        self.log = open(self.log_path, "a", buffering=1)
        logging.basicConfig(stream=self.log, level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", force=True)
        env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(self.scratch / "runtime")}
        self.zygote = kernels.ZygoteClient(self.log_path, env=env)
        os.environ["JUPYTER_RUNTIME_DIR"] = str(self.scratch / "runtime")
        self.sandboxed = bool(config.get("sandbox", True))
        if self.sandboxed:  # a user no other worker on this machine runs kernels as, held until this worker ends
            self.user, self.uid, self.gid, self.user_lock = sandbox.claim_user()
        else:
            self.user, self.uid, self.gid = "", os.getuid(), os.getgid()
        self.mount_namespace = self.sandboxed and bool(config.get("mount_namespace", True))
        self.binds = sandbox.default_binds()
        self._db_url: str | None = None  # the gradebook's assignments, copied at the first job (the loop fills it meanwhile)
        self.course_config = load_course_config(config.get("course_config"))
        self.tests_cache: dict[str, tuple[dict[str, str], set[str]]] = {}
        self.outside: list[Path] = []  # kernel folders made outside the scratch (file-mode sandbox): removed after each job
        self.seq = 0

    @property
    def db_url(self) -> str:
        """A private copy of the course gradebook's assignments for this worker's Autograde (made at its first job)."""
        if self._db_url is None:
            self._db_url = gradebook.copy_for_worker(self.config["db_url"], self.scratch / "assignments.db")
        return self._db_url

    # ---- the sandbox --------------------------------------------------------------------------------------
    def spec(self, job_dir: Path) -> sandbox.Spec:
        root = job_dir / "root"
        if self.mount_namespace or not self.sandboxed:
            root.mkdir(mode=0o700)
        else:  # file modes only: the kernel's folder must be reachable by its user, so not under our 0700 scratch
            root = Path(tempfile.mkdtemp(prefix=f"svclab-sandbox{self.slot}-"))
            self.outside.append(root)
            os.chown(root, self.uid, self.gid)
        limits = sandbox.Limits(memory_bytes=int(self.config.get("memory_mib", 2048)) << 20)
        venv_bin = os.path.dirname(sys.executable)
        env = {
            "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin", "HOME": "{tmp}/home", "TMPDIR": "{tmp}", "USER": self.user or "grader",
            "LOGNAME": self.user or "grader", "LANG": "C.UTF-8", "IPYTHONDIR": "{tmp}/ipython", "MPLCONFIGDIR": "{tmp}/mpl",
            "JUPYTER_RUNTIME_DIR": "{tmp}/runtime", "JUPYTER_CONFIG_DIR": "{tmp}/jupyter", "JUPYTER_DATA_DIR": "{tmp}/jupyter",
            "PYTHONDONTWRITEBYTECODE": "1", "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "module://matplotlib_inline.backend_inline",
            "SVCLAB_GRADING": "1", "SVCLAB_STATE_DIR": "{tmp}/cluster", "KUBECONFIG": "{tmp}/cluster/kubeconfig",
            "SVCLAB_SEED": str(self.config.get("seed", 0)), "KUBECACHEDIR": "{tmp}/kubecache",
        }
        return sandbox.Spec(uid=self.uid, gid=self.gid, user=self.user, root=str(root), binds=self.binds,
                            mount_namespace=self.mount_namespace, limits=limits, env=env)

    def preflight(self) -> list[str]:
        """Confine a process as a kernel would be and try what a submission must not do."""
        job_dir = self.scratch / "preflight"
        job_dir.mkdir()
        result = job_dir / "result.json"
        spec = self.spec(job_dir)
        secrets = [str(p) for p in self.config.get("secrets", [])]
        protected = [str(p) for p in self.config.get("protected", [])]
        code = self.zygote.run("probe", spec=spec.to_json(), secrets=secrets, protected=protected, result=str(result), log=self.log_path)
        try:
            report = json.loads(result.read_text())
        except (OSError, ValueError):
            return [f"the sandbox probe failed (exit {code}; see {self.log_path})"]
        finally:
            self.zygote.run("killuser", uid=self.uid)
            shutil.rmtree(job_dir, ignore_errors=True)
        if "error" in report:
            return [f"the sandbox could not be set up: {report['error']}"]
        return list(report.get("violations", []))

    # ---- one submission ------------------------------------------------------------------------------------
    def test_cells(self, assignment: str, notebook: str) -> tuple[dict[str, str], set[str]]:
        key = f"{assignment}/{notebook}"
        if key not in self.tests_cache:
            from nbgrader.api import Gradebook

            with Gradebook(self.db_url) as gb:
                nb = gb.find_notebook(notebook, assignment)
                solutions = {c.name for c in nb.solution_cells}
                sources = {c.name: c for c in nb.source_cells}
                tests = {c.name: sources[c.name].source for c in nb.grade_cells
                         if c.cell_type == "code" and c.name not in solutions and c.name in sources}
            self.tests_cache[key] = (tests, solutions)
        return self.tests_cache[key]

    def grade(self, job: dict[str, Any]) -> dict[str, Any]:
        from svclab.grading.trusted import assignment_module

        student, assignment, folder = job["student"], job["assignment"], Path(job["folder"])
        self.seq += 1
        self.usage = {"worker": time.process_time(), "kernel": 0.0, "host": 0.0, "wall": time.monotonic()}
        job_dir = self.scratch / f"job{self.seq}"
        course = job_dir / "course"
        submitted = course / "submitted" / student / assignment
        job_dir.mkdir(mode=0o700)
        reasons: list[str] = []
        host: HostClient | None = None
        host_pid: int | None = None
        run: execute.GradingRun | None = None
        try:
            skipped = copy_submission(folder, submitted)
            if skipped:
                self.log.write(f"{student}/{assignment}: left out (not regular files): {', '.join(skipped)}\n")
            notebooks = sorted(p.stem for p in submitted.glob("*.ipynb"))
            if not notebooks:
                raise ValueError("no notebook in the submission")
            module = assignment_module(assignment)
            host_pid = self.zygote.request("host", log=self.log_path, spec={
                "assignment": assignment, "seed": int(self.config.get("seed", 0)), "state_dir": str(job_dir / "host"),
                "socket": str(job_dir / "host.sock")})
            host = HostClient(str(job_dir / "host.sock"), host_pid, self.zygote)
            spec = self.spec(job_dir)
            kernels.CURRENT = kernels.KernelRequest(self.zygote, spec, log=self.log_path)
            tests: dict[str, str] = {}
            solutions: set[str] = set()
            for notebook in notebooks:
                try:
                    found = self.test_cells(assignment, notebook)
                except Exception:  # noqa: BLE001 - a notebook the gradebook does not know: nbgrader skips it
                    continue
                tests.update(found[0])
                solutions |= found[1]
            run = execute.CURRENT_RUN = execute.GradingRun(host=host, answers=tuple(module.A.answers), tests=tests,
                                                           solutions=solutions, timeout=self.timeout)
            started = time.monotonic()
            reasons += self.autograde(course, student, assignment)
            StopState.finishing = True  # graded: from here to its result, a SIGTERM waits
            run.spent("autograde", started)
            reasons += run.failures
        except Exception as exc:  # noqa: BLE001 - this submission's failure, not the worker's
            self.log.write(f"{student}/{assignment}: {traceback.format_exc()}\n")
            reasons.append(f"{type(exc).__name__}: {exc}")
        finally:
            execute.CURRENT_RUN = None
            started = kernels.CURRENT.started if kernels.CURRENT else []
            kernels.CURRENT = None
            self.cleanup(host, host_pid, started)
        produced = course / "autograded" / student / assignment
        target = self.out / "autograded" / student / assignment
        ok = produced.is_dir() and any(produced.glob("*.ipynb"))
        if target.exists():
            shutil.rmtree(target)
        if ok:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(produced, target)
        elif not reasons:
            reasons.append("nbgrader produced no autograded notebook (see the worker's log)")
        shutil.rmtree(job_dir, ignore_errors=True)
        usage = {"worker": round(time.process_time() - self.usage["worker"], 3), "kernel": round(self.usage["kernel"], 3),
                 "host": round(self.usage["host"], 3), "wall": round(time.monotonic() - self.usage["wall"], 3),
                 **{phase: round(seconds, 3) for phase, seconds in (run.seconds.items() if run is not None else ())},
                 "per_cell": [list(c) for c in run.cells] if run is not None else []}
        return {"job": job, "graded": ok, "reasons": reasons, "usage": usage}

    def autograde(self, course: Path, student: str, assignment: str) -> list[str]:
        """nbgrader's Autograde converter on one submission; the errors it logged, if it failed."""
        from nbgrader.converters import Autograde
        from nbgrader.converters.base import NbGraderException
        from nbgrader.coursedir import CourseDirectory

        config = self.course_config.copy()
        config.CourseDirectory.root = str(course)
        config.CourseDirectory.source_directory = str(self.solutions.resolve())
        config.CourseDirectory.submitted_directory = "submitted"
        config.CourseDirectory.autograded_directory = "autograded"
        config.CourseDirectory.db_url = self.db_url
        config.Autograde.autograde_preprocessors = [
            "svclab.grading.execute.TrustedExecute", "nbgrader.preprocessors.IgnorePattern",
            "nbconvert.preprocessors.ClearMetadataPreprocessor", "nbgrader.preprocessors.LimitOutput",
            "nbgrader.preprocessors.CheckCellMetadata"]
        config.OverwriteCells.add_missing_cells = True
        config.TrustedExecute.timeout = int(self.timeout)
        config.TrustedExecute.interrupt_on_timeout = True
        config.TrustedExecute.raise_on_iopub_timeout = True
        config.TrustedExecute.iopub_timeout = 10
        config.TrustedExecute.startup_timeout = 60
        coursedir = CourseDirectory(config=config)
        coursedir.student_id = student
        coursedir.assignment_id = assignment
        converter = Autograde(coursedir=coursedir, config=config)
        converter.force = True
        errors: list[str] = []

        class Collect(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                text = record.getMessage().strip()
                if record.levelno >= logging.ERROR and text and not text.startswith(("Please see", "There was an error processing assignment")):
                    errors.append(text.splitlines()[-1][:500])

        handler = Collect()
        converter.log.addHandler(handler)
        converter.log.setLevel(logging.WARNING)
        try:
            converter.start()
        except NbGraderException:
            return errors[:3] or ["nbgrader could not autograde this submission (see the worker's log)"]
        finally:
            converter.log.removeHandler(handler)
        return []

    def cleanup(self, host: HostClient | None, host_pid: int | None, started: list[kernels.ZygoteProcess]) -> None:
        for process in started:
            kernels.wait_gone(process)
        if host is not None:
            host.close()
        if host_pid is not None:  # nothing of a submission's cluster is kept: ended at once
            kernels.wait_gone(kernels.ZygoteProcess(self.zygote, host_pid))
            self.usage["host"] += self.zygote.forget(host_pid)
        for process in started:
            self.usage["kernel"] += self.zygote.forget(process.pid)
        if self.sandboxed:
            self.zygote.run("killuser", uid=self.uid)
        while self.outside:
            shutil.rmtree(self.outside.pop(), ignore_errors=True)

    def close(self) -> None:
        if self.sandboxed:  # after a stop mid-submission: what its kernel started as the sandbox user
            try:
                self.zygote.run("killuser", uid=self.uid, timeout=10)
            except Exception as exc:  # noqa: BLE001 - the zygote is gone: the loop sweeps the user
                self.log.write(f"could not end the sandbox user's processes: {exc}\n")
        self.zygote.close()
        while self.outside:
            shutil.rmtree(self.outside.pop(), ignore_errors=True)
        shutil.rmtree(self.scratch, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    config = json.loads((argv or sys.argv[1:])[0])
    stop_on_sigterm()
    out = os.fdopen(os.dup(1), "w", buffering=1)  # the protocol; our own fd 1 goes to the log
    try:
        worker = Worker(config)
    except Stopped:
        return  # its zygote ends with it (parent-death signal); the loop removes its scratch
    os.dup2(worker.log.fileno(), 1)
    os.dup2(worker.log.fileno(), 2)
    try:
        problems = worker.preflight() if worker.sandboxed else []
        out.write(json.dumps({"ready": True, "problems": problems, "sandbox": worker.sandboxed,
                              "mount_namespace": worker.mount_namespace, "user": worker.user}) + "\n")
        if problems:
            return
        for line in sys.stdin:
            job = json.loads(line)
            out.write(json.dumps(worker.grade(job)) + "\n")
            StopState.finished()
    except Stopped:
        worker.log.write("stopped (SIGTERM): the submission in hand was abandoned and its processes ended\n")
    finally:
        worker.close()


if __name__ == "__main__":
    main()
