"""nbgrader's Execute preprocessor, grading-safe: the kernel runs the learner's cells, the grader runs the tests.

`TrustedExecute` drives a confined kernel (`svclab.grading.kernels`) through a notebook as nbgrader's
`Execute` does, with these differences:

- **Test cells never run in the kernel.** For a grade cell that is an autograder test, it asks the kernel to
  export the assignment's answers as data (`svclab.grading.export`, through the execute request's
  ``user_expressions``), and has the submission's trusted host run the test's code — taken from the
  gradebook, hidden tests included — on those answers and the live cluster (`svclab.grading.host`). The
  outputs it returns are the cell's outputs, which nbgrader's SaveAutoGrades scores as usual.
- **After each answer cell**, the answers are exported too, so a test can read a value as it was then
  (``answer("p", at="q2-predict")``: a prediction cannot be rewritten after the fact).
- **One cell's failure costs that cell.** A cell past the timeout is interrupted (nbclient); one that does not
  stop when interrupted ends the kernel. A kernel that dies (``os._exit``, a crash) keeps every point earned
  before it; the cells after it are marked not run (score 0) and the reason is reported to the worker,
  which lists the submission in failed.csv. A cell's output beyond `GradingRun.output_bytes` is dropped.
"""

from __future__ import annotations

import ast
import asyncio
import json
import signal
import time
from dataclasses import dataclass, field
from typing import Any

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync
from nbformat import NotebookNode

from nbgrader.preprocessors import Execute
from svclab.grading import export

OUTPUT_TYPES = {"stream", "display_data", "execute_result", "error", "update_display_data"}
MAX_SNAPSHOT = 64 << 20


@dataclass
class GradingRun:
    """What the worker tells the executor about the submission it grades now."""

    host: Any                          # svclab.grading.worker.HostClient
    answers: tuple[str, ...]           # the assignment's answer variables
    tests: dict[str, str]              # grade_id -> test code, from the gradebook
    solutions: set[str]                # grade_ids of answer cells
    timeout: float = 120
    output_bytes: int = 4 << 20
    failures: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # wall time by phase (kernel start, cells, exports, tests)
    cells: list[tuple[str, float]] = field(default_factory=list)  # wall time of each cell that ran: ("learner q1-answer", s), ("test q1-kind", s)

    def spent(self, phase: str, since: float) -> None:
        self.seconds[phase] = self.seconds.get(phase, 0.0) + time.monotonic() - since


CURRENT_RUN: GradingRun | None = None


def _error(name: str, message: str) -> NotebookNode:
    return nbformat.v4.new_output("error", ename=name, evalue=message, traceback=[f"✘ {message}"])


def _exit_reason(code: int | None) -> str:
    if code is None:
        return "it stopped answering"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed by {name}" + (" (out of memory?)" if -code == signal.SIGKILL else "")
    return f"exit code {code}"


