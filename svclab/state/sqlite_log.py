"""The store's revision log on SQLite, shaped like k3s's kine: one row per write, current state derived.

Every write to the store is one row of the ``kine`` table and one SQLite transaction, committed
before the write returns (so before the API server answers). The row's ``id`` is the revision, which
the store hands out as ``metadata.resourceVersion``; a create, an update and a delete each add a row
(``created``/``deleted`` flags, the object as JSON in ``value``). The current state is the newest row
of each name that is not a delete; the watch history is the rows after a revision; compaction drops
rows that newer rows superseded, as kine's ``Compact`` does (k3s-io/kine pkg/logstructured/sqllog).

Durability: an acknowledged write must survive ``kill -9`` and should survive a power cut. In WAL mode
``synchronous=NORMAL`` already survives ``kill -9`` (a committed frame is in the OS's page cache once
``write`` returns) but not a power cut; ``FULL`` fsyncs the WAL inside every commit and survives both,
at the price of an fsync on the event loop for every write, controllers' included. Measured side by
side (`python -m bench.bench_store`, bench/README.md) that fsync costs 0.25 ms on an idle disk and
6.5 ms when other work keeps the disk busy, more than the rest of a create. So commits run with
NORMAL, and `sync` fsyncs the WAL before the API server answers a write (`Store.durable`): off the
event loop, one fsync for every write committed since the last (group commit, as etcd batches its
fsyncs), and none for the controllers' writes, which no client waits for. What FULL promises, an
acknowledged write on disk, holds; what it costs is paid once per batch and not by the loop.
(macOS's ``fsync`` does not reach the platter; ``F_FULLFSYNC`` would, at many milliseconds: not used.)

A state database that cannot be read (not SQLite, truncated, malformed, not svclab's) is refused with
`UnreadableState`, whose message is one line naming the file; the file is never written to then.
"""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from svclab.records import Record, set_field

SYNCHRONOUS = "NORMAL"  # see the module docstring; bench/bench_store.py measures the others against it
SYNC_ACKNOWLEDGED = True  # `sync` fsyncs the WAL (the benchmark turns it off to measure NORMAL alone)
SCHEMA_VERSION = "1"
APPLICATION = "svclab-state"

SCHEMA = """
CREATE TABLE kine (
    id INTEGER PRIMARY KEY,            -- the revision (metadata.resourceVersion) this write made
    name TEXT NOT NULL,                -- /registry/<resource>/<namespace>/<name>
    created INTEGER NOT NULL,          -- 1: this row creates the object
    deleted INTEGER NOT NULL,          -- 1: this row deletes it (value: the object as it was)
    create_revision INTEGER NOT NULL,  -- the revision that created the object
    prev_revision INTEGER NOT NULL,    -- the object's previous row (0 for a create)
    value TEXT NOT NULL                -- the object as JSON, at this revision
);
CREATE INDEX kine_name_id_index ON kine (name, id);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

SQLITE_HEADER = b"SQLite format 3\x00"


class UnreadableState(Exception):
    """The state database exists but cannot be read; the message is one line naming the file."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason.splitlines()[0] if reason else "unknown error"
        super().__init__(f"cannot read the cluster state in {self.path}: {self.reason} (the file is left as it is; move it away to start a new cluster)")


class Row(Record):
    """One row of the kine table (a frozen record: svclab.records)."""

    _fields = ("revision", "name", "created", "deleted", "create_revision", "value")
    revision: int
    name: str
    created: bool
    deleted: bool
    create_revision: int
    value: str

    def __init__(self, revision: int, name: str, created: bool, deleted: bool, create_revision: int, value: str) -> None:
        set_field(self, "revision", revision)
        set_field(self, "name", name)
        set_field(self, "created", created)
        set_field(self, "deleted", deleted)
        set_field(self, "create_revision", create_revision)
        set_field(self, "value", value)

    def _key(self) -> tuple[Any, ...]:
        return (self.revision, self.name, self.created, self.deleted, self.create_revision, self.value)


def key_name(resource_key: str, namespace: str, name: str) -> str:
    """kine's key for an object: ``/registry/<resource>/<namespace>/<name>`` (namespace empty when cluster-scoped)."""
    return f"/registry/{resource_key}/{namespace}/{name}"


