"""What an exec'd command sees of its pod: files, environment, DNS server, HTTP, time."""

from __future__ import annotations

import posixpath
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from svclab.network.icmp import EchoReply
    from svclab.network.processes import ProcessTable
    from svclab.network.tcp import Connection


@dataclass
class ExecResult:
    """The outcome of one exec.

    ``runtime_error`` is set when the container runtime could not start the process
    at all (missing binary): the API server must then send a Status Failure with
    reason ``InternalError`` and this message, not a NonZeroExitCode.
    """

    stdout: bytes
    stderr: bytes
    exit_code: int
    runtime_error: str | None = None


@dataclass
class HttpResponse:
    """An HTTP response as a client in the pod receives it."""

    status: int
    reason: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class ConnectionRefused(Exception):
    """The TCP connection was refused (RST / ICMP port unreachable)."""


class ConnectTimeout(Exception):
    """The TCP SYN was dropped: nothing answered."""


class NotHttp(Exception):
    """The server speaks another protocol: it sent ``greeting`` (MySQL's handshake) and, when the
    HTTP request arrived, an error, then closed the connection."""

    def __init__(self, greeting: bytes) -> None:
        super().__init__("not HTTP")
        self.greeting = greeting


class FSError(Exception):
    """A filesystem call failed; ``strerror`` is the libc text (e.g. 'No such file or directory')."""

    def __init__(self, path: str, strerror: str) -> None:
        super().__init__(f"{path}: {strerror}")
        self.path = path
        self.strerror = strerror


ENOENT = "No such file or directory"
EISDIR = "Is a directory"
ENOTDIR = "Not a directory"
EROFS = "Read-only file system"
ENOTEMPTY = "Directory not empty"
EEXIST = "File exists"
ENOSPC = "No space left on device"

DEFAULT_DIRS = ("/", "/bin", "/dev", "/etc", "/home", "/proc", "/root", "/sys", "/tmp", "/usr",
                "/usr/bin", "/usr/sbin", "/var", "/var/run")