class TrustedExecute(Execute):  # type: ignore[misc]
    def preprocess(self, nb: NotebookNode, resources: Any, km: Any = None) -> tuple[NotebookNode, Any]:
        from svclab.grading.kernels import SandboxKernelManager

        self.run = CURRENT_RUN
        if self.run is None:
            raise RuntimeError("TrustedExecute needs a GradingRun (svclab.grading.execute.CURRENT_RUN)")
        self.kernel_manager_class = SandboxKernelManager
        self.dead: str | None = None
        self.latest_exported = False
        self.cell_bytes = 0
        self.capped = False
        self.order: list[NotebookNode] = []
        self.prepared = False
        self.shutdown_kernel = "immediate"  # nothing in a graded kernel is worth a graceful exit
        nb, resources = super().preprocess(nb, resources, km)
        for number, cell in enumerate(self.order, 1):  # In [n] in the order cells ran, test cells included
            cell.execution_count = number
            for output in cell.get("outputs", []):
                if output.get("output_type") == "execute_result":
                    output["execution_count"] = number
        return nb, resources

    # ---- one cell --------------------------------------------------------------------------------------
    async def async_execute_cell(self, cell: NotebookNode, cell_index: int, execution_count: int | None = None,
                                 store_history: bool = True) -> NotebookNode:
        if cell.cell_type != "code":
            return cell
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        run = self.run
        if self.dead is not None:
            cell.outputs = [_error("NotRun", f"not run: {self.dead}")]
            cell.execution_count = None
            return cell
        if grade_id in run.tests:
            await self._test_cell(cell, grade_id)
            return cell
        if not cell.source.strip():
            return cell
        if not self.prepared:
            await self._prepare()
        self.latest_exported = False
        self.cell_bytes, self.capped = 0, False
        started = time.monotonic()
        try:
            cell = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        except DeadKernelError:
            self._died(cell, self._where(cell_index), f"the kernel died while running this cell ({_exit_reason(self._exit_code())})")
            return cell
        except CellTimeoutError:  # interrupted at the timeout, and still no answer after it
            await self._kill()
            self._died(cell, self._where(cell_index), f"this cell ran past {self.timeout} s and did not stop when interrupted, so the kernel was ended")
            return cell
        finally:
            run.spent("cells", started)
            run.cells.append((f"learner {self._where(cell_index).removeprefix('cell ')}", round(time.monotonic() - started, 3)))
        self.order.append(cell)
        if grade_id in run.solutions:
            await self._export(grade_id)
        return cell

    execute_cell = run_sync(async_execute_cell)

    async def async_start_new_kernel_client(self) -> Any:
        from svclab.grading.kernels import wait_ready

        started = time.monotonic()
        self.kc = self.km.client()
        await ensure_async(self.kc.start_channels())
        try:
            await wait_ready(self.kc, self.startup_timeout)
        except Exception:
            await self._async_cleanup_kernel()
            raise
        self.run.spent("kernel ready", started)
        self.kc.allow_stdin = False
        return self.kc

    def _where(self, index: int) -> str:
        """`cell q3-answer`, or for a cell of the learner's own `the cell after q2-hidden`."""
        grade_id = self.nb.cells[index].metadata.get("nbgrader", {}).get("grade_id")
        if grade_id:
            return f"cell {grade_id}"
        before = next((c.metadata.get("nbgrader", {}).get("grade_id") for c in reversed(self.nb.cells[:index])
                       if c.metadata.get("nbgrader", {}).get("grade_id")), None)
        return f"the cell after {before}" if before else f"code cell {index + 1}"

    def _died(self, cell: NotebookNode, where: str, message: str) -> None:
        self.dead = f"the kernel ended in {where} before this one"
        cell.outputs.append(_error("KernelDied", message))
        self.order.append(cell)
        self.run.failures.append(f"{message} [{where}]; the cells after it were not run")

    def _exit_code(self) -> int | None:
        provisioner = getattr(self.km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        return process.wait(2) if process is not None else None

    async def _kill(self) -> None:
        try:
            await self.km.shutdown_kernel(now=True)
        except Exception:  # noqa: BLE001 - it is being ended because it does not answer
            pass

    async def _prepare(self) -> None:
        """Before the first cell: the kubeconfig of the submission's cluster into the kernel's SVCLAB_STATE_DIR
        (the cluster started beside the kernel; this waits for it)."""
        self.prepared = True
        started = time.monotonic()
        files = await asyncio.to_thread(lambda: self.run.host.files)
        self.run.spent("cluster wait", started)
        code = (
            "def __svclab_cluster_files(files):\n"
            "    import os\n"
            "    folder = os.environ['SVCLAB_STATE_DIR']\n"
            "    os.makedirs(folder, mode=0o700, exist_ok=True)\n"
            "    for name, text in files.items():\n"
            "        fd = os.open(os.path.join(folder, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)\n"
            "        with os.fdopen(fd, 'w') as f:\n"
            "            f.write(text)\n"
            f"__svclab_cluster_files(__import__('json').loads({json.dumps(files)!r}))\n"
            "del __svclab_cluster_files\n")
        msg_id = self.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
        reply = await self.async_wait_for_reply(msg_id)
        if (reply or {}).get("content", {}).get("status") != "ok":
            raise RuntimeError(f"the kernel could not be given its cluster's kubeconfig: {(reply or {}).get('content', {}).get('evalue')}")

    # ---- answers out of the kernel, tests in the host ------------------------------------------------------
    async def _export(self, at: str | None) -> None:
        """Ask the kernel for its answers (data only) and hand them to the host as `at` (None: the latest)."""
        run = self.run
        text = ""
        started = time.monotonic()
        try:
            msg_id = self.kc.execute("", silent=True, store_history=False, allow_stdin=False, stop_on_error=False,
                                     user_expressions={"a": export.expression(list(run.answers))})
            reply = await self.async_wait_for_reply(msg_id)
            found = (reply or {}).get("content", {}).get("user_expressions", {}).get("a", {})
            raw = found.get("data", {}).get("text/plain", "") if found.get("status") == "ok" else ""
            if isinstance(raw, str) and len(raw) <= MAX_SNAPSHOT:
                value = ast.literal_eval(raw) if raw else ""
                text = value if isinstance(value, str) else ""
        except (TimeoutError, asyncio.TimeoutError):
            await self.km.interrupt_kernel()
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            text = ""  # not a string literal: the host reads it as unreadable answers
        except DeadKernelError:
            text = ""
        await asyncio.to_thread(run.host.answers, at, text)
        run.spent("exports", started)

    async def _test_cell(self, cell: NotebookNode, grade_id: str) -> None:
        run = self.run
        if not self.latest_exported:
            await self._export(None)
            self.latest_exported = True
        started = time.monotonic()
        outputs = await asyncio.to_thread(run.host.check, grade_id, run.tests[grade_id], float(self.timeout or 120))
        run.spent("tests", started)
        run.cells.append((f"test {grade_id}", round(time.monotonic() - started, 3)))
        cell.outputs = [nbformat.from_dict(o) for o in outputs]
        self.order.append(cell)

    # ---- bounded output -------------------------------------------------------------------------------------
    def process_message(self, msg: dict[str, Any], cell: NotebookNode, cell_index: int) -> NotebookNode | None:
        if msg.get("msg_type") in OUTPUT_TYPES and self.run is not None:
            content = msg.get("content", {})
            size = len(content.get("text", "")) + sum(len(v) if isinstance(v, str) else len(json.dumps(v)) for v in content.get("data", {}).values())
            size += sum(len(line) for line in content.get("traceback", []))
            self.cell_bytes += size
            if self.cell_bytes > self.run.output_bytes:
                if not self.capped:
                    self.capped = True
                    cell.outputs.append(nbformat.v4.new_output("stream", name="stdout",
                                                               text=f"\n... output past {self.run.output_bytes >> 20} MiB dropped by the grader ...\n"))
                return None
        return super().process_message(msg, cell, cell_index)