def split_name(key: str) -> tuple[str, str, str]:
    """(resource key, namespace, name) of a kine key; names and namespaces never hold '/'."""
    head, namespace, name = key.rsplit("/", 2)
    return head[len("/registry/"):], namespace, name


def _private_file(path: Path) -> None:
    """Create the database file 0600 before SQLite opens it (its -wal and -shm files take its mode)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)


def _check_header(path: Path) -> None:
    """Refuse a file that is not SQLite or is shorter than its header says, before SQLite touches it."""
    size = path.stat().st_size
    if size == 0:
        return  # an empty file is a new database
    with open(path, "rb") as handle:
        header = handle.read(100)
    if len(header) < 100 or not header.startswith(SQLITE_HEADER):
        raise UnreadableState(path, "file is not a database")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    change_counter, valid_for = header[24:28], header[92:96]
    if change_counter == valid_for and pages and size < pages * page_size:
        raise UnreadableState(path, f"the file is truncated ({size} bytes, its header says {pages * page_size})")


class SqliteLog:
    """The kine table of one state database (or of an in-memory one, for clusters without a state dir)."""

    def __init__(self, db: sqlite3.Connection, path: Path | None) -> None:
        self._db = db
        self.path = path
        self._batch_depth = 0
        self._wal_fd: int | None = None
        self.unsynced = False  # committed since the last sync

    # ---- opening --------------------------------------------------------------------------------
    @classmethod
    def memory(cls) -> "SqliteLog":
        db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        log = cls(db, None)
        log._create_schema()
        return log

    @classmethod
    def open(cls, path: Path) -> "SqliteLog":
        """Open (or create) the state database at ``path``; `UnreadableState` when it cannot be read."""
        fresh = not path.exists()
        try:
            if fresh:
                _private_file(path)
            else:
                _check_header(path)
        except OSError as exc:
            raise UnreadableState(path, exc.strerror or str(exc)) from None
        try:
            db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise UnreadableState(path, str(exc)) from None
        log = cls(db, path)
        try:
            log._setup(fresh or path.stat().st_size == 0)
        except sqlite3.Error as exc:
            db.close()
            raise UnreadableState(path, str(exc)) from None
        return log

    def _setup(self, new: bool) -> None:
        """Check the file is an svclab state database (reading only), then switch on WAL and FULL sync."""
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not (new and not tables):
            where = self.path or ":memory:"
            if not {"kine", "meta"} <= tables:
                raise UnreadableState(where, "not an svclab state database (no kine and meta tables)")
            meta = dict(self._db.execute("SELECT key, value FROM meta"))
            if meta.get("application") != APPLICATION:
                raise UnreadableState(where, "not an svclab state database")
            if meta.get("schema") != SCHEMA_VERSION:
                raise UnreadableState(where, f"state schema {meta.get('schema')!r} is not the {SCHEMA_VERSION!r} this svclab reads")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
        if new and not tables:
            self._create_schema()

    def _create_schema(self) -> None:
        with self.transaction():
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [("application", APPLICATION), ("schema", SCHEMA_VERSION), ("compact_rev", "0")])

    def close(self) -> None:
        if self._wal_fd is not None:
            os.close(self._wal_fd)
            self._wal_fd = None
        try:
            self._db.close()  # the last connection checkpoints the WAL into the database (with fsyncs)
        except sqlite3.Error:
            pass

    def sync(self) -> None:
        """fsync the WAL: every transaction committed before this call is on disk when it returns.
        Safe from another thread (fsync of any descriptor flushes the file's pages)."""
        self.unsynced = False
        if self.path is None or not SYNC_ACKNOWLEDGED:
            return
        if self._wal_fd is None:
            self._wal_fd = os.open(f"{self.path}-wal", os.O_RDONLY)
        os.fsync(self._wal_fd)

    # ---- transactions ---------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction; nested uses (a batch around single writes) join the outer one."""
        if self._batch_depth:
            self._batch_depth += 1
            try:
                yield
            finally:
                self._batch_depth -= 1
            return
        self._db.execute("BEGIN IMMEDIATE")
        self._batch_depth = 1
        try:
            yield
        except BaseException:
            self._batch_depth = 0
            self._db.execute("ROLLBACK")
            raise
        self._batch_depth = 0
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error:
            if self._db.in_transaction:  # a COMMIT that failed (disk full) may leave it open
                self._db.execute("ROLLBACK")
            raise
        self.unsynced = self.path is not None

    # ---- reads ----------------------------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT key, value FROM meta"))

    def current(self) -> list[Row]:
        """The newest row of every name that still exists: the store's objects (`UnreadableState` when
        the database cannot give them)."""
        try:
            rows = self._db.execute(
                "SELECT k.id, k.name, k.created, k.deleted, k.create_revision, k.value FROM kine AS k "
                "JOIN (SELECT MAX(id) AS id FROM kine GROUP BY name) AS newest ON k.id = newest.id "
                "WHERE k.deleted = 0 ORDER BY k.id"
            ).fetchall()
        except sqlite3.Error as exc:
            raise UnreadableState(self.path or ":memory:", str(exc)) from None
        return [Row(id_, name, bool(created), bool(deleted), create_revision, value) for id_, name, created, deleted, create_revision, value in rows]

    def last_revision(self) -> int:
        (newest,) = self._db.execute("SELECT COALESCE(MAX(id), 0) FROM kine").fetchone()
        return max(int(newest), self.compact_revision())

    def compact_revision(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'compact_rev'").fetchone()
        return int(row[0]) if row else 0

    def after(self, revision: int, resource_key: str | None = None) -> Iterator[Row]:
        """Rows newer than ``revision`` (of one resource when given), oldest first: a watch's history."""
        if resource_key is None:
            cursor = self._db.execute("SELECT id, name, created, deleted, create_revision, value FROM kine WHERE id > ? ORDER BY id", (revision,))
        else:
            prefix = f"/registry/{resource_key}/"
            cursor = self._db.execute(
                "SELECT id, name, created, deleted, create_revision, value FROM kine WHERE id > ? AND name >= ? AND name < ? ORDER BY id",
                (revision, prefix, prefix[:-1] + "0"),
            )
        for id_, name, created, deleted, create_revision, value in cursor.fetchall():
            yield Row(id_, name, bool(created), bool(deleted), create_revision, value)

    def at_revision(self, revision: int, prefix: str) -> list[tuple[str, str]]:
        """(name, value) of every object under ``prefix`` as it was at ``revision`` (the newest row of
        each name at or before it, unless that row is a delete): a paged list's snapshot."""
        rows = self._db.execute(
            "SELECT k.name, k.value FROM kine AS k JOIN (SELECT MAX(id) AS id FROM kine WHERE id <= ? AND name >= ? AND name < ? GROUP BY name) "
            "AS newest ON k.id = newest.id WHERE k.deleted = 0",
            (revision, prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)),
        ).fetchall()
        return [(name, value) for name, value in rows]

    # ---- writes ---------------------------------------------------------------------------------
    def append(self, row: Row, prev_revision: int, meta: dict[str, str] | None = None) -> None:
        """Add one row (and update meta keys) in one transaction, committed when this returns."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO kine (id, name, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (row.revision, row.name, int(row.created), int(row.deleted), row.create_revision, prev_revision, row.value),
            )
            if meta:
                self._db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", list(meta.items()))

    def append_all(self, rows: list[Row], meta: dict[str, str]) -> None:
        """Many create rows and meta keys in one transaction (an import)."""
        with self.transaction():
            self._db.executemany(
                "INSERT INTO kine (id, name, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(row.revision, row.name, int(row.created), int(row.deleted), row.create_revision, 0, row.value) for row in rows],
            )
            self._db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", list(meta.items()))

    def set_meta(self, values: dict[str, str]) -> None:
        with self.transaction():
            self._db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", list(values.items()))

    def compact(self, revision: int) -> int:
        """Forget history up to ``revision``: rows superseded by a row at or before it, and deletes at or
        before it (kine's Compact). The newest row of every existing object stays. Returns rows dropped."""
        if revision <= self.compact_revision():
            return 0
        with self.transaction():
            cursor = self._db.execute(
                "DELETE FROM kine WHERE id IN ("
                " SELECT prev_revision FROM kine WHERE prev_revision != 0 AND id <= ?"
                " UNION SELECT id FROM kine WHERE deleted != 0 AND id <= ?)",
                (revision, revision),
            )
            self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('compact_rev', ?)", (str(revision),))
        return int(cursor.rowcount)


def encode(obj: dict[str, Any]) -> str:
    return json.dumps(obj, separators=(",", ":"), sort_keys=False)
