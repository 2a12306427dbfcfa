"""Run a command in a pod over the exec API (the same channel `kubectl exec` uses) and keep its
stdout, stderr and exit code apart (the stream itself: `svclab.lab.exec_stream`)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from kubernetes.client.exceptions import ApiException

from svclab.lab import tables
from svclab.lab.exec_stream import ExecResult, ExecTimeout, OutputTooLarge, UpgradeRefused, exec_path
from svclab.lab.waiting import Backoff
from svclab.lab.errors import LabError
from svclab.lab.session import Session


@dataclass(frozen=True)
class ExecOutput:
    stdout: str
    stderr: str
    exit_code: int

    def __str__(self) -> str:
        return self.stdout + self.stderr

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:  # IPython shows the text as a terminal would
        printer.text(str(self))  # type: ignore[attr-defined]


def _exit_code(status_text: str) -> int:
    if not status_text:
        return 0
    status = json.loads(status_text)
    if status.get("status") == "Success":
        return 0
    for cause in (status.get("details") or {}).get("causes") or []:
        if cause.get("reason") == "ExitCode":
            return int(cause["message"])
    return 1


def wait_for_container(session: Session, pod: str, namespace: str, container: str | None = None, timeout: float = 60, poll: float = 0.2) -> None:
    """Block until the pod's container runs (what exec needs); a one-line LabError if it never does."""
    deadline = time.monotonic() + timeout
    pause = Backoff(poll)
    while True:
        try:
            found = session.core.read_namespaced_pod(pod, namespace)
        except ApiException as exc:
            if exc.status == 404:
                raise LabError(f'pods "{pod}" not found in namespace {namespace}') from None
            raise
        statuses = {s.name: s for s in (found.status.container_statuses or [])}
        names = [container] if container else [c.name for c in found.spec.containers or []]
        if all(n in statuses and statuses[n].state is not None and statuses[n].state.running is not None for n in names):
            return
        if found.status.phase in ("Succeeded", "Failed"):
            raise LabError(f"pod {pod} has completed (phase {found.status.phase}): there is no running container to exec into")
        if time.monotonic() > deadline:
            raise LabError(f"pod {pod}'s container is not running after {timeout:.0f}s ({tables.not_running_reason(found)}): exec needs a running container")
        pause.sleep()


def _open_exec(session: Session, pod: str, namespace: str, command: list[str], container: str | None, timeout: float) -> ExecResult:
    try:
        return session.exec_client.run(exec_path(namespace, pod, command, container), timeout=timeout)
    except ExecTimeout:
        raise LabError(f"exec in pod {pod}: the command did not finish within {timeout:.0f}s") from None
    except OutputTooLarge as exc:
        raise LabError(f"exec in pod {pod}: the command wrote too much ({exc}); its output was not kept") from None


def exec_in(session: Session, pod: str, command: list[str], namespace: str | None = None, container: str | None = None, timeout: float = 120, start_timeout: float = 60) -> ExecOutput:
    """Run `command` in the pod once its container runs (waiting up to `start_timeout` for it to start).

    The exec is tried at once; only when the server refuses it (the container is not running yet, the pod is not
    there or has completed) does this wait for the container, which says in one line why it cannot, and try again.
    A command still running after `timeout` seconds is ended (the stream is closed) and named in a LabError."""
    ns = namespace or session.namespace
    try:
        result = _open_exec(session, pod, ns, command, container, timeout)
    except UpgradeRefused:
        wait_for_container(session, pod, ns, container, start_timeout)
        try:
            result = _open_exec(session, pod, ns, command, container, timeout)
        except UpgradeRefused as exc:  # the upgrade was refused: say what the server said, in one line
            raise LabError(f"exec in pod {pod} failed: {exc.words()}") from None
    return ExecOutput(result.stdout.decode("utf-8", "replace"), result.stderr.decode("utf-8", "replace"), _exit_code(result.status))
