"""Memory one learner costs on the hub, measured: PSS of their Jupyter server, their kernel and the embedded
cluster the kernel starts, after the kernel has run a whole lesson.

    .venv/bin/python classroom/measure_memory.py [--lesson tools/lessons/01-clusterip.py]

It starts JupyterLab's server with the learners' Jupyter config (what `jupyterhub-singleuser` runs, minus the
hub's login), starts a kernel through its REST API and runs the lesson in it over the kernel websocket, as
JupyterLab does. PSS (proportional set size: shared pages split between the processes sharing them) is what
adds up across users; USS (pages only that process holds) and RSS are printed beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import psutil
import websocket

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
MIB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def request(url: str, token: str, method: str = "GET", body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as answer:
        return json.loads(answer.read() or b"{}")


def execute(base: str, token: str, kernel: str, code: str, seconds: float = 600) -> str:
    ws = websocket.create_connection(f"{base.replace('http', 'ws', 1)}/api/kernels/{kernel}/channels?token={token}", timeout=seconds)
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({"header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "learner", "session": uuid.uuid4().hex, "version": "5.3"},
                        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
                        "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
    try:
        while True:
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "error":
                raise RuntimeError("\n".join(msg["content"]["traceback"]))
            if msg["msg_type"] == "execute_reply":
                return str(msg["content"]["status"])
    finally:
        ws.close()


def memory(pid: int) -> tuple[float, float, float]:
    info = psutil.Process(pid).memory_full_info()
    return info.pss / MIB, info.uss / MIB, info.rss / MIB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lesson", type=Path, default=REPO / "tools" / "lessons" / "01-clusterip.py", help="lesson source the kernel runs")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="svclab-measure-"))
    port, token = free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if k not in ("SVCLAB_FRESH", "NBGRADER_EXECUTION", "KUBECONFIG")}
    env.update({"HOME": str(home), "JUPYTER_CONFIG_PATH": str(HERE / "jupyter" / "learner"), "SVCLAB_STATE_DIR": str(home / "state"),
                "SVCLAB_CLUSTER_EXIT_WITH": "parent", "MPLBACKEND": "agg"})
    server = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1", f"--IdentityProvider.token={token}",
                               f"--ServerApp.root_dir={home}", *(["--allow-root"] if os.geteuid() == 0 else [])],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                request(f"{base}/api/status", token)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the Jupyter server did not start")
                time.sleep(0.5)
        kernel = request(f"{base}/api/kernels", token, "POST", {"name": "python3"})["id"]
        execute(base, token, kernel, "1")
        kernel_pid = next(p.pid for p in psutil.Process(server.pid).children() if "ipykernel_launcher" in " ".join(p.cmdline()))
        rows = [("server (idle)", *memory(server.pid)), ("kernel (started)", *memory(kernel_pid))]
        execute(base, token, kernel, f"exec(compile(open({str(args.lesson)!r}).read(), {args.lesson.name!r}, 'exec'))")
        daemon = int(json.loads((home / "state" / "cluster.json").read_text())["pid"])
        after = [("server", *memory(server.pid)), ("kernel", *memory(kernel_pid)), ("embedded cluster", *memory(daemon))]
        print(f"after {args.lesson.name} ran in the kernel:")
        print(f"{'process':<22}{'PSS MiB':>10}{'USS MiB':>10}{'RSS MiB':>10}")
        for name, pss, uss, rss in rows + after:
            print(f"{name:<22}{pss:>10.1f}{uss:>10.1f}{rss:>10.1f}")
        print(f"{'kernel + cluster':<22}{after[1][1] + after[2][1]:>10.1f}")
        print(f"{'one learner in all':<22}{sum(r[1] for r in after):>10.1f}")
    finally:
        server.terminate()
        server.wait(timeout=60)
        subprocess.run(["rm", "-rf", str(home)])


if __name__ == "__main__":
    main()
