"""Confining a grading kernel: a Unix user of its own, a filesystem that shows only what it needs, limits.

A submission's kernel runs the learner's code, so it must not read what grades it (`solutions/`, the
gradebook, other submissions), write what grades the next one (the install: svclab is an editable install,
so its source lives in the repository), nor reach the grader's processes. `confine` does that to a freshly
forked process, as root, just before it becomes the kernel:

1. A mount namespace of its own (``unshare(CLONE_NEWNS)``, every mount made private first so nothing
   propagates back), then a new root: an empty tmpfs holding, read-only, only the operating system's
   directories, the Python installation, the virtual environment and the `svclab` package directory
   (`Spec.binds`), a minimal `/dev`, `/proc`, and a small writable `/tmp` where its own files live (its
   working directory, HOME, the kernel's connection file, the kubeconfig of its cluster). ``pivot_root``
   moves into it and the old root is detached: the rest of the machine — the repository's `solutions/`
   and `.git`, the course folder, other kernels' files — is not there at all, and nothing it can see is
   writable but `/tmp`, which disappears with the namespace.
2. Resource limits (`setrlimit`): memory per process (``RLIMIT_DATA``: past it an allocation fails with a
   MemoryError in that cell, the kernel survives), processes and threads of its user, open files, file size,
   no core dumps.
3. The unprivileged user of its worker slot (``setgroups([])``, ``setgid``, ``setuid``) and
   ``PR_SET_NO_NEW_PRIVS`` (no set-user-ID program gives root back), so it cannot undo any of the above.

Without the capability to make mount namespaces (a container without CAP_SYS_ADMIN), step 1 is skipped and
file modes must keep the secrets unreadable; `probe` checks that from inside the sandbox before grading
starts and the worker refuses to grade when it finds anything readable or writable that must not be.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import platform
import pwd
import resource
import shutil
import signal
import stat
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x20, 0x1000, 0x4000, 0x40000
MNT_DETACH = 0x2
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 217}.get(platform.machine())

USER_PREFIX = "svclab-grade"  # the sandbox users: svclab-grade0, svclab-grade1, ... (one per worker slot)
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")

_libc = ctypes.CDLL(None, use_errno=True)


def _call(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = lambda s: s.encode() if s is not None else None  # noqa: E731
    _call(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)), f"mount {target}")


def _unshare(flags: int) -> None:
    _call(_libc.unshare(ctypes.c_int(flags)), "unshare")


def _prctl(option: int, value: int) -> None:
    _call(_libc.prctl(ctypes.c_int(option), ctypes.c_ulong(value), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0)), "prctl")


def _pivot_root(new_root: str, put_old: str) -> None:
    assert SYS_PIVOT_ROOT is not None
    _call(_libc.syscall(ctypes.c_long(SYS_PIVOT_ROOT), new_root.encode(), put_old.encode()), "pivot_root")


@dataclass
class Limits:
    """What one kernel may use. Memory is per process (RLIMIT_DATA: heap and anonymous mappings)."""

    memory_bytes: int = 2 << 30
    processes: int = 256          # tasks (processes and threads) of the sandbox user at once
    open_files: int = 1024
    file_bytes: int = 256 << 20   # the largest file it may write
    tmp_bytes: int = 512 << 20    # its writable /tmp, in all
    cpu_seconds: int = 3600       # a backstop; cells have their own timeout


@dataclass
class Spec:
    """How to confine one process (sent to the zygote as JSON)."""

    uid: int
    gid: int
    user: str
    root: str                      # an empty directory, owned by the grader, to mount the new root on
    binds: list[str]               # exposed read-only at the same paths
    mount_namespace: bool = True
    limits: Limits = field(default_factory=Limits)
    files: dict[str, str] = field(default_factory=dict)   # path under the kernel's /tmp -> text (0600, owned by the user)
    copy_from: str | None = None   # a directory whose regular files become the kernel's working directory
    env: dict[str, str] = field(default_factory=dict)     # "{tmp}" in a value is the kernel's /tmp

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Spec":
        return cls(**{**data, "limits": Limits(**data.get("limits", {}))})


def default_binds() -> list[str]:
    """What a kernel needs to see: the system, this Python and its venv, the svclab package (editable or not).

    Not the folder the grader was started from, nor the rest of the repository (solutions/, .git, the course)."""
    import svclab

    paths = [*SYSTEM_DIRS, sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix,
             str(Path(svclab.__file__).parent)]
    found: list[str] = []
    for path in sorted({os.path.normpath(p) for p in paths if os.path.lexists(p)}):
        if not any(path.startswith(kept + os.sep) for kept in found):  # inside one already listed: covered by it
            found.append(path)
    return found


def kernel_tmp(spec: Spec) -> str:
    """The kernel's writable /tmp, as the kernel sees it."""
    return "/tmp" if spec.mount_namespace else os.path.join(spec.root, "tmp")


