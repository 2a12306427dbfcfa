"""Two small helpers the lessons use on top of the facade.

- `wait_pods` waits without a progress bar and returns the pods table, so a lesson cell shows the
  same output however long the wait took (the committed outputs are compared by nbval). It waits
  for what the next cell needs: the pods' containers running, not only a count of Ready pods.
- `dns_table` runs `nslookup` for several names and tabulates the answers: the live "what you saw"
  tables at the end of each lesson.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterable

import pandas as pd

from svclab.lab import execution, lookups, tables
from svclab.lab.errors import WaitTimeout
from svclab.lab.waiting import Backoff
from svclab.lab.session import Session


def _session() -> Session:
    from svclab import lab  # the facade imports this module; import it back lazily

    return lab.session()


def wait_pods(
    selector: str,
    ready: int | None = None,
    total: int | None = None,
    namespace: str | None = None,
    timeout: float = 120,
    poll: float = 0.2,
) -> pd.DataFrame:
    """Wait until `total` pods match (if given), `ready` of them are Ready (default: all that match),
    and every one of them has its containers running, so the next cell can exec into any of them.

    Pods being deleted are not counted. Returns the pods table once the condition holds.
    """
    session = _session()
    deadline = time.monotonic() + timeout
    pause = Backoff(poll)
    while True:
        items = tables.live_pods(session, selector, namespace)
        found = tables.pods_frame(items)
        want_total = total if total is not None else len(found)
        want_ready = ready if ready is not None else want_total
        starting = [p for p in items if not tables.containers_running(p)]
        if len(found) == want_total and int(found["ready"].sum()) == want_ready and not starting and (want_total or total == 0):
            return found.sort_values("name", ignore_index=True)
        if time.monotonic() > deadline:
            waiting = "; ".join(f"{p.metadata.name}: {tables.not_running_reason(p)}" for p in sorted(starting, key=lambda p: p.metadata.name))
            raise WaitTimeout(
                f"pods matching {selector}: {len(found)} exist and {int(found['ready'].sum())} are Ready "
                f"after {timeout:.0f}s (waited for {want_total} and {want_ready})"
                + (f"; not running yet: {waiting}" if waiting else "")
            )
        pause.sleep()


def dns_table(names: Iterable[str], pod: str = "client", namespace: str | None = None) -> pd.DataFrame:
    """`nslookup NAME` from `pod` (which must exist) for each name: the addresses, or the CNAME target, it printed."""
    session = _session()
    rows = []
    for name in names:
        found = lookups.parse_nslookup(name, execution.exec_in(session, pod, ["nslookup", name], namespace))
        cnames = [line.split("canonical name = ", 1)[1].strip() for line in found.output.stdout.splitlines() if "canonical name = " in line]
        answer = sorted(found.addresses, key=_ip_key) or list(dict.fromkeys(cnames))
        rows.append({
            "name": name,
            "answer": ", ".join(answer) if answer else "NXDOMAIN",
            "records": len(answer),
            "kind": ("CNAME + A" if found.addresses else "CNAME") if cnames else ("A" if answer else "none"),
        })
    return pd.DataFrame(rows, columns=["name", "answer", "records", "kind"])


def _ip_key(address: str) -> tuple[int, int, str]:
    """IPv4 before IPv6, each in numeric order (an answer may hold both: an ExternalName's target)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return (9, 0, address)
    return (ip.version, int(ip), "")
