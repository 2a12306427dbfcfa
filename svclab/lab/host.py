"""``lab.from_host``: a request from this machine (the notebook's kernel, not a Pod) to a NodePort, through
the host port kind's ``extraPortMappings`` maps to it — as ``curl http://127.0.0.1:30080/`` in a terminal.

On kind the mapping is the one ``kind/cluster.yaml`` created the cluster with. The embedded cluster
emulates those mappings when ``svclab up`` / ``make lab`` starts it (:mod:`svclab.dataplane.hostports`,
``SVCLAB_HOST_PORTS``); a fresh per-kernel cluster (``SVCLAB_FRESH=1``: nbval, the grader) maps none.
Only a port *this* cluster mapped is asked, so a port another program holds is never mistaken for it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from svclab.dataplane import hostports
from svclab.lab.session import Session

TIMEOUT_SECONDS = 10.0


def mapped_host_port(s: Session, node_port: int) -> tuple[int | None, str]:
    """The 127.0.0.1 port that reaches ``node_port`` on this cluster, or None and why not."""
    if s.backend == "kind":
        found = next((m for m in hostports.kind_mappings("svclab") if m.container_port == node_port), None)
        return (found.host_port, "") if found else (None, f"kind/cluster.yaml maps no host port to NodePort {node_port}")
    entries: list[dict[str, Any]]
    if s.embedded is not None:
        running = getattr(s.embedded, "host_ports", None)
        entries = [{"container_port": m.container_port, "host_port": m.host_port, "ok": m.ok, "message": m.message}
                   for m in (running.mappings if running is not None else [])]
        if not entries:
            return None, (f"this notebook runs a fresh cluster of its own (SVCLAB_FRESH=1), which maps no host ports; "
                          f"the cluster `make lab` starts maps 127.0.0.1:{node_port} to NodePort {node_port} as kind does")
    else:
        state_dir = getattr(s.backend_handle, "state_dir", None)
        try:
            entries = json.loads((Path(state_dir) / hostports.STATUS_FILE).read_text()) if state_dir else []
        except (OSError, ValueError):
            entries = []
    found = next((e for e in entries if isinstance(e, dict) and e.get("container_port") == node_port), None)
    if found is None:
        return None, f"this cluster maps no host port to NodePort {node_port} (SVCLAB_HOST_PORTS, see kind/README.md)"
    if not found.get("ok"):
        return None, str(found.get("message") or f"NodePort {node_port} is not mapped to this machine")
    return int(found["host_port"]), ""


def from_host(node_port: int, path: str = "/") -> str:
    """GET http://127.0.0.1:<host port for node_port><path> from this machine; the body, or why not."""
    from svclab import lab

    port, why = mapped_host_port(lab.session(), node_port)
    if port is None:
        return f"not tried: {why}"
    url = f"http://127.0.0.1:{port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (loopback only)
            return response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        return f"{url}: HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"{url}: {reason}"