def _readonly_bind(source: str, target: str) -> None:
    _mount(source, target, None, MS_BIND | MS_REC)
    keep = os.statvfs(source).f_flag & (MS_NOSUID | MS_NODEV | MS_NOEXEC)
    _mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | keep)


def _expose(new_root: str, path: str) -> None:
    target = new_root + path
    os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
    if os.path.islink(path):
        os.symlink(os.readlink(path), target)
    elif os.path.isdir(path):
        os.makedirs(target, mode=0o755, exist_ok=True)
        _readonly_bind(path, target)
    elif os.path.exists(path):
        Path(target).touch(mode=0o644)
        _readonly_bind(path, target)


def _new_root(spec: Spec) -> None:
    """Mount namespace + a root of read-only binds and a private /tmp, then pivot into it."""
    _unshare(CLONE_NEWNS)
    _mount(None, "/", None, MS_REC | MS_PRIVATE)  # first: nothing done below may reach the grader's namespace
    root = spec.root
    _mount("svclab-root", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=0755")
    os.makedirs(root + "/tmp", mode=0o755)  # first, so a bind below /tmp (a checkout there) is not hidden by it
    _mount("svclab-tmp", root + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={spec.limits.tmp_bytes},mode=0755,uid={spec.uid},gid={spec.gid}")
    for path in spec.binds:
        _expose(root, path)
    os.makedirs(root + "/dev", mode=0o755, exist_ok=True)
    for name in DEVICES:
        if os.path.exists("/dev/" + name):
            Path(root + "/dev/" + name).touch(mode=0o666)
            _mount("/dev/" + name, root + "/dev/" + name, None, MS_BIND)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{root}/dev/{name}")
    os.makedirs(root + "/dev/pts", mode=0o755)  # a private devpts: terminals for `!command` (pexpect) in cells
    _mount("devpts", root + "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620")
    os.symlink("pts/ptmx", root + "/dev/ptmx")
    os.makedirs(root + "/dev/shm", mode=0o755)
    _mount("svclab-shm", root + "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64m,mode=1777")
    os.makedirs(root + "/proc", mode=0o555)
    _mount("/proc", root + "/proc", None, MS_BIND | MS_REC)
    os.makedirs(root + "/.old", mode=0o700)
    os.chdir(root)
    if SYS_PIVOT_ROOT is not None:
        _pivot_root(".", ".old")
        os.chdir("/")
        _call(_libc.umount2(b"/.old", ctypes.c_int(MNT_DETACH)), "umount old root")
        os.rmdir("/.old")
    else:  # an architecture without a known pivot_root number: chroot, which an unprivileged user cannot leave
        os.chroot(".")
        os.chdir("/")
    _mount(None, "/", None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _write_files(spec: Spec, source_files: dict[str, bytes]) -> None:
    """The kernel's own files in its /tmp, owned by its user (only what is made here: binds below /tmp stay as they are)."""
    tmp = kernel_tmp(spec)
    made: list[str] = [tmp]

    def make_dirs(path: str) -> None:
        missing = []
        while not os.path.isdir(path):
            missing.append(path)
            path = os.path.dirname(path)
        for directory in reversed(missing):
            os.mkdir(directory, 0o700)
            made.append(directory)

    for sub in ("work", "home", "runtime", "ipython", "mpl"):
        make_dirs(os.path.join(tmp, sub))
    written = [(os.path.join(tmp, "work", rel), content) for rel, content in source_files.items()]
    written += [(os.path.join(tmp, rel), text.encode()) for rel, text in spec.files.items()]
    for target, content in written:
        make_dirs(os.path.dirname(target))
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(content)
        made.append(target)
    for path in made:
        os.lchown(path, spec.uid, spec.gid)


def read_work_files(directory: str | None, max_bytes: int = 64 << 20) -> dict[str, bytes]:
    """The regular files of the submission's folder (not notebooks, not symlinks), for its working directory."""
    found: dict[str, bytes] = {}
    if not directory or not os.path.isdir(directory):
        return found
    total = 0
    for dirpath, dirnames, filenames in os.walk(directory, followlinks=False):
        dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d)) and d != ".ipynb_checkpoints"]
        for name in filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            if not stat.S_ISREG(st.st_mode) or name.endswith(".ipynb"):
                continue
            total += st.st_size
            if total > max_bytes:
                raise OSError(errno.EFBIG, f"the submission's files are larger than {max_bytes >> 20} MiB")
            with open(path, "rb") as f:
                found[os.path.relpath(path, directory)] = f.read()
    return found


