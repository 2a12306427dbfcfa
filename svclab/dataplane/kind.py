"""The kind path: a node's real rules, read with ``docker exec <node> iptables-save -t <table>``.

kind nodes are containers named after the nodes (``svclab-worker``); kube-proxy runs in iptables
mode there, so ``iptables-save`` shows exactly what it programmed — next to the chains of kindnet
(``KIND-MASQ-AGENT``) and Docker's embedded DNS (``DOCKER_OUTPUT``, ``DOCKER_POSTROUTING``), which
are not kube-proxy's and are shown as they are.
"""

from __future__ import annotations

from svclab.cluster import kind as kind_cluster
from svclab.dataplane.ruleset import Ruleset, parse_save

TABLES = ("nat", "filter")


def save_command(node: str, table: str = "nat", engine: str = "docker") -> list[str]:
    """The command that prints one table of one kind node (podman takes the same arguments)."""
    if table not in TABLES:
        raise ValueError(f"table must be one of {', '.join(TABLES)}, not {table!r}")
    return [engine, "exec", node, "iptables-save", "-t", table]


def read_rules(node: str, tables: tuple[str, ...] = ("nat",), runner: kind_cluster.Runner | None = None) -> Ruleset:
    """Run ``iptables-save`` on the node for each table and parse what it printed."""
    runner = runner or kind_cluster.Runner()
    engine = kind_cluster.container_engine(runner)
    text = ""
    for table in tables:
        argv = save_command(node, table, engine)
        done = runner.capture(argv, timeout=30)
        if done.returncode != 0:
            reason = (done.stderr or done.stdout).strip().splitlines()
            raise RuntimeError(f"{' '.join(argv)} failed: {reason[-1] if reason else f'exit {done.returncode}'}")
        text += done.stdout
    return parse_save(text)
