"""busybox cat, touch, rm, ls, mkdir over the pod's PodFS (coreutils/*.c message texts)."""

from __future__ import annotations

from svclab.network import messages
from svclab.network.podenv import FSError
from svclab.network.streams import CHUNK
from svclab.network.tools.base import Invocation
from svclab.network.tools.textutils import open_input


def _flags(args: list[str], allowed: str) -> tuple[set[str], list[str], str | None]:
    """Split leading -abc flag clusters; returns (flags, operands, first bad flag)."""
    flags: set[str] = set()
    rest: list[str] = []
    it = iter(args)
    for a in it:
        if a == "--":
            rest.extend(it)
            break
        if a.startswith("-") and len(a) > 1:
            for c in a[1:]:
                if c not in allowed:
                    return flags, rest, c
                flags.add(c)
        else:
            rest.append(a)
    return flags, rest, None


async def cat(inv: Invocation) -> int:
    """cat [FILE]...: stdin when no FILE or FILE is '-'; copies a chunk at a time."""
    code = 0
    for path in inv.args or ["-"]:
        reader = open_input(inv, path)
        if reader is None:
            code = 1
            continue
        while True:
            chunk = await reader.read(CHUNK)
            if not chunk:
                break
            await inv.write(chunk)
    return code


async def touch(inv: Invocation) -> int:
    """touch FILE...: create empty files; existing ones are left as they are."""
    _flags_, files, bad = _flags(inv.args, "cham")
    if bad or not files:
        return inv.usage("Usage: touch [-c] [-d DATE] [-t DATE] [-r FILE] FILE...\n\n"
                         "Update mtime of FILEs\n\n\t-c\tDon't create files")
    code = 0
    for f in files:
        p = inv.env.fs.norm(f, inv.cwd)
        if inv.env.fs.exists(p) or "c" in _flags_:
            continue
        try:
            inv.env.fs.write(p, b"")
        except FSError as e:
            inv.errln(f"touch: {f}: {e.strerror}")
            code = 1
    return code


async def rm(inv: Invocation) -> int:
    """rm [-irf] FILE..."""
    flags, files, bad = _flags(inv.args, "irfRv")
    if bad:
        inv.errln(messages.INVALID_OPTION.format(applet="rm", opt=bad))
        return 1
    if not files:
        if "f" in flags:
            return 0
        return inv.usage("Usage: rm [-irf] FILE...\n\nRemove (unlink) FILEs\n\n"
                         "\t-i\tAlways prompt before removing\n\t-f\tNever prompt\n\t-R,-r\tRecurse")
    fs = inv.env.fs
    code = 0
    for f in files:
        p = fs.norm(f, inv.cwd)
        try:
            if fs.isdir(p):
                if not flags & {"r", "R"}:
                    inv.errln(messages.RM_IS_DIR.format(path=f))
                    code = 1
                    continue
                _rmtree(inv, p)
            else:
                fs.remove(p)
        except FSError as e:
            if not ("f" in flags and e.strerror == "No such file or directory"):
                inv.errln(messages.CANT_REMOVE.format(path=f, err=e.strerror))
                code = 1
    return code


def _rmtree(inv: Invocation, path: str) -> None:
    fs = inv.env.fs
    for name in fs.listdir(path):
        child = path.rstrip("/") + "/" + name
        if fs.isdir(child):
            _rmtree(inv, child)
        else:
            fs.remove(child)
    fs.rmdir(path)


async def ls(inv: Invocation) -> int:
    """ls [-1al] [FILE]...: one name per line, as busybox prints when stdout is not a tty."""
    flags, paths, bad = _flags(inv.args, "1alAF")
    if bad:
        inv.errln(messages.INVALID_OPTION.format(applet="ls", opt=bad))
        return 1
    fs = inv.env.fs
    code = 0
    targets = paths or ["."]
    files = [t for t in targets if fs.isfile(fs.norm(t, inv.cwd))]
    dirs = [t for t in targets if fs.isdir(fs.norm(t, inv.cwd))]
    for t in targets:
        if t not in files and t not in dirs:
            inv.errln(f"ls: {t}: No such file or directory")
            code = 1
    for f in sorted(files):
        inv.out(_entry(inv, fs.norm(f, inv.cwd), f, "l" in flags) + "\n")
    for i, d in enumerate(dirs):
        p = fs.norm(d, inv.cwd)
        if len(targets) > 1:
            inv.out(("\n" if files or i else "") + f"{d}:\n")
        names = fs.listdir(p)
        if "a" in flags:
            names = [".", "..", *names]
        if "l" in flags:
            inv.out(f"total {0}\n")
        for n in names:
            inv.out(_entry(inv, (p.rstrip("/") + "/" + n) if n not in (".", "..") else p, n, "l" in flags) + "\n")
    return code


def _entry(inv: Invocation, path: str, shown: str, long: bool) -> str:
    if not long:
        return shown
    fs = inv.env.fs
    if fs.isdir(path):
        mode, size, links = "drwxr-xr-x", 4096, 2
    else:
        mode, size, links = "-rw-r--r--", fs.size(path), 1
    # busybox ls -l: "%-10s %4u %-8.8s %-8.8s %8llu %s %s" (mode, links, user, group, size, date, name)
    return f"{mode} {links:4d} {'root':<8.8} {'root':<8.8} {size:8d} Jan  1 00:00 {shown}"


async def mkdir(inv: Invocation) -> int:
    """mkdir [-p] DIRECTORY..."""
    flags, dirs, bad = _flags(inv.args, "pm")
    if bad or not dirs:
        return inv.usage("Usage: mkdir [-m MODE] [-p] DIRECTORY...\n\nCreate DIRECTORY\n\n"
                         "\t-m MODE\tMode\n\t-p\tNo error if exists; make parent directories as needed")
    code = 0
    for d in dirs:
        p = inv.env.fs.norm(d, inv.cwd)
        try:
            if "p" in flags:
                if not inv.env.fs.isdir(p):
                    parts = p.strip("/").split("/")
                    for i in range(1, len(parts) + 1):
                        sub = "/" + "/".join(parts[:i])
                        if not inv.env.fs.isdir(sub):
                            inv.env.fs.mkdir(sub)
            else:
                inv.env.fs.mkdir(p)
        except FSError as e:
            inv.errln(f"mkdir: can't create directory '{d}': {e.strerror}")
            code = 1
    return code