class PodFS:
    """A tiny in-memory filesystem: files are bytes, directories a set of paths.

    Every directory is writable except those under a read-only prefix. The files together may hold
    at most ``capacity`` bytes (the node's disk; past it a write fails with ENOSPC). Processes of
    the pod run on their own threads and share it, so every call holds the filesystem's lock.
    """

    def __init__(self, files: dict[str, bytes] | None = None,
                 dirs: tuple[str, ...] | list[str] = DEFAULT_DIRS,
                 readonly: tuple[str, ...] = ("/proc", "/sys"), capacity: int | None = None) -> None:
        self._files: dict[str, bytearray] = {}
        self._dirs: set[str] = {"/"}
        self._readonly = tuple(readonly)
        self._lock = threading.RLock()
        self._used = 0
        self.capacity = capacity
        for d in dirs:
            self.makedirs(d)
        for path, data in (files or {}).items():
            normal = self.norm(path)
            parent = posixpath.dirname(normal)
            if parent not in self._dirs:   # an image's hundreds of programs share a few directories
                self.makedirs(parent)
            self._files[normal] = bytearray(data)
            self._used += len(data)

    @staticmethod
    def norm(path: str, cwd: str = "/") -> str:
        """An absolute, normalised path."""
        joined = posixpath.join(cwd, path)
        out = posixpath.normpath(joined)
        return "/" + out.lstrip("/") if out != "/" else "/"

    @property
    def used(self) -> int:
        """Bytes held by files."""
        return self._used

    def exists(self, path: str) -> bool:
        p = self.norm(path)
        with self._lock:
            return p in self._files or p in self._dirs

    def isdir(self, path: str) -> bool:
        with self._lock:
            return self.norm(path) in self._dirs

    def isfile(self, path: str) -> bool:
        with self._lock:
            return self.norm(path) in self._files

    def size(self, path: str) -> int:
        with self._lock:
            return len(self._file(path))

    def _file(self, path: str) -> bytearray:
        p = self.norm(path)
        if p in self._dirs:
            raise FSError(path, EISDIR)
        if p not in self._files:
            raise FSError(path, ENOENT)
        return self._files[p]

    def read(self, path: str) -> bytes:
        with self._lock:
            return bytes(self._file(path))

    def read_at(self, path: str, offset: int, size: int) -> bytes:
        """pread(2): up to SIZE bytes from OFFSET (b"" at the end)."""
        with self._lock:
            return bytes(self._file(path)[offset:offset + size])

    def read_text(self, path: str, default: str | None = None) -> str:
        """File content as text, or ``default`` when missing (if given)."""
        try:
            return self.read(path).decode("utf-8", "replace")
        except FSError:
            if default is not None:
                return default
            raise

    def _check_parent(self, path: str, p: str) -> None:
        parent = posixpath.dirname(p)
        if parent in self._files:
            raise FSError(path, ENOTDIR)
        if parent not in self._dirs:
            raise FSError(path, ENOENT)
        if self._is_readonly(p):
            raise FSError(path, EROFS)

    def _is_readonly(self, p: str) -> bool:
        return any(p == ro or p.startswith(ro + "/") for ro in self._readonly)

    def write(self, path: str, data: bytes, append: bool = False, partial: bool = False) -> None:
        """Write (or append) DATA. Past the capacity it fails with ENOSPC; with ``partial`` (an
        append, like write(2)) the part that fits is written first."""
        p = self.norm(path)
        with self._lock:
            if p in self._dirs:
                raise FSError(path, EISDIR)
            self._check_parent(path, p)
            current = self._files.get(p)
            kept = len(current) if current is not None and append else 0
            growth = kept + len(data) - (len(current) if current is not None else 0)
            if self.capacity is not None and growth > 0 and self._used + growth > self.capacity:
                room = self.capacity - self._used
                if partial and append and current is not None and room > 0:
                    current += data[:room]
                    self._used += room
                raise FSError(path, ENOSPC)
            if current is None or not append:
                self._files[p] = bytearray(data)
            else:
                current += data
            self._used += growth

    def remove(self, path: str) -> None:
        """Remove a file (not a directory)."""
        p = self.norm(path)
        with self._lock:
            if p in self._dirs:
                raise FSError(path, EISDIR)
            if p not in self._files:
                raise FSError(path, ENOENT)
            if self._is_readonly(p):
                raise FSError(path, EROFS)
            self._used -= len(self._files.pop(p))

    def rmdir(self, path: str) -> None:
        p = self.norm(path)
        with self._lock:
            if p not in self._dirs:
                raise FSError(path, ENOTDIR if p in self._files else ENOENT)
            if self.listdir(p):
                raise FSError(path, ENOTEMPTY)
            if self._is_readonly(p) or p == "/":
                raise FSError(path, EROFS)
            self._dirs.discard(p)

    def mkdir(self, path: str) -> None:
        p = self.norm(path)
        with self._lock:
            if p in self._dirs or p in self._files:
                raise FSError(path, EEXIST)
            self._check_parent(path, p)
            self._dirs.add(p)

    def makedirs(self, path: str) -> None:
        """mkdir -p, ignoring read-only prefixes (used to build the image)."""
        p = self.norm(path)
        with self._lock:
            while p not in self._dirs:
                if p in self._files:
                    raise FSError(path, ENOTDIR)
                self._dirs.add(p)
                p = posixpath.dirname(p)

    def listdir(self, path: str) -> list[str]:
        """Sorted names directly inside a directory."""
        p = self.norm(path)
        with self._lock:
            if p in self._files:
                raise FSError(path, ENOTDIR)
            if p not in self._dirs:
                raise FSError(path, ENOENT)
            prefix = p.rstrip("/") + "/"
            names = {q[len(prefix):] for q in (*self._files, *self._dirs)
                     if q.startswith(prefix) and q != p and "/" not in q[len(prefix):]}
        return sorted(names)


class PodEnv(Protocol):
    """The pod as an exec'd tool sees it; the integrator implements it on the live cluster."""

    name: str
    namespace: str
    hostname: str
    ip: str
    fs: PodFS
    env: dict[str, str]
    dns_server: tuple[str, int]
    processes: ProcessTable

    async def http_request(self, ip: str, port: int, method: str, path: str,
                           headers: dict[str, str]) -> HttpResponse:
        """Send one HTTP request; raise ConnectionRefused or ConnectTimeout."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait (the cluster may compress time)."""
        ...

    async def tcp_connect(self, ip: str, port: int) -> Connection:
        """Open a TCP connection to whatever listens at ip:port (through kube-proxy's rules for a
        Service address); raise ConnectionRefused or ConnectTimeout."""
        ...

    async def icmp_echo(self, ip: str, seq: int) -> EchoReply | None:
        """Send ICMP echo request number ``seq``; the reply, or None when nothing answers."""
        ...


def standard_files(hostname: str, ip: str, namespace: str, nameserver: str = "10.96.0.10",
                   cluster_domain: str = "cluster.local", fqdn: str | None = None) -> dict[str, bytes]:
    """/etc/resolv.conf, /etc/hosts and /etc/hostname as the kubelet writes them."""
    search = f"{namespace}.svc.{cluster_domain} svc.{cluster_domain} {cluster_domain}"
    resolv = f"search {search}\nnameserver {nameserver}\noptions ndots:5\n"
    # kubelet's managed hosts file (pkg/kubelet/kubelet_pods.go managedHostsHeader + hostsEntries).
    hosts = ("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
             "fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n")
    hosts += f"{ip}\t{fqdn}\t{hostname}\n" if fqdn else f"{ip}\t{hostname}\n"
    return {"/etc/resolv.conf": resolv.encode(), "/etc/hosts": hosts.encode(),
            "/etc/hostname": f"{hostname}\n".encode()}
