"""Run a command in a pod over the exec API (the same channel `kubectl exec` uses) and keep its
stdout, stderr and exit code apart."""

from __future__ import annotations

import json
from dataclasses import dataclass

from kubernetes.stream import stream

from svclab.lab.session import Session

STATUS_CHANNEL = 3


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


def exec_in(session: Session, pod: str, command: list[str], namespace: str | None = None, container: str | None = None, timeout: float = 120) -> ExecOutput:
    kwargs = {"container": container} if container else {}
    response = stream(
        session.core.connect_get_namespaced_pod_exec,
        pod,
        namespace or session.namespace,
        command=command,
        stderr=True,
        stdin=False,
        stdout=True,
        tty=False,
        _preload_content=False,
        **kwargs,
    )
    stdout, stderr = [], []
    response.run_forever(timeout=timeout)
    stdout.append(response.read_stdout() or "")
    stderr.append(response.read_stderr() or "")
    status = response.read_channel(STATUS_CHANNEL)
    response.close()
    return ExecOutput("".join(stdout), "".join(stderr), _exit_code(status))
