"""A cluster's state directory: its state database, the one-time import of the older JSON snapshot,
and what a restart re-reserves (Service IPs and ports, pod IPs).

A restart must always succeed: an address that cannot be re-reserved (outside every range, taken
twice, not an address at all) is logged and left for the controllers; it never stops the start.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
from pathlib import Path

from svclab.network.ipalloc import PodIPAllocator
from svclab.registry.services import ServiceAllocator
from svclab.resources import PODS, SERVICES
from svclab.state.sqlite_log import SqliteLog, UnreadableState
from svclab.state.store import Store, snapshot_rows

STATE_DB = "state.db"
LEGACY_STATE = "state.json"  # what svclab wrote before the SQLite store
LEGACY_IMPORTED = "state.json.imported"  # the snapshot, kept beside the database once imported

log = logging.getLogger("svclab.cluster")


def open_state(store: Store, state_dir: Path) -> None:
    """Serve ``store`` from the state database in ``state_dir`` (importing a state.json once);
    UnreadableState when the state there cannot be read. Nothing is written to an unreadable file."""
    db_path = state_dir / STATE_DB
    legacy = state_dir / LEGACY_STATE
    if not db_path.exists() and legacy.exists():
        _import_legacy(store, legacy, db_path)
        return
    store.open(SqliteLog.open(db_path))
    if legacy.exists():
        if store.restored and _imported(store):
            # imported before, then stopped before the snapshot was renamed: finish that now
            os.replace(legacy, state_dir / LEGACY_IMPORTED)
        else:
            log.warning("%s is not read: the state is %s", legacy, db_path)


def _imported(store: Store) -> bool:
    return bool(store.imported_from)


def _import_legacy(store: Store, legacy: Path, db_path: Path) -> None:
    """Write the snapshot into a new database beside it, then put both in place (a crash midway
    leaves state.json as it was, and the next start imports it again)."""
    try:
        rows, meta = snapshot_rows(json.loads(legacy.read_text()))
    except (OSError, ValueError) as exc:
        raise UnreadableState(legacy, str(exc)) from None
    partial = db_path.with_name(db_path.name + ".importing")
    for leftover in (partial, partial.with_name(partial.name + "-wal"), partial.with_name(partial.name + "-shm")):
        leftover.unlink(missing_ok=True)
    revisions = SqliteLog.open(partial)
    try:
        revisions.append_all(rows, meta)
    finally:
        revisions.close()  # the last connection checkpoints the WAL into the file and removes it
    os.replace(partial, db_path)
    os.replace(legacy, legacy.with_name(LEGACY_IMPORTED))
    store.open(SqliteLog.open(db_path))
    log.warning("imported %d objects from %s into %s; the snapshot is kept as %s", len(rows), legacy, db_path, LEGACY_IMPORTED)


def reserve_restored(store: Store, services: ServiceAllocator, pod_ips: dict[str, PodIPAllocator]) -> None:
    """Re-reserve the addresses restored objects hold; whatever cannot be is logged, never fatal."""
    for svc in store.items(SERVICES):
        try:
            services.reserve_existing(svc)
        except Exception as exc:  # a restart never fails on one object
            log.warning("service %s/%s: its addresses were not re-reserved: %s", svc["metadata"].get("namespace"), svc["metadata"].get("name"), exc)
    for pod in store.items(PODS):
        spec, status = pod.get("spec") or {}, pod.get("status") or {}
        node, ip = spec.get("nodeName"), status.get("podIP")
        if not ip or spec.get("hostNetwork") or node not in pod_ips:
            continue
        allocator = pod_ips[node]
        try:
            address = ipaddress.ip_address(ip)
        except (TypeError, ValueError):
            log.warning("pod %s/%s: podIP %r is not an address; not re-reserved", pod["metadata"].get("namespace"), pod["metadata"].get("name"), ip)
            continue
        if address not in allocator.network:
            log.warning("pod %s/%s: podIP %s is outside node %s's %s; not re-reserved", pod["metadata"].get("namespace"), pod["metadata"].get("name"), ip, node, allocator.network)
            continue
        allocator.reserve(str(address))
