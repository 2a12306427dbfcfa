"""`kubectl exec POD -- ...` on an emulated pod: direct exec of a binary, or busybox ash's ``sh -c``.

Error texts follow busybox shell/ash.c (ash_vmsg: "sh: NAME: not found", status 127; syntax
errors status 2) and, for a binary the image lacks, containerd/runc (see messages.py).

Commands run like processes: each has file descriptors (svclab.network.streams), a pipeline's
commands run at once connected by pipes of ``pipe_bytes``, a command writing to a pipe whose reader
has gone dies of SIGPIPE (status 141, no message), and every step the shell takes checks the
session's budget (svclab.network.budget). ``$((...))`` is busybox's 64-bit arithmetic
(svclab.network.tools.shmath).
"""

from __future__ import annotations

import asyncio
import logging
import posixpath
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from svclab.network import messages
from svclab.network.budget import DEFAULT_LIMITS, SIGPIPE, SIGSEGV, Budget, Killed, Limits, OutOfMemory
from svclab.network.podenv import ExecResult, FSError, PodEnv
from svclab.network.streams import (BytesReader, Collector, Discard, EmptyReader, FileReader, FileWriter, Pipe,
                                    PipeReadEnd, Reader, WriteError, Writer, ZeroReader, read_all)
from svclab.network.tools import ALL
from svclab.network.tools.base import Invocation, Tool
from svclab.network.tools.shmath import ArithError, evaluate
from svclab.network.tools.shsyntax import (AndOr, For, HeredocUnterminated, If, Node, Part, Pipeline, Redir, Seq,
                                           ShellSyntaxError, Simple, While, Word, _dq_parts, parse)

log = logging.getLogger(__name__)

SHELLS = {"sh", "ash"}
BIN_DIRS = {"/bin", "/usr/bin", "/sbin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"}
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
RUNTIME_EXIT_CODE = 126   # what runc reports; kubectl itself prints the Status and exits 1
# Applets that busybox ash runs as builtins (no exec: no ARG_MAX, and SIGPIPE kills the shell).
ASH_BUILTIN_APPLETS = {"echo", "printf", "test", "[", "true", "false"}
NULL_DEVICES = {"/dev/null", "/dev/zero"}