def _set_limits(limits: Limits) -> None:
    for which, value in ((resource.RLIMIT_DATA, limits.memory_bytes), (resource.RLIMIT_NPROC, limits.processes),
                         (resource.RLIMIT_NOFILE, limits.open_files), (resource.RLIMIT_FSIZE, limits.file_bytes),
                         (resource.RLIMIT_CORE, 0), (resource.RLIMIT_CPU, limits.cpu_seconds)):
        resource.setrlimit(which, (value, value))


def _drop_to(spec: Spec) -> None:
    if os.getuid() == 0:
        os.setgroups([])
        os.setgid(spec.gid)
        os.setuid(spec.uid)
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # cleared by setuid, so set after it: the kernel ends with its zygote


def set_parent_death_signal() -> None:
    """SIGKILL this process when its parent ends (a zygote whose worker died, a kernel whose zygote died)."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def confine(spec: Spec) -> None:
    """Turn the calling (freshly forked, root) process into the confined one. Irreversible."""
    os.setsid()
    source_files = read_work_files(spec.copy_from)
    if spec.mount_namespace:
        _new_root(spec)
    else:
        os.makedirs(kernel_tmp(spec), mode=0o700, exist_ok=True)
    _write_files(spec, source_files)
    tmp = kernel_tmp(spec)
    env = {key: value.replace("{tmp}", tmp) for key, value in spec.env.items()}
    os.environ.clear()
    os.environ.update(env)
    _set_limits(spec.limits)
    _drop_to(spec)
    os.chdir(os.path.join(tmp, "work"))


# ---- sandbox users ------------------------------------------------------------------------------------------

def can_sandbox() -> str | None:
    """None when this process can run kernels as other users, else why not."""
    if os.getuid() != 0:
        return "svclab grade runs each submission as an unprivileged user of its own, which needs root"
    return None


def can_make_mount_namespace() -> bool:
    """Can this process make a mount namespace (CAP_SYS_ADMIN)? Tried in a throwaway child."""
    pid = os.fork()
    if pid == 0:
        try:
            _unshare(CLONE_NEWNS)
            _mount(None, "/", None, MS_REC | MS_PRIVATE)
            os._exit(0)
        except BaseException:  # noqa: BLE001 - any failure means no
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


LOCKS = Path("/run/lock") if Path("/run/lock").is_dir() else Path("/tmp")


def claim_user(limit: int = 256) -> tuple[str, int, int, int]:
    """A sandbox user no other grading worker on this machine holds (another `svclab grade`, another shard):
    name, uid, gid and the descriptor of the lock that holds it until this process ends."""
    import fcntl

    folder = LOCKS / "svclab-grade"
    folder.mkdir(mode=0o700, exist_ok=True)
    for number in range(limit):
        fd = os.open(folder / f"{number}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return (*ensure_user(number), fd)
    raise RuntimeError(f"all {limit} sandbox users are taken by other grading workers")


def ensure_user(slot: int) -> tuple[str, int, int]:
    """The sandbox user of a worker slot (created when missing): name, uid, gid."""
    name = f"{USER_PREFIX}{slot}"
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        proc = subprocess.run([useradd, "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                               "--shell", "/usr/sbin/nologin", "--comment", "svclab grading sandbox", name],
                              capture_output=True, text=True)
        if proc.returncode != 0 and "already exists" not in proc.stderr:
            raise RuntimeError(f"could not create the sandbox user {name}: {proc.stderr.strip() or proc.returncode}")
        entry = pwd.getpwnam(name)
    return name, entry.pw_uid, entry.pw_gid


def sweep_user(name: str) -> bool:
    """From outside: SIGKILL what sandbox user `name` still runs after its worker was killed before it could clean up
    (a kernel's own children). Only while no worker holds the user (its lock is free, and held here meanwhile):
    another run's kernels are never touched. Whether it swept."""
    import fcntl

    if not name.startswith(USER_PREFIX) or not name[len(USER_PREFIX):].isdigit():
        return False
    try:
        uid = pwd.getpwnam(name).pw_uid
    except KeyError:
        return False
    folder = LOCKS / "svclab-grade"
    try:
        fd = os.open(folder / f"{name[len(USER_PREFIX):]}.lock", os.O_RDWR)
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                kill_user(uid)
            except BaseException:  # noqa: BLE001 - a throwaway child
                code = 1
            os._exit(code)
        os.waitpid(pid, 0)
        return True
    finally:
        os.close(fd)  # the lock goes with it


def kill_user(uid: int) -> None:
    """SIGKILL every process of `uid` (whatever a submission left running). Run in a throwaway child."""
    os.setgroups([])
    os.setgid(pwd.getpwuid(uid).pw_gid)
    os.setuid(uid)
    for _ in range(3):  # a process forking right now may escape one sweep, not three
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            break


# ---- proving it --------------------------------------------------------------------------------------------

def probe(secrets: list[str], protected: list[str]) -> list[str]:
    """From inside the sandbox: what of `secrets` it can read and of `protected` it can write (should be nothing)."""
    found = []
    for path in secrets:
        try:
            if os.path.isdir(path):
                os.listdir(path)
            else:
                with open(path, "rb") as f:
                    f.read(1)
        except OSError:
            continue
        found.append(f"can read {path}")
    for path in protected:
        if not os.path.lexists(path):
            continue  # not there at all, so not writable either
        target = os.path.join(path, ".svclab-probe") if os.path.isdir(path) else path
        try:
            with open(target, "a") as f:
                f.write("")
        except OSError:
            continue
        if target != path:
            os.unlink(target)
        found.append(f"can write {path}")
    return found


def probe_main(spec: Spec, secrets: list[str], protected: list[str], result_fd: int) -> None:
    """The zygote's `probe` role: confine as a kernel would be, then report what leaks (JSON on result_fd)."""
    try:
        confine(spec)
        report = {"violations": probe(secrets, protected), "uid": os.getuid(), "cwd": os.getcwd()}
    except BaseException as exc:  # noqa: BLE001 - reported to the grader, who refuses to grade
        report = {"error": f"{type(exc).__name__}: {exc}"}
    os.write(result_fd, json.dumps(report).encode())
    os.close(result_fd)
