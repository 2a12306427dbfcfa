"""The grading fork server ("zygote"): one warm, pre-imported process that forks each submission's processes.

A grading worker starts one (``python -P -m svclab.grading.zygote``) before it loads anything else. It imports
what a grading kernel and a submission's cluster need — ipykernel, svclab.lab, the kubernetes client and its
models, pandas, the embedded cluster, the checks — once, then forks on request, so every submission still
gets processes of its own, fresh, in a few milliseconds instead of seconds of imports. It holds nothing
secret: no solutions, no gradebook, no hidden test (those reach only the trusted host of one submission,
after the fork). It is single-threaded, so forking it is safe.

Protocol: JSON lines. Requests on stdin: ``{"id": n, "op": "kernel"|"host"|"probe"|"killuser", ...}``;
on stdout the reply ``{"id": n, "pid": p}`` (or ``{"id": n, "error": "..."}``) and, whenever a child ends,
``{"event": "exit", "pid": p, "status": waitstatus}``. End of stdin ends the zygote and every child.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import pkgutil
import select
import signal
import sys
import traceback
from typing import Any

# The kernel and its cluster, as they will run: imported here once, shared by every fork (copy-on-write).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # no BLAS thread pool to lose across fork()
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # the debugger's start-up notes, not wanted in the log
PRELOAD = (
    "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger", "ipykernel.comm",
    "ipykernel.displayhook", "ipykernel.iostream", "IPython.core.interactiveshell", "IPython.core.completer",
    "IPython.core.display", "IPython.core.formatters", "IPython.core.pylabtools", "matplotlib_inline.backend_inline",
    "jupyter_client.session", "comm",
    "pandas", "yaml", "matplotlib.figure", "kubernetes.config", "kubernetes.watch",
    "svclab.lab", "svclab.lab.node_rules", "svclab.grading", "svclab.grading.export", "svclab.grading.values",
    "svclab.grading.trusted", "svclab.grading.host", "svclab.grading.sandbox", "svclab.cluster.embedded",
    "svclab.cluster.control", "svclab.cluster.backend",
    # what a host's cluster imports to make its certificates (svclab.cluster.tls.make_certs, on first use) and
    # to answer kubectl's first requests (svclab.apiserver.app.REQUEST_MODULES)
    "svclab.apiserver.discovery", "svclab.apiserver.openapi", "svclab.apiserver.tables",
    "cryptography.x509", "cryptography.x509.oid", "cryptography.hazmat.primitives.asymmetric.ec",
    "cryptography.hazmat.primitives.asymmetric.utils", "cryptography.hazmat.primitives.serialization",
    # What a kernel or a host imported on first use after the fork, once per submission (py-spy of a class run):
    "svclab.cluster.locate", "svclab.cluster.daemon", "svclab.grading.answers", "svclab.grading.incluster",
    "dns.asyncbackend", "dns._asyncio_backend", "psutil", "pdb", "tornado.platform.asyncio",
    "IPython.core.oinspect", "IPython.core.debugger", "IPython.core.completerlib", "IPython.extensions.storemagic",
    "pandas.io.formats.string", "pandas.io.formats.html",
)
KUBERNETES_CLASSES = ("CoreV1Api", "AppsV1Api", "DiscoveryV1Api", "ApiClient", "Configuration")


def preload() -> None:
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional part (the debugger without debugpy): the kernel imports it itself
            pass
    import kubernetes.client
    import svclab.grading

    from jupyter_client import localinterfaces

    localinterfaces.local_ips()  # every kernel asks (psutil over the interfaces); the answer is the same for all
    for name in KUBERNETES_CLASSES:  # the client imports its API classes (and their models) on first use
        getattr(kubernetes.client, name)
    # The cluster imports its request paths on first use (a fast `svclab up`); a submission's cluster uses them all
    # (exec, logs, the toolbox, the DNS server): imported here once rather than in every host after the fork.
    import svclab.apiserver
    import svclab.dns
    import svclab.network

    for package in (svclab.apiserver, svclab.dns, svclab.network):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            try:
                importlib.import_module(module.name)
            except ImportError:
                pass
    importlib.import_module("cryptography.hazmat.backends.openssl.backend")  # the cluster's certificates
    for module in pkgutil.iter_modules(svclab.grading.__path__):  # every assignment's checks
        if module.name.startswith("ps"):
            importlib.import_module(f"svclab.grading.{module.name}")
    gc.collect()
    gc.freeze()  # keep the preloaded objects out of the collector's sweeps: fewer pages copied after fork


# ---- roles (each runs in a forked child and never returns) ---------------------------------------------------

def run_kernel(request: dict[str, Any]) -> None:
    from svclab.grading import sandbox

    spec = sandbox.Spec.from_json(request["spec"])
    sandbox.confine(spec)
    import matplotlib

    matplotlib.rcParams["backend"] = os.environ.get("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    from ipykernel.kernelapp import IPKernelApp

    connection = os.path.join(sandbox.kernel_tmp(spec), "kernel.json")
    sys.argv = ["svclab-grading-kernel", "-f", connection]
    app = IPKernelApp.instance()
    app.initialize(["-f", connection, "--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=CRITICAL",
                    "--IPKernelApp.quiet=True"])
    app.start()


def run_host(request: dict[str, Any]) -> None:
    from svclab.grading import host

    host.main(request["spec"])


def run_probe(request: dict[str, Any]) -> None:
    from svclab.grading import sandbox

    fd = os.open(request["result"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    sandbox.probe_main(sandbox.Spec.from_json(request["spec"]), request["secrets"], request["protected"], fd)


def run_killuser(request: dict[str, Any]) -> None:
    from svclab.grading import sandbox

    sandbox.kill_user(int(request["uid"]))


ROLES = {"kernel": run_kernel, "host": run_host, "probe": run_probe, "killuser": run_killuser}


class Zygote:
    def __init__(self, out: int) -> None:
        self.out = out  # the protocol's stdout (fd 1 itself goes to the log, so a stray print cannot corrupt it)
        self.children: set[int] = set()
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_w, False)
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        self.buffer = b""

    def send(self, message: dict[str, Any]) -> None:
        os.write(self.out, (json.dumps(message) + "\n").encode())

    def spawn(self, request: dict[str, Any]) -> int:
        role = ROLES[request["op"]]
        log = request.get("log")
        pid = os.fork()
        if pid == 0:  # the child: leave the zygote's loop for good
            code = 0
            try:
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                os.close(self.wake_r)
                os.close(self.wake_w)
                out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600) if log else os.open(os.devnull, os.O_WRONLY)
                null = os.open(os.devnull, os.O_RDONLY)
                os.dup2(null, 0)
                os.dup2(out, 1)
                os.dup2(out, 2)
                os.closerange(3, 4096)  # nothing of the zygote's reaches the child, but the three above
                sys.stdout = os.fdopen(1, "w", buffering=1)
                sys.stderr = os.fdopen(2, "w", buffering=1)
                gc.unfreeze()
                role(request)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:  # noqa: BLE001 - reported in the child's log, seen as its exit status
                traceback.print_exc()
                code = 70
            finally:
                os._exit(code)
        self.children.add(pid)
        return pid

    def reap(self) -> None:
        while self.children:
            try:
                pid, status, usage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.children.discard(pid)
            self.send({"event": "exit", "pid": pid, "status": status, "cpu": round(usage.ru_utime + usage.ru_stime, 4)})

    def handle(self, line: bytes) -> None:
        request = json.loads(line)
        try:
            pid = self.spawn(request)
        except Exception as exc:  # noqa: BLE001 - the worker decides what a failed fork means
            self.send({"id": request.get("id"), "error": f"{type(exc).__name__}: {exc}"})
        else:
            self.send({"id": request.get("id"), "pid": pid})

    def serve(self) -> None:
        self.send({"event": "ready", "pid": os.getpid()})
        while True:
            try:
                readable, _, _ = select.select([0, self.wake_r], [], [])
            except InterruptedError:
                continue
            if self.wake_r in readable:
                try:
                    os.read(self.wake_r, 4096)
                except BlockingIOError:
                    pass
                self.reap()
            if 0 in readable:
                chunk = os.read(0, 65536)
                if not chunk:
                    return
                self.buffer += chunk
                while b"\n" in self.buffer:
                    line, self.buffer = self.buffer.split(b"\n", 1)
                    if line.strip():
                        self.handle(line)
            self.reap()

    def stop(self) -> None:
        for pid in list(self.children):
            try:
                os.killpg(pid, signal.SIGKILL)  # kernels and hosts lead their own process group
            except OSError:
                pass
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        for pid in list(self.children):
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def main() -> None:
    from svclab.grading import sandbox

    sandbox.set_parent_death_signal()
    out = os.dup(1)
    os.dup2(2, 1)
    preload()
    zygote = Zygote(out)
    try:
        zygote.serve()
    finally:
        zygote.stop()


if __name__ == "__main__":
    main()