class _Exit(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class _ShellError(Exception):
    """ash_msg_and_raise_error(): a non-interactive shell exits with ``status``; an interactive
    one abandons the line and prompts again."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _LoopControl(Exception):
    def __init__(self, kind: str, levels: int) -> None:
        super().__init__(kind)
        self.kind = kind
        self.levels = levels


@dataclass
class IO:
    """File descriptors of a running command: its standard input and its output descriptors."""

    stdin: Reader
    fds: dict[int, Writer]

    def derive(self) -> IO:
        """A copy whose fd table can change independently."""
        return IO(self.stdin, dict(self.fds))


class SubstitutionOutput(Collector):
    """What ``$(...)`` collects. Past the memory budget the shell reading it runs out of memory;
    the command writing it then finds its reader gone (SIGPIPE)."""

    def __init__(self, budget: Budget) -> None:
        super().__init__(budget)
        self.overflowed = False

    def write_nowait(self, data: bytes) -> None:
        if self.overflowed:
            raise Killed(SIGPIPE)
        if len(self.data) + len(data) > self.budget.limits.memory_bytes:
            self.overflowed = True
            raise Killed(SIGPIPE)
        self.data += data


@dataclass
class Shell:
    """One ash process: variables, exported names, $?, cwd and the commands it can find."""

    env: PodEnv
    tools: Mapping[str, Tool]
    budget: Budget = field(default_factory=lambda: Budget(DEFAULT_LIMITS))
    arg0: str = "sh"
    positional: list[str] = field(default_factory=list)
    vars: dict[str, str] = field(default_factory=dict)
    exported: set[str] = field(default_factory=set)
    status: int = 0
    cwd: str = "/"
    errexit: bool = False
    xtrace: bool = False
    interactive: bool = False
    _in_condition: int = 0
    status_from_subst: int | None = None
    var_bytes: int = -1

    def __post_init__(self) -> None:
        if self.var_bytes < 0:
            self.var_bytes = sum(len(k) + len(v) for k, v in self.vars.items())

    def subshell(self) -> Shell:
        return Shell(self.env, self.tools, self.budget, self.arg0, list(self.positional), dict(self.vars),
                     set(self.exported), self.status, self.cwd, self.errexit, self.xtrace, var_bytes=self.var_bytes)

    def err(self, io: IO, text: str) -> None:
        try:
            io.fds[2].write_nowait((text + "\n").encode())
        except (WriteError, OutOfMemory):
            pass   # stderr itself cannot take it: nothing else to tell

    def set_var(self, name: str, value: str) -> None:
        """setvar(): a variable's value counts against the memory budget, and so do all of them."""
        old = self.vars.get(name)
        total = self.var_bytes + len(value) - (len(old) if old is not None else -len(name))
        self.budget.check_size(len(value))
        self.budget.check_size(total)
        self.vars[name] = value
        self.var_bytes = total

    def unset_var(self, name: str) -> None:
        old = self.vars.pop(name, None)
        if old is not None:
            self.var_bytes -= len(name) + len(old)

    # ----------------------------------------------------------------------------- running
    async def run_script(self, src: str, io: IO) -> int:
        """Parse and run a whole script; errors end it with their status."""
        try:
            self.budget.check_size(len(src))
            tree = parse(src)
        except ShellSyntaxError as e:
            self.err(io, f"{self.arg0}: {e}")
            self.status = 2
            return 2
        except OutOfMemory:
            self.err(io, messages.OUT_OF_MEMORY.format(applet=self.arg0))
            self.status = 2
            return 2
        try:
            return await self.run_seq(tree, io)
        except _Exit as e:
            self.status = e.code
            return e.code
        except _ShellError as e:
            self.status = e.status
            return e.status
        except _LoopControl:
            return self.status

    async def run_seq(self, seq: Seq, io: IO) -> int:
        for item in seq.items:
            await self.run_and_or(item, io)
            if self.errexit and self.status and not self._in_condition and not item.rest:
                raise _Exit(self.status)
        return self.status

    async def run_and_or(self, node: AndOr, io: IO) -> int:
        status = await self.run_pipeline(node.first, io)
        for op, pipe in node.rest:
            if (op == "&&" and status == 0) or (op == "||" and status != 0):
                status = await self.run_pipeline(pipe, io)
        return status

    async def run_pipeline(self, pipe: Pipeline, io: IO) -> int:
        if len(pipe.cmds) == 1:
            status = await self.run_node(pipe.cmds[0], io)
        else:
            status = await self._run_stages(pipe.cmds, io)
        if pipe.negate:
            status = 0 if status else 1
        self.status = status
        return status

    async def _run_stages(self, cmds: list[Node], io: IO) -> int:
        """Every command of the pipeline at once, each in a subshell, joined by bounded pipes."""
        pipes = [Pipe(self.budget) for _ in cmds[1:]]

        async def stage(i: int, cmd: Node) -> int:
            stdin: Reader = io.stdin if i == 0 else PipeReadEnd(pipes[i - 1])
            fds = dict(io.fds)
            if i < len(pipes):
                fds[1] = pipes[i]
            try:
                return await self.subshell().run_node(cmd, IO(stdin, fds))
            except _Exit as e:
                return e.code
            except _ShellError as e:
                return e.status
            except _LoopControl:
                return 0
            except Killed as k:
                if k.signo == SIGPIPE:
                    return k.status
                raise
            finally:
                if i < len(pipes):
                    pipes[i].close()
                if i > 0:
                    pipes[i - 1].close_read()

        tasks = [asyncio.ensure_future(stage(i, cmd)) for i, cmd in enumerate(cmds)]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        finally:
            pending = [t for t in tasks if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        errors = [t.exception() for t in tasks if not t.cancelled()]   # (retrieves every one)
        failure = next((e for e in errors if e is not None), None)
        if failure is not None:
            raise failure
        return tasks[-1].result()

    async def run_node(self, node: Node, io: IO) -> int:
        self.budget.tick()
        await asyncio.sleep(0)   # never starve the session's loop, even in `while true; do :; done`
        try:
            if isinstance(node, Simple):
                return await self.run_simple(node, io)
            cio = await self.redirect(node.redirs, io)
            if cio is None:
                self.status = 2
                return 2
            if isinstance(node, For):
                return await self.run_for(node, cio)
            if isinstance(node, If):
                return await self.run_if(node, cio)
            if isinstance(node, While):
                return await self.run_while(node, cio)
            if node.subshell:
                sub = self.subshell()
                try:
                    status = await sub.run_seq(node.body, cio)
                except _Exit as e:
                    status = e.code
                except _ShellError as e:
                    status = e.status
                self.status = status
                return status
            return await self.run_seq(node.body, cio)
        except OutOfMemory:
            self.err(io, messages.OUT_OF_MEMORY.format(applet=self.arg0))
            raise _ShellError(2) from None

    async def run_for(self, node: For, io: IO) -> int:
        items = self.positional if node.words is None else [f for w in node.words for f in await self.fields(w, io)]
        self.status = 0
        for item in items:
            self.set_var(node.var, item)
            try:
                await self.run_seq(node.body, io)
            except _LoopControl as c:
                if c.levels > 1:
                    raise _LoopControl(c.kind, c.levels - 1) from None
                if c.kind == "break":
                    break
            await asyncio.sleep(0)
        return self.status

    async def run_if(self, node: If, io: IO) -> int:
        for cond, body in node.clauses:
            self._in_condition += 1
            try:
                status = await self.run_seq(cond, io)
            finally:
                self._in_condition -= 1
            if status == 0:
                return await self.run_seq(body, io)
        if node.orelse is not None:
            return await self.run_seq(node.orelse, io)
        self.status = 0
        return 0

    async def run_while(self, node: While, io: IO) -> int:
        last = 0
        while True:
            self._in_condition += 1
            try:
                status = await self.run_seq(node.cond, io)
            finally:
                self._in_condition -= 1
            if (status == 0) == node.until:
                break
            try:
                last = await self.run_seq(node.body, io)
            except _LoopControl as c:
                if c.levels > 1:
                    raise _LoopControl(c.kind, c.levels - 1) from None
                if c.kind == "break":
                    break
            await asyncio.sleep(0)
        self.status = last
        return last

    # ----------------------------------------------------------------------- simple commands
    async def run_simple(self, node: Simple, io: IO) -> int:
        self.status_from_subst = None
        argv: list[str] = []
        for w in node.words:
            argv.extend(await self.fields(w, io))
        assigns = [(name, await self.string(value, io)) for name, value in node.assigns]
        if self.xtrace and (argv or assigns):
            self.err(io, "+ " + " ".join([f"{n}={v}" for n, v in assigns] + argv))
        cio = await self.redirect(node.redirs, io)
        if cio is None:
            # redirectsafe(): a failed redirection makes the command's status 1.
            self.status = 1
            return 1
        if not argv:
            for name, value in assigns:
                self.set_var(name, value)
            self.status = self.status_from_subst or 0
            return self.status
        status = await self.execute(argv, dict(assigns), cio)
        self.status = status
        return status

    async def execute(self, argv: list[str], prefix: dict[str, str], io: IO) -> int:
        name = argv[0]
        builtin = BUILTINS.get(name)
        if builtin is not None:
            return await builtin(self, argv, io)
        tool = self.find(name)
        if tool is None:
            self.err(io, messages.ASH_NOT_FOUND.format(arg0=self.arg0, cmd=name))
            return messages.EXIT_NOT_FOUND
        base = posixpath.basename(name)
        environ = self.environ(prefix)
        as_builtin = base in ASH_BUILTIN_APPLETS
        if not as_builtin:
            too_big = _exec_args_error(argv, environ, self.budget.limits)
            if too_big:
                self.err(io, messages.ASH_EXEC_FAILED.format(arg0=self.arg0, cmd=name, err=too_big))
                return messages.EXIT_CANNOT_EXECUTE
        if as_builtin:
            inv = Invocation(argv=argv, env=self.env, environ=environ, cwd=self.cwd, budget=self.budget,
                             stdin=io.stdin, stdout=io.fds[1], stderr=io.fds[2])
            return await run_tool(tool, inv, as_builtin)
        with self.env.processes.running(argv):   # fork + exec: a process of the pod (`ps` lists it)
            if base in SHELLS:
                return await run_shell(argv, self.env, self.tools, self.budget, io.stdin, io.fds[1], io.fds[2],
                                       environ, self.cwd)
            inv = Invocation(argv=argv, env=self.env, environ=environ, cwd=self.cwd, budget=self.budget,
                             stdin=io.stdin, stdout=io.fds[1], stderr=io.fds[2])
            return await run_tool(tool, inv, as_builtin)

    def find(self, name: str) -> Tool | None:
        """PATH lookup: applets live in the bin directories; sh is always there."""
        base = posixpath.basename(name)
        if "/" in name and posixpath.dirname(posixpath.normpath(posixpath.join(self.cwd, name))) not in BIN_DIRS:
            return None
        if base in SHELLS:
            return _shell_marker
        return self.tools.get(base)

    def environ(self, prefix: dict[str, str] | None = None) -> dict[str, str]:
        out = {k: v for k, v in self.vars.items() if k in self.exported}
        out.update(prefix or {})
        return out

    # ----------------------------------------------------------------------------- redirects
    async def redirect(self, redirs: list[Redir], io: IO) -> IO | None:
        """Apply redirections in order; a file opened for writing is truncated now (unless >>)."""
        if not redirs:
            return io
        new = io.derive()
        for r in redirs:
            if r.op.startswith("<<"):
                body = await self.string(r.target, io)
                self.budget.check_size(len(body))
                reader: Reader = BytesReader(body.encode())
                if r.fd == 0:
                    new.stdin = reader
                continue
            target = await self.string(r.target, io)
            if r.op in (">&", "<&"):
                if target == "-":
                    if r.fd == 0:
                        new.stdin = EmptyReader()
                    else:
                        new.fds[r.fd] = Discard()
                elif r.op == "<&" and r.fd == 0 and target == "0":
                    continue
                elif target.isdigit() and int(target) in new.fds:
                    new.fds[r.fd] = new.fds[int(target)]
                elif target.isdigit():
                    self.err(io, f"{self.arg0}: {target}: bad file descriptor")
                    return None
                else:
                    sink = self.open_out(target, False, new, io)
                    if sink is None:
                        return None
                    new.fds[r.fd] = new.fds[2] = sink
                continue
            if r.op == "<":
                source = self.open_in(target, new, io)
                if source is None:
                    return None
                if r.fd == 0:
                    new.stdin = source
                continue
            sink = self.open_out(target, r.op == ">>", new, io)
            if sink is None:
                return None
            new.fds[r.fd] = sink
        return new

    def open_in(self, target: str, new: IO, io: IO) -> Reader | None:
        path = self.env.fs.norm(target, self.cwd)
        if path == "/dev/null":
            return EmptyReader()
        if path == "/dev/zero":
            return ZeroReader(self.budget)
        if path == "/dev/stdin":
            return new.stdin
        try:
            self.env.fs.read_at(path, 0, 0)
        except FSError as e:
            err = "no such file" if e.strerror in ("No such file or directory", "Not a directory") else e.strerror
            self.err(io, messages.ASH_CANT_OPEN.format(arg0=self.arg0, path=target, err=err))
            return None
        return FileReader(self.env.fs, path, self.budget)

    def open_out(self, target: str, append: bool, new: IO, io: IO) -> Writer | None:
        path = self.env.fs.norm(target, self.cwd)
        if path in NULL_DEVICES:
            return Discard()
        if path == "/dev/stdout":
            return new.fds[1]
        if path == "/dev/stderr":
            return new.fds[2]
        try:
            self.env.fs.write(path, b"", append=True) if append else self.env.fs.write(path, b"")
        except FSError as e:
            err = "nonexistent directory" if e.strerror in ("No such file or directory", "Not a directory") else e.strerror
            self.err(io, messages.ASH_CANT_CREATE.format(arg0=self.arg0, path=target, err=err))
            return None
        return FileWriter(self.env.fs, path, self.budget)

    # ----------------------------------------------------------------------------- expansion
    async def fields(self, word: Word, io: IO) -> list[str]:
        """Expand a word into fields: unquoted expansions split on blanks, quotes keep empties."""
        out: list[str] = []
        cur: list[str] = []
        have = False
        size = 0
        for part in word.parts:
            value = await self.part_value(part, io)
            size += len(value)
            self.budget.check_size(size)
            if part.quoted or part.kind == "lit":
                cur.append(value)
                have = have or part.quoted or bool(value)
                continue
            if not value:
                continue
            pieces = value.split()
            if value[0] in " \t\n" and have:
                out.append("".join(cur))
                cur, have = [], False
            for k, piece in enumerate(pieces):
                if k:
                    out.append("".join(cur))
                    cur = []
                cur.append(piece)
                have = True
            if value[-1] in " \t\n" and have:
                out.append("".join(cur))
                cur, have = [], False
        if have:
            out.append("".join(cur))
        return out

    async def string(self, word: Word, io: IO) -> str:
        """Expand without field splitting (assignments, redirection targets, here-documents)."""
        pieces: list[str] = []
        size = 0
        for p in word.parts:
            value = await self.part_value(p, io)
            size += len(value)
            self.budget.check_size(size)
            pieces.append(value)
        return "".join(pieces)

    async def part_value(self, part: Part, io: IO) -> str:
        if part.kind == "lit":
            return part.text
        if part.kind == "var":
            return await self.param(part.text, io)
        if part.kind == "cmd":
            return await self.command_subst(part.text, io)
        return str(await self.arith(part.text, io))

    async def command_subst(self, src: str, io: IO) -> str:
        sub = self.subshell()
        out = SubstitutionOutput(self.budget)
        status = await sub.run_script(src, IO(io.stdin, {1: out, 2: io.fds[2]}))
        if out.overflowed:
            raise OutOfMemory()
        self.status_from_subst = status
        self.status = status
        return out.data.decode("utf-8", "replace").rstrip("\n")

    async def param(self, spec: str, io: IO) -> str:
        if spec == "?":
            return str(self.status)
        if spec == "$":
            return "1"
        if spec == "#":
            return str(len(self.positional))
        if spec in ("@", "*"):
            return " ".join(self.positional)
        if spec == "0":
            return self.arg0
        if spec.isdigit():
            n = int(spec)
            return self.positional[n - 1] if n <= len(self.positional) else ""
        if spec in ("!", "-"):
            return ""
        if spec.startswith("#") and len(spec) > 1:
            return str(len(await self.param(spec[1:], io)))
        m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*|[0-9?#$])(:?)([-=+?])(.*)", spec, re.S)
        if not m:
            return self.vars.get(spec, "")
        name, colon, op, word = m.groups()
        value = await self.param(name, io) if not name.isidentifier() else self.vars.get(name)
        unset = value is None or (colon == ":" and value == "")
        if op == "+":
            return "" if unset else await self._expand_text(word, io)
        if not unset:
            return value or ""
        alt = await self._expand_text(word, io)
        if op == "=":
            self.set_var(name, alt)
        elif op == "?":
            self.err(io, f"{self.arg0}: {name}: {alt or 'parameter not set'}")
            raise _ShellError(2)
        return alt

    async def _expand_text(self, text: str, io: IO) -> str:
        return await self.string(Word(_dq_parts(text)), io)

    async def arith(self, expr: str, io: IO) -> int:
        """$((...)): busybox math.c on the expanded text; an error is ash's "sh: MESSAGE", status 2."""
        text = await self._expand_text(expr, io)
        try:
            return evaluate(text, self.vars.get, self.set_var, self.budget.tick)
        except ArithError as e:
            self.err(io, f"{self.arg0}: {e}")
            raise _ShellError(2) from None


def _exec_args_error(argv: list[str], environ: dict[str, str], limits: Limits) -> str | None:
    """execve()'s E2BIG: one string over MAX_ARG_STRLEN, or argv and environment over ARG_MAX."""
    strings = [*argv, *(f"{k}={v}" for k, v in environ.items())]
    if any(len(s.encode()) + 1 > limits.arg_bytes for s in strings):
        return messages.E2BIG
    if sum(len(s.encode()) + 1 for s in strings) > limits.args_bytes:
        return messages.E2BIG
    return None


async def run_tool(tool: Tool, inv: Invocation, as_builtin: bool = False) -> int:
    """Run one command to its exit status. Nothing it fails with is lost: running out of memory
    and write errors are busybox's messages, exit 1; a bug in the emulated tool is reported too."""
    try:
        code = await tool(inv)
        await inv.stdout.drain()
        await inv.stderr.drain()
        return code
    except OutOfMemory:
        _report(inv, messages.OUT_OF_MEMORY.format(applet=inv.name))
        return 1
    except WriteError as e:
        _report(inv, messages.WRITE_ERROR.format(applet=inv.name, err=e.strerror))
        return 1
    except Killed as k:
        if k.signo == SIGPIPE and not as_builtin:
            return k.status   # a child process killed by SIGPIPE: ash says nothing
        raise
    except (_Exit, _ShellError, _LoopControl, asyncio.CancelledError):
        raise
    except Exception as e:   # a bug in the emulation: say so instead of losing it
        log.exception("emulated %s failed", inv.name)
        _report(inv, f"{inv.name}: {type(e).__name__}: {e} (svclab internal error)")
        return 1


def _report(inv: Invocation, text: str) -> None:
    try:
        inv.errln(text)
    except (WriteError, OutOfMemory):
        pass

# --------------------------------------------------------------------------------- builtins

def _builtin_error(sh: Shell, io: IO, cmd: str, msg: str) -> None:
    """ash_vmsg() while a builtin runs: "sh: CMD: line N: MSG" (commandname set, -c not interactive);
    an interactive shell leaves the line number out."""
    where = "" if sh.interactive else "line 1: "
    sh.err(io, f"{sh.arg0}: {cmd}: {where}{msg}")


async def _exit(sh: Shell, argv: list[str], io: IO) -> int:
    if len(argv) > 1:
        if not re.fullmatch(r"-?\d+", argv[1]):
            _builtin_error(sh, io, "exit", f"Illegal number: {argv[1]}")
            raise _ShellError(2)
        raise _Exit(int(argv[1]) & 0xFF)
    raise _Exit(sh.status)


async def _export(sh: Shell, argv: list[str], io: IO) -> int:
    for a in argv[1:]:
        name, eq, value = a.partition("=")
        if eq:
            sh.set_var(name, value)
        sh.exported.add(name)
    if len(argv) == 1:
        await io.fds[1].write("".join(f"export {k}='{v}'\n" for k, v in sorted(sh.environ().items())).encode())
    return 0


async def _unset(sh: Shell, argv: list[str], io: IO) -> int:
    for name in argv[1:]:
        sh.unset_var(name)
        sh.exported.discard(name)
    return 0


async def _cd(sh: Shell, argv: list[str], io: IO) -> int:
    target = argv[1] if len(argv) > 1 else sh.vars.get("HOME", "/")
    path = sh.env.fs.norm(target, sh.cwd)
    if not sh.env.fs.isdir(path):
        err = "Not a directory" if sh.env.fs.exists(path) else "No such file or directory"
        _builtin_error(sh, io, "cd", f"can't cd to {target}: {err}")
        return 2
    sh.cwd = path
    sh.set_var("PWD", path)
    return 0


async def _pwd(sh: Shell, argv: list[str], io: IO) -> int:
    await io.fds[1].write((sh.cwd + "\n").encode())
    return 0


async def _colon(sh: Shell, argv: list[str], io: IO) -> int:
    return 0


async def _set(sh: Shell, argv: list[str], io: IO) -> int:
    for a in argv[1:]:
        if a.startswith(("-", "+")):
            on = a[0] == "-"
            if "e" in a:
                sh.errexit = on
            if "x" in a:
                sh.xtrace = on
        else:
            sh.positional = argv[argv.index(a):]
            break
    return 0


def _loop(kind: str) -> Callable[[Shell, list[str], IO], Awaitable[int]]:
    async def control(sh: Shell, argv: list[str], io: IO) -> int:
        levels = int(argv[1]) if len(argv) > 1 and argv[1].isdigit() else 1
        raise _LoopControl(kind, max(levels, 1))
    return control


BUILTINS: dict[str, Callable[[Shell, list[str], IO], Awaitable[int]]] = {
    "exit": _exit, "export": _export, "unset": _unset, "cd": _cd, "pwd": _pwd, ":": _colon, "set": _set,
    "break": _loop("break"), "continue": _loop("continue"),
}


async def _shell_marker(inv: Invocation) -> int:   # placeholder entry: sh is run by run_shell()
    return 0


# ------------------------------------------------------------------------------ entry points
def initial_environ(env: PodEnv) -> dict[str, str]:
    """The process environment of an exec: the pod's env plus what the runtime always sets."""
    out = {"PATH": DEFAULT_PATH, "HOSTNAME": env.hostname, "HOME": "/root"}
    out.update(env.env)
    return out


async def run_shell(argv: list[str], env: PodEnv, tools: Mapping[str, Tool], budget: Budget, stdin: Reader,
                    stdout: Writer, stderr: Writer, environ: dict[str, str] | None = None, cwd: str = "/") -> int:
    """ash's main: ``sh [-ex] -c SCRIPT [ARG0 [ARG...]]`` or ``sh [FILE [ARG...]]``; its exit status."""
    base_env = environ if environ is not None else initial_environ(env)
    sh = Shell(env, tools, budget, arg0=argv[0], vars=dict(base_env), exported=set(base_env), cwd=cwd)
    _ash_startup(sh, cwd)
    io = IO(stdin, {1: stdout, 2: stderr})
    args = argv[1:]
    script: str | None = None
    while args and args[0].startswith(("-", "+")) and len(args[0]) > 1:
        flag = args.pop(0)
        if flag == "--":
            break
        for c in flag[1:]:
            if c == "c":
                script = "" if script is None else script
            elif c == "e":
                sh.errexit = True
            elif c == "x":
                sh.xtrace = True
            elif c not in "islu":
                sh.err(io, f"{argv[0]}: -{c}: invalid option")
                return 2
    if script is not None:
        if not args:
            sh.err(io, f"{argv[0]}: -c requires an argument")
            return 2
        script = args.pop(0)
        if args:
            sh.arg0 = args.pop(0)
        sh.positional = args
        return await sh.run_script(script, io)
    if args:
        path = env.fs.norm(args[0], cwd)
        try:
            budget.check_size(env.fs.size(path))
            text = env.fs.read(path).decode("utf-8", "replace")
        except FSError as e:
            sh.err(io, f"{argv[0]}: can't open '{args[0]}': {e.strerror}")
            return 2
        sh.arg0, sh.positional = args[0], args[1:]
        return await sh.run_script(text, io)
    try:
        text = (await read_all(stdin, budget)).decode("utf-8", "replace")
    except OutOfMemory:
        sh.err(io, messages.OUT_OF_MEMORY.format(applet=sh.arg0))
        return 2
    return await sh.run_script(text, io)


def _ash_startup(sh: Shell, cwd: str) -> None:
    """ash's init(): SHLVL one more than the parent's, and PWD, both exported (``sh -c env`` shows
    them, a program exec'd directly does not)."""
    level = sh.vars.get("SHLVL", "")
    sh.set_var("SHLVL", str((int(level) if level.lstrip("-").isdigit() else 0) + 1))
    sh.set_var("PWD", cwd)
    sh.exported.update(("SHLVL", "PWD"))


def is_interactive_shell(argv: list[str]) -> bool:
    """``sh``/``ash`` (by name or from a bin directory) with no script: ash reads commands from stdin."""
    if not argv:
        return False
    located = "/" not in argv[0] or posixpath.dirname(posixpath.normpath(argv[0])) in BIN_DIRS
    if not located or posixpath.basename(argv[0]) not in SHELLS:
        return False
    for arg in argv[1:]:
        if arg == "--" or not arg.startswith(("-", "+")) or len(arg) == 1:
            return False
        if "c" in arg or any(c not in "iexslu" for c in arg[1:]):
            return False
    return True


class InteractiveShell:
    """One ash reading commands a line at a time (``sh`` on a terminal): variables, cwd and $? live
    on between lines; ``exit [N]`` ends it."""

    def __init__(self, argv: list[str], env: PodEnv, tools: Mapping[str, Tool], budget: Budget) -> None:
        base_env = initial_environ(env)
        self.shell = Shell(env, tools, budget, arg0=argv[0], vars=dict(base_env), exported=set(base_env),
                           interactive=True)
        _ash_startup(self.shell, "/")
        for arg in argv[1:]:
            self.shell.errexit = self.shell.errexit or (arg.startswith("-") and "e" in arg)
            self.shell.xtrace = self.shell.xtrace or (arg.startswith("-") and "x" in arg)
        self.exit_code: int | None = None

    @property
    def status(self) -> int:
        return self.shell.status

    def needs_more(self, src: str) -> bool:
        """Whether SRC stops in the middle of a construct (ash then prompts with PS2)."""
        try:
            parse(src, strict_heredoc=True)
        except HeredocUnterminated:
            return True
        except ShellSyntaxError as e:
            return "unexpected end of file" in str(e) or "unterminated quoted string" in str(e)
        return False

    async def run_line(self, src: str, io: IO) -> int | None:
        """Run one line (or a completed multi-line construct); the exit code once the shell exits."""
        try:
            tree = parse(src)
        except ShellSyntaxError as e:
            self.shell.err(io, f"{self.shell.arg0}: {e}")
            self.shell.status = 2
            return None
        try:
            await self.shell.run_seq(tree, io)
        except _Exit as e:
            self.shell.status = e.code
            self.exit_code = e.code
        except _ShellError as e:
            self.shell.status = e.status
        except _LoopControl:
            pass
        return self.exit_code

    def interrupted(self) -> None:
        """SIGINT reached the foreground command (or the line being typed): $? is 128+2."""
        self.shell.status = 130

    def prompt(self, name: str = "PS1") -> str:
        """PS1 (busybox's default for root: ``\\w # ``) or PS2 with its backslash escapes expanded."""
        default = "\\w # " if name == "PS1" else "> "
        text = self.shell.vars.get(name, default)
        home = self.shell.vars.get("HOME", "")
        cwd = self.shell.cwd
        shown = "~" + cwd[len(home):] if home and home != "/" and (cwd == home or cwd.startswith(home + "/")) else cwd
        escapes = {"w": shown, "W": posixpath.basename(cwd) or "/", "h": self.shell.env.hostname.split(".")[0],
                   "H": self.shell.env.hostname, "u": "root", "$": "#", "\\": "\\", "n": "\n"}
        return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), text)


# --------------------------------------------------------------------------- starting a process
@dataclass(frozen=True)
class Program:
    """What the container runtime found for an exec'd argv: a tool, or the shell (tool None)."""

    argv: list[str]
    tool: Tool | None


def locate(argv: list[str], env: PodEnv, tools: Mapping[str, Tool]) -> Program | str:
    """Find the binary as runc would (PATH, or an absolute path in a bin directory); the Status
    message of the runtime error when the image has no such binary."""
    if not argv:
        return messages.runtime_not_found("", env.namespace, env.name, argv)
    cmd = argv[0]
    base = posixpath.basename(cmd)
    located = "/" not in cmd or posixpath.dirname(posixpath.normpath(cmd)) in BIN_DIRS
    if located and base in SHELLS:
        return Program(list(argv), None)
    tool = tools.get(base) if located else None
    if tool is None:
        return messages.runtime_not_found(cmd, env.namespace, env.name, argv)
    return Program(list(argv), tool)


async def start_program(program: Program, env: PodEnv, tools: Mapping[str, Tool], budget: Budget,
                        stdin: Reader, stdout: Writer, stderr: Writer) -> int:
    """Run the exec'd process to its exit status. A process killed by a signal ends with 128+N and
    the signal's description on stderr (ash's words for SIGXCPU, SIGXFSZ, SIGSEGV, SIGKILL; a real
    kernel prints nothing when no shell is waiting for it: the embedded runtime says why)."""
    try:
        if program.tool is None:
            return await run_shell(program.argv, env, tools, budget, stdin, stdout, stderr)
        inv = Invocation(argv=program.argv, env=env, environ=initial_environ(env), budget=budget,
                         stdin=stdin, stdout=stdout, stderr=stderr)
        return await run_tool(program.tool, inv)
    except Killed as k:
        if k.message:
            stderr.notice((k.message + "\n").encode())
        return k.status
    except RecursionError:   # the emulated stack overflowed (nesting too deep): what ash would die of
        killed = Killed(SIGSEGV)
        stderr.notice((killed.message + "\n").encode())
        return killed.status


class OutputCollector(Collector):
    """A stream of a finished command kept whole (``run``): counts against the output budget."""

    def __init__(self, budget: Budget, fd: int) -> None:
        super().__init__(budget)
        self.fd = fd

    def write_nowait(self, data: bytes) -> None:
        allowed = self.budget.output_allowed(self.fd, len(data))
        self.data += data[:allowed]
        if allowed < len(data):
            assert self.budget.killed is not None
            raise self.budget.killed

    def notice(self, data: bytes) -> None:
        self.data += data


async def run(argv: list[str], env: PodEnv, tools: Mapping[str, Tool] | None = None,
              stdin: bytes = b"", limits: Limits | None = None, budget: Budget | None = None) -> ExecResult:
    """Run an exec'd command in the pod on the current loop, as the container runtime would start
    it, and keep its output whole (tests; the cluster runs commands in sessions)."""
    table = ALL if tools is None else tools
    program = locate(argv, env, table)
    if isinstance(program, str):
        return ExecResult(b"", b"", RUNTIME_EXIT_CODE, runtime_error=program)
    budget = budget or Budget(limits or DEFAULT_LIMITS)
    budget.restart_clock()
    out, err = OutputCollector(budget, 1), OutputCollector(budget, 2)
    code = await start_program(program, env, table, budget, BytesReader(stdin), out, err)
    return ExecResult(bytes(out.data), bytes(err.data), code)
