"""The store on its SQLite revision log: revisions, history, compaction, reopening, refusing what it cannot read."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from svclab.cluster import persistence
from svclab.resources import NAMESPACES, SERVICES, resource
from svclab.state import store as store_module
from svclab.state.sqlite_log import SqliteLog, UnreadableState
from svclab.state.store import Store, TooOldResourceVersion


CONFIGMAPS = resource("", "configmaps")


def now() -> str:
    return "2026-01-01T00:00:00Z"


def configmap(name: str, **data: str) -> dict[str, object]:
    return {"metadata": {"name": name, "namespace": "default"}, "data": dict(data)}


def opened(path: Path) -> Store:
    store = Store(now)
    store.open(SqliteLog.open(path))
    return store


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_each_write_is_one_revision_row_and_reopening_gives_the_same_state(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    store = opened(db)
    store.create(NAMESPACES, {"metadata": {"name": "default"}})
    created = store.create(CONFIGMAPS, configmap("a", k="1"))
    updated = store.update(CONFIGMAPS, {**created, "data": {"k": "2"}})
    unchanged = store.update(CONFIGMAPS, updated)  # a no-op write makes no revision
    store.create(CONFIGMAPS, configmap("b"))
    deleted = store.delete(CONFIGMAPS, "default", "b")
    assert [created["metadata"]["resourceVersion"], updated["metadata"]["resourceVersion"], unchanged["metadata"]["resourceVersion"]] == ["2", "3", "3"]
    assert deleted is not None and deleted["metadata"]["resourceVersion"] == "5" and store.resource_version == 5
    rows = sqlite3.connect(db).execute("SELECT id, name, created, deleted, prev_revision FROM kine ORDER BY id").fetchall()
    assert rows == [
        (1, "/registry/namespaces//default", 1, 0, 0),
        (2, "/registry/configmaps/default/a", 1, 0, 0),
        (3, "/registry/configmaps/default/a", 0, 0, 2),
        (4, "/registry/configmaps/default/b", 1, 0, 0),
        (5, "/registry/configmaps/default/b", 0, 1, 4),
    ]
    uid = created["metadata"]["uid"]
    store.close()
    again = opened(db)
    assert again.resource_version == 5 and again.restored
    assert again.get(CONFIGMAPS, "default", "a") == updated and again.get(CONFIGMAPS, "default", "b") is None
    third = again.create(CONFIGMAPS, configmap("c"))
    assert third["metadata"]["resourceVersion"] == "6"
    assert third["metadata"]["uid"] not in (uid, updated["metadata"]["uid"])  # the uid counter carried on


def test_watch_history_is_read_from_the_log_and_compaction_forgets_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "HISTORY_LENGTH", 10)
    monkeypatch.setattr(store_module, "COMPACT_EVERY", 5)
    store = opened(tmp_path / "state.db")
    store.create(NAMESPACES, {"metadata": {"name": "default"}})
    obj = store.create(CONFIGMAPS, configmap("a", n="0"))
    for i in range(1, 14):
        obj = store.update(CONFIGMAPS, {**obj, "data": {"n": str(i)}})
    svc = store.create(SERVICES, {"metadata": {"name": "s", "namespace": "default"}, "spec": {}})
    store.delete(SERVICES, "default", "s")
    assert store.resource_version == 17
    watcher = store.watch(CONFIGMAPS, "default", [], [], 12)
    events = [watcher.queue.get_nowait() for _ in range(watcher.queue.qsize())]
    assert [(e.type, e.rv, e.obj["data"]["n"]) for e in events] == [("MODIFIED", 13, "11"), ("MODIFIED", 14, "12"), ("MODIFIED", 15, "13")]
    services = store.watch(SERVICES, None, [], [], 15)
    assert [(e.type, e.rv) for e in (services.queue.get_nowait() for _ in range(services.queue.qsize()))] == [("ADDED", 16), ("DELETED", 17)]
    assert svc["metadata"]["resourceVersion"] == "16"
    with pytest.raises(TooOldResourceVersion):
        store.watch(CONFIGMAPS, "default", [], [], 3)  # compacted at revision 15 - 10 = 5
    kept = sqlite3.connect(tmp_path / "state.db").execute("SELECT id FROM kine WHERE id <= 5 ORDER BY id").fetchall()
    assert kept == [(1,), (5,)]  # the state as of revision 5: the namespace, and the ConfigMap as it was then
    assert store.watch(CONFIGMAPS, "default", [], [], 5).queue.qsize() == 10  # from the compaction point on, all is there


def test_a_batch_is_one_transaction(tmp_path: Path) -> None:
    store = opened(tmp_path / "state.db")
    with pytest.raises(RuntimeError):
        with store.batch():
            store.create(NAMESPACES, {"metadata": {"name": "default"}})
            raise RuntimeError("bootstrap failed halfway")
    assert sqlite3.connect(tmp_path / "state.db").execute("SELECT COUNT(*) FROM kine").fetchone()[0] == 0


@pytest.mark.parametrize("damage", ["garbage", "truncated", "foreign", "not-json-row"])
def test_a_state_that_cannot_be_read_is_refused_and_left_as_it_is(tmp_path: Path, damage: str) -> None:
    db = tmp_path / "state.db"
    store = opened(db)
    store.create(NAMESPACES, {"metadata": {"name": "default"}})
    for i in range(300):
        store.create(CONFIGMAPS, configmap(f"c{i}", blob="x" * 500))
    store.close()
    if damage == "garbage":
        db.write_bytes(b"this is not a database " * 1000)
    elif damage == "truncated":
        db.write_bytes(db.read_bytes()[: db.stat().st_size // 2])
    elif damage == "foreign":
        db.unlink()
        other = sqlite3.connect(db)
        other.execute("CREATE TABLE notes (text TEXT)")
        other.commit()
        other.close()
    else:
        raw = sqlite3.connect(db)
        raw.execute("UPDATE kine SET value = '{not json' WHERE id = 2")
        raw.commit()
        raw.close()
    before = digest(db)
    with pytest.raises(UnreadableState) as refused:
        opened(db)
    message = str(refused.value)
    assert message.startswith(f"cannot read the cluster state in {db}: ") and "\n" not in message
    assert digest(db) == before
    assert not (tmp_path / "state.db-wal").exists() or (tmp_path / "state.db-wal").stat().st_size == 0


def test_a_json_snapshot_of_the_previous_version_is_imported_once_and_kept(tmp_path: Path) -> None:
    snapshot = {
        "resourceVersion": 40,
        "uidCounter": 7,
        "objects": {
            "namespaces": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default", "uid": "u1", "resourceVersion": "1"}}],
            "configmaps": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "old", "namespace": "default", "uid": "u2", "resourceVersion": "33"}, "data": {"k": "v"}}],
        },
    }
    (tmp_path / "state.json").write_text(json.dumps(snapshot))
    store = Store(now)
    persistence.open_state(store, tmp_path)
    assert store.resource_version == 40 and store.imported_from == "state.json"
    assert store.get(CONFIGMAPS, "default", "old") == snapshot["objects"]["configmaps"][0]
    assert not (tmp_path / "state.json").exists() and json.loads((tmp_path / "state.json.imported").read_text()) == snapshot
    created = store.create(CONFIGMAPS, configmap("new"))
    assert created["metadata"]["resourceVersion"] == "41"
    with pytest.raises(TooOldResourceVersion):  # the snapshot kept no history
        store.watch(CONFIGMAPS, None, [], [], 39)
    store.close()
    again = Store(now)
    persistence.open_state(again, tmp_path)  # the database is used; the snapshot is not read again
    assert again.resource_version == 41 and again.get(CONFIGMAPS, "default", "new") is not None
    again.close()


def test_a_snapshot_that_cannot_be_read_is_refused(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_text('{"resourceVersion": 3, "objects": {"configmaps": [{"metad')
    with pytest.raises(UnreadableState) as refused:
        persistence.open_state(Store(now), tmp_path)
    assert str(refused.value).startswith(f"cannot read the cluster state in {tmp_path / 'state.json'}: ")
    assert (tmp_path / "state.json").exists() and not (tmp_path / "state.db").exists()
