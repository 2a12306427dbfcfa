"""busybox 1.36.1 ``env`` (coreutils/env.c), ``printenv`` (coreutils/printenv.c), ``which``
(debianutils/which.c) and ``clear`` (console-tools/clear.c).

The environment ``env`` prints is the process's: what the kubelet gives the container (PATH from
the image, HOSTNAME, HOME, the Service variables of the pod's namespace — ``WEB_SERVICE_SERVICE_HOST``
and friends, for Services that existed when the pod started, see pkg/kubelet/envvars — and the
container's ``env``), as the shell passes it on. ``env [-i] [-u NAME] [NAME=VALUE]... PROG`` runs
PROG with the changed environment, found on PATH in the pod's filesystem as execvp() finds it.
``which`` looks for the image's programs in the filesystem too: /bin holds every applet of the
busybox image (svclab.network.tools.image), and ``env`` is also /usr/bin/env.
"""

from __future__ import annotations

import posixpath

from svclab.network import messages
from svclab.network.tools.base import Invocation
from svclab.network.tools.getopt import GetoptError, bad_command_line, getopt
from svclab.network.tools.usages import ENV_USAGE, WHICH_USAGE

BIN_DIRS = ("/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin")
DEFAULT_PATH = "/sbin:/usr/sbin:/bin:/usr/bin"   # bb_default_root_path, when PATH is unset


def is_executable(inv: Invocation, path: str) -> bool:
    """file_is_executable(): a regular file with execute permission. The image's programs (the
    files of its bin directories) have it; files the pod creates (0644) do not."""
    full = inv.env.fs.norm(path, inv.cwd)
    return inv.env.fs.isfile(full) and posixpath.dirname(full) in BIN_DIRS


def find_executable(inv: Invocation, name: str, path_var: str) -> list[str]:
    """Every PATH entry holding NAME (an empty entry is the current directory)."""
    found = []
    for directory in path_var.split(":"):
        candidate = posixpath.join(directory, name) if directory else name
        if is_executable(inv, candidate):
            found.append(candidate)
    return found


async def which(inv: Invocation) -> int:
    """which [-a] COMMAND...: 1 when any is missing."""
    try:
        opts, names = getopt(inv.name, inv.args, "a")
    except GetoptError as e:
        return bad_command_line(inv, e, WHICH_USAGE)
    if not names:
        return inv.usage(WHICH_USAGE)
    path_var = inv.environ.get("PATH", DEFAULT_PATH)
    status = 0
    for name in names:
        if "/" in name:
            found = [name] if is_executable(inv, name) else []
        else:
            found = find_executable(inv, name, path_var)
            if "a" not in opts:
                found = found[:1]
        for hit in found:
            inv.out(hit + "\n")
        status |= 0 if found else 1
    return status


async def env(inv: Invocation) -> int:
    """env [-i0] [-u NAME]... [-] [NAME=VALUE]... [PROG ARGS]"""
    try:
        opts, rest = getopt(inv.name, inv.args, "+i0u:", {"ignore-environment": "i", "null": "0", "unset=": "u"})
    except GetoptError as e:
        return bad_command_line(inv, e, ENV_USAGE)
    clear = "i" in opts
    if rest and rest[0] == "-":
        clear = True
        rest = rest[1:]
    environ = {} if clear else dict(inv.environ)
    for name in opts.get("u", []):
        environ.pop(name, None)
    while rest and "=" in rest[0]:
        name, _, value = rest.pop(0).partition("=")
        environ[name] = value
    if rest:
        return await run_program(inv, rest, environ)
    end = "\0" if "0" in opts else "\n"
    await inv.write("".join(f"{k}={v}{end}" for k, v in environ.items()).encode())
    return 0


async def printenv(inv: Invocation) -> int:
    """printenv [VARIABLE]...: the values of the named variables; 1 when one is unset."""
    if not inv.args:
        await inv.write("".join(f"{k}={v}\n" for k, v in inv.environ.items()).encode())
        return 0
    status = 0
    for name in inv.args:
        if name in inv.environ:
            inv.out(inv.environ[name] + "\n")
        else:
            status = 1
    return status


async def run_program(inv: Invocation, argv: list[str], environ: dict[str, str]) -> int:
    """BB_EXECVP_or_die(): find ARGV[0] as execvp() does and run it in this process."""
    from svclab.network.shell import SHELLS, run_shell   # the shell imports the tools
    from svclab.network.tools import ALL

    name = argv[0]
    if "/" in name:
        found = [name] if is_executable(inv, name) else []
    else:
        found = find_executable(inv, name, environ.get("PATH", DEFAULT_PATH))
    base = posixpath.basename(name)
    tool = ALL.get(base)
    if not found or (tool is None and base not in SHELLS):
        inv.errln(messages.CANT_EXECUTE.format(applet=inv.name, cmd=name, err="No such file or directory"))
        return messages.EXIT_NOT_FOUND
    installed = {n: t for n, t in ALL.items() if find_executable(inv, n, "/bin:/usr/bin:/sbin:/usr/sbin")}
    if base in SHELLS:
        return await run_shell(argv, inv.env, installed, inv.budget, inv.stdin, inv.stdout, inv.stderr, environ,
                               inv.cwd)
    assert tool is not None
    sub = Invocation(argv=argv, env=inv.env, environ=environ, cwd=inv.cwd, budget=inv.budget, stdin=inv.stdin,
                     stdout=inv.stdout, stderr=inv.stderr)
    return await tool(sub)


async def clear(inv: Invocation) -> int:
    """clear: cursor home, then erase to the end of the screen (ESC [H ESC [J); arguments ignored."""
    await inv.write(b"\x1b[H\x1b[J")
    return 0


async def yes(inv: Invocation) -> int:
    """yes [STRING]...: the arguments (or "y") on a line, forever; a reader that goes away ends it
    (SIGPIPE), as does the CPU budget. Lines go out a pipe's worth at a time."""
    line = (" ".join(inv.args) if inv.args else "y") + "\n"
    block = (line * max(1, 4096 // len(line))).encode()
    while True:
        await inv.write(block)
