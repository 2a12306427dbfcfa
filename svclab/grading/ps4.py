"""ps4-mixed-pattern: writes to mysql-0 through the headless Service, reads spread over the replicas."""

from __future__ import annotations

import ipaddress

import pandas as pd

from svclab import lab
from svclab.grading import expect, live, spread
from svclab.grading.answers import answer
from svclab.grading.core import Assignment, CheckFailed
from svclab.grading.scoring import lesson, whole_number  # noqa: F401  (for the hidden test cells)

A = Assignment("ps4-mixed-pattern", "ps4", answers=("read_service", "write_host", "predicted_primary_reads", "predicted_read_pods", "read_counts"))
check = A.check
# The hidden check of mysql-read (svclab.grading.spread): both replicas answer but with chance 2 * (1/2)**35 < 1e-6,
# and a Service that also selects the primary (a third of the reads) gives itself away but with chance
# (2/3)**35 < 1e-6.
READS_CHECKED = max(spread.to_reach_all(2), spread.to_catch(1 / 3))


def label_roles(primary: str = "mysql-0", replicas: tuple[str, ...] = ("mysql-1", "mysql-2")) -> None:
    """Mark the primary and the replicas, as a MySQL operator would after electing a primary (what `kubectl label pod
    ... --overwrite` does, through the API client: no kubectl process to start)."""
    lab.wait_ready("app=mysql", 1 + len(replicas))
    session = lab.session()
    for pod, role in [(primary, "primary"), *[(replica, "replica") for replica in replicas]]:
        session.core.patch_namespaced_pod(pod, session.namespace, {"metadata": {"labels": {"role": role}}})


@A.visible("q1", "mysql-read is a ClusterIP Service (a virtual IP, balanced by kube-proxy)")
def q1_kind() -> None:
    expect.service("read_service", "mysql-read")


@A.visible("q1", "mysql-read selects the replicas mysql-1 and mysql-2, never the primary")
def q1_selector() -> None:
    expect.selector_matches("read_service", "mysql-read", "app=mysql,role=replica")


@A.visible("q1", "mysql-read listens on port 3306")
def q1_port() -> None:
    expect.port("read_service", "mysql-read", 3306, target=(3306, "mysql"))


STABLE_NAME = ("a StatefulSet pod gets a DNS name of its own under the set's headless Service: `<pod>.<headless service>` "
               "(the pod's search path adds `.<namespace>.svc.cluster.local`). Which headless Service governs the mysql set?")


@A.visible("q2", "write_host reaches pod mysql-0 (the primary)")
def q2_write() -> None:
    host = answer("write_host", str).strip().rstrip(".")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        raise CheckFailed(f"`write_host` is an IP address ({host}); a pod's IP changes whenever it restarts. Use a name instead: {STABLE_NAME}")
    if "." not in host and host in {p.metadata.name for p in live.pods("app=mysql")}:
        raise CheckFailed(f"`{host}` is the pod's name, but DNS has no record for a pod's bare name (wget says `bad address '{host}:3306'`): {STABLE_NAME}")
    try:
        got = live.hostname_of(f"http://{host}:3306/hostname")
    except CheckFailed as exc:
        if "bad address" in exc.message:
            raise CheckFailed(f"{exc.message}\nDNS does not know `{host}`: {STABLE_NAME}") from None
        raise
    expect.that(got == "mysql-0", f"http://{host}:3306/hostname was answered by {got}; writes must always reach the primary mysql-0, "
                                  f"and only its own name does that: {STABLE_NAME}")


@A.visible("q3", "read_counts: 200 requests through mysql-read, none answered by mysql-0")
def q3_counts() -> None:
    counts = {str(k): int(v) for k, v in dict(answer("read_counts", (pd.Series, dict))).items()}
    expect.that(sum(counts.values()) == 200, f"`read_counts` adds up to {sum(counts.values())} requests; make exactly 200.")
    expect.that("mysql-0" not in counts, f"mysql-0 (the primary) answered {counts.get('mysql-0')} reads: mysql-read must select only role=replica pods.")
