"""`kubectl exec POD -- ...` on an emulated pod: direct exec of a binary, or busybox ash's ``sh -c``.

Error texts follow busybox shell/ash.c (ash_vmsg: "sh: NAME: not found", status 127; syntax
errors status 2) and, for a binary the image lacks, containerd/runc (see messages.py).
"""

from __future__ import annotations

import ast
import asyncio
import math
import operator
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from svclab.network import messages
from svclab.network.podenv import ExecResult, FSError, PodEnv
from svclab.network.tools import ALL
from svclab.network.tools.base import Invocation, Tool
from svclab.network.tools.shsyntax import (AndOr, For, If, Node, Part, Pipeline, Redir, Seq, ShellSyntaxError,
                                           Simple, While, Word, _dq_parts, parse)

SHELLS = {"sh", "ash"}
BIN_DIRS = {"/bin", "/usr/bin", "/sbin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"}
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SPECIAL_DEVICES = {"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/zero"}
RUNTIME_EXIT_CODE = 126   # what runc reports; kubectl itself prints the Status and exits 1


class _Exit(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class _LoopControl(Exception):
    def __init__(self, kind: str, levels: int) -> None:
        super().__init__(kind)
        self.kind = kind
        self.levels = levels


@dataclass
class IO:
    """File descriptors of a running command: stdin data and output sinks by fd."""

    stdin: bytes
    fds: dict[int, bytearray]
    files: list[tuple[str, bytearray]] = field(default_factory=list)

    def derive(self) -> IO:
        """A copy whose fd table and redirected files can change independently."""
        return IO(self.stdin, dict(self.fds))


@dataclass
class Shell:
    """One ash process: variables, exported names, $?, cwd and the commands it can find."""

    env: PodEnv
    tools: Mapping[str, Tool]
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

    def subshell(self) -> Shell:
        return Shell(self.env, self.tools, self.arg0, list(self.positional), dict(self.vars), set(self.exported),
                     self.status, self.cwd, self.errexit, self.xtrace)

    def err(self, io: IO, text: str) -> None:
        io.fds[2] += (text + "\n").encode()

    # ----------------------------------------------------------------------------- running
    async def run_script(self, src: str, io: IO) -> int:
        try:
            tree = parse(src)
        except ShellSyntaxError as e:
            self.err(io, f"{self.arg0}: {e}")
            self.status = 2
            return 2
        try:
            return await self.run_seq(tree, io)
        except _Exit as e:
            self.status = e.code
            return e.code
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
            data = io.stdin
            status = 0
            for i, cmd in enumerate(pipe.cmds):
                last = i == len(pipe.cmds) - 1
                out = io.fds[1] if last else bytearray()
                sub = self.subshell()
                try:
                    status = await sub.run_node(cmd, IO(data, {**io.fds, 1: out}))
                except _Exit as e:
                    status = e.code
                data = bytes(out)
        if pipe.negate:
            status = 0 if status else 1
        self.status = status
        return status

    async def run_node(self, node: Node, io: IO) -> int:
        await asyncio.sleep(0)   # never starve the event loop, even in `while true; do :; done`
        if isinstance(node, Simple):
            return await self.run_simple(node, io)
        cio = await self.redirect(node.redirs, io)
        if cio is None:
            self.status = 2
            return 2
        try:
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
                self.status = status
                return status
            return await self.run_seq(node.body, cio)
        finally:
            self.flush(cio)

    async def run_for(self, node: For, io: IO) -> int:
        items = self.positional if node.words is None else [f for w in node.words for f in await self.fields(w, io)]
        self.status = 0
        for item in items:
            self.vars[node.var] = item
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
        try:
            if not argv:
                for name, value in assigns:
                    self.vars[name] = value
                self.status = self.status_from_subst or 0
                return self.status
            status = await self.execute(argv, dict(assigns), cio)
            self.status = status
            return status
        finally:
            self.flush(cio)

    async def execute(self, argv: list[str], prefix: dict[str, str], io: IO) -> int:
        name = argv[0]
        builtin = BUILTINS.get(name)
        if builtin is not None:
            return await builtin(self, argv, io)
        tool = self.find(name)
        if tool is None:
            self.err(io, messages.ASH_NOT_FOUND.format(arg0=self.arg0, cmd=name))
            return messages.EXIT_NOT_FOUND
        if posixpath.basename(name) in SHELLS:
            result = await run_shell(argv, self.env, self.tools, io.stdin, self.environ(prefix), self.cwd)
            io.fds[1] += result.stdout
            io.fds[2] += result.stderr
            return result.exit_code
        inv = Invocation(argv=argv, env=self.env, stdin=io.stdin, environ=self.environ(prefix), cwd=self.cwd,
                         stdout=io.fds[1], stderr=io.fds[2])
        return await tool(inv)

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
        """Apply redirections in order; files are truncated now and written when the command ends."""
        if not redirs:
            return io
        new = io.derive()
        for r in redirs:
            target = await self.string(r.target, io)
            if r.op in (">&", "<&"):
                if target == "-":
                    new.fds[r.fd] = bytearray()
                elif target.isdigit() and int(target) in new.fds:
                    new.fds[r.fd] = new.fds[int(target)]
                elif target.isdigit():
                    self.err(io, f"{self.arg0}: {target}: bad file descriptor")
                    return None
                else:
                    sink = self.open_out(target, False, io)
                    if sink is None:
                        return None
                    new.fds[r.fd] = new.fds[2] = sink
                continue
            path = self.env.fs.norm(target, self.cwd)
            if r.op == "<":
                if path == "/dev/null":
                    new.stdin = b""
                    continue
                try:
                    new.stdin = self.env.fs.read(path)
                except FSError as e:
                    err = "no such file" if e.strerror in ("No such file or directory", "Not a directory") else e.strerror
                    self.err(io, messages.ASH_CANT_OPEN.format(arg0=self.arg0, path=target, err=err))
                    return None
                continue
            sink = self.open_out(target, r.op == ">>", io)
            if sink is None:
                return None
            new.fds[r.fd] = sink
            if path not in SPECIAL_DEVICES:
                new.files.append((path, sink))
            elif path == "/dev/stdout":
                new.fds[r.fd] = io.fds[1]
            elif path == "/dev/stderr":
                new.fds[r.fd] = io.fds[2]
        return new

    def open_out(self, target: str, append: bool, io: IO) -> bytearray | None:
        path = self.env.fs.norm(target, self.cwd)
        if path in SPECIAL_DEVICES:
            return bytearray()
        try:
            self.env.fs.write(path, b"", append=True) if append else self.env.fs.write(path, b"")
        except FSError as e:
            err = "nonexistent directory" if e.strerror in ("No such file or directory", "Not a directory") else e.strerror
            self.err(io, messages.ASH_CANT_CREATE.format(arg0=self.arg0, path=target, err=err))
            return None
        return bytearray()

    def flush(self, io: IO) -> None:
        for path, sink in io.files:
            try:
                self.env.fs.write(path, bytes(sink), append=True)
            except FSError:
                pass
            sink.clear()

    # ----------------------------------------------------------------------------- expansion
    async def fields(self, word: Word, io: IO) -> list[str]:
        """Expand a word into fields: unquoted expansions split on blanks, quotes keep empties."""
        out: list[str] = []
        cur: list[str] = []
        have = False
        for part in word.parts:
            value = await self.part_value(part, io)
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
        """Expand without field splitting (assignments, redirection targets)."""
        return "".join([await self.part_value(p, io) for p in word.parts])

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
        out = bytearray()
        status = await sub.run_script(src, IO(b"", {0: bytearray(), 1: out, 2: io.fds[2]}))
        self.status_from_subst = status
        self.status = status
        return out.decode("utf-8", "replace").rstrip("\n")

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
            self.vars[name] = alt
        elif op == "?":
            self.err(io, f"{self.arg0}: {name}: {alt or 'parameter not set'}")
            raise _Exit(2)
        return alt

    async def _expand_text(self, text: str, io: IO) -> str:
        return "".join([await self.part_value(p, io) for p in _dq_parts(text)])

    async def arith(self, expr: str, io: IO) -> int:
        text = await self._expand_text(expr, io)
        text = re.sub(r"[A-Za-z_][A-Za-z0-9_]*", lambda m: str(_to_int(self.vars.get(m.group(0), "0"))), text)
        text = text.replace("&&", " and ").replace("||", " or ")
        text = re.sub(r"!(?!=)", " not ", text)
        try:
            return _eval_int(ast.parse(text.strip() or "0", mode="eval").body)
        except (SyntaxError, ValueError, ZeroDivisionError):
            self.err(io, f"{self.arg0}: arithmetic syntax error")
            raise _Exit(2) from None


def _to_int(text: str) -> int:
    try:
        return int(text.strip() or "0", 0)
    except ValueError:
        return 0


_BINOPS: dict[type, Callable[[int, int], int]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Mod: lambda a, b: int(math.fmod(a, b)), ast.Div: lambda a, b: int(a / b), ast.FloorDiv: lambda a, b: int(a / b),
    ast.LShift: operator.lshift, ast.RShift: operator.rshift, ast.BitAnd: operator.and_, ast.BitOr: operator.or_,
    ast.BitXor: operator.xor}
_CMPOPS: dict[type, Callable[[int, int], bool]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt,
    ast.GtE: operator.ge}


def _eval_int(node: ast.expr) -> int:
    """Integer arithmetic as in $((...)): C operators, truncating division, 0/1 truth values."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return int(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return _BINOPS[type(node.op)](_eval_int(node.left), _eval_int(node.right))
    if isinstance(node, ast.UnaryOp):
        v = _eval_int(node.operand)
        if isinstance(node.op, ast.USub):
            return -v
        if isinstance(node.op, ast.UAdd):
            return v
        if isinstance(node.op, ast.Not):
            return int(not v)
        if isinstance(node.op, ast.Invert):
            return ~v
    if isinstance(node, ast.Compare):
        left = _eval_int(node.left)
        for op, comp in zip(node.ops, node.comparators):
            right = _eval_int(comp)
            if type(op) not in _CMPOPS or not _CMPOPS[type(op)](left, right):
                return 0
            left = right
        return 1
    if isinstance(node, ast.BoolOp):
        values = [_eval_int(v) for v in node.values]
        return int(all(values)) if isinstance(node.op, ast.And) else int(any(values))
    if isinstance(node, ast.IfExp):
        return _eval_int(node.body) if _eval_int(node.test) else _eval_int(node.orelse)
    raise ValueError("unsupported arithmetic")


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
            raise _Exit(2)
        raise _Exit(int(argv[1]) & 0xFF)
    raise _Exit(sh.status)


async def _export(sh: Shell, argv: list[str], io: IO) -> int:
    for a in argv[1:]:
        name, eq, value = a.partition("=")
        if eq:
            sh.vars[name] = value
        sh.exported.add(name)
    if len(argv) == 1:
        io.fds[1] += "".join(f"export {k}='{v}'\n" for k, v in sorted(sh.environ().items())).encode()
    return 0


async def _unset(sh: Shell, argv: list[str], io: IO) -> int:
    for name in argv[1:]:
        sh.vars.pop(name, None)
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
    sh.vars["PWD"] = path
    return 0


async def _pwd(sh: Shell, argv: list[str], io: IO) -> int:
    io.fds[1] += (sh.cwd + "\n").encode()
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


def _loop(kind: str) -> Callable[[Shell, list[str], IO], object]:
    async def control(sh: Shell, argv: list[str], io: IO) -> int:
        levels = int(argv[1]) if len(argv) > 1 and argv[1].isdigit() else 1
        raise _LoopControl(kind, max(levels, 1))
    return control


BUILTINS: dict[str, Callable[[Shell, list[str], IO], object]] = {
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


async def run_shell(argv: list[str], env: PodEnv, tools: Mapping[str, Tool], stdin: bytes = b"",
                    environ: dict[str, str] | None = None, cwd: str = "/") -> ExecResult:
    """ash's main: ``sh [-ex] -c SCRIPT [ARG0 [ARG...]]`` or ``sh [FILE [ARG...]]``."""
    base_env = environ if environ is not None else initial_environ(env)
    sh = Shell(env, tools, arg0=argv[0], vars=dict(base_env), exported=set(base_env), cwd=cwd)
    sh.vars.setdefault("PWD", cwd)
    out, err = bytearray(), bytearray()
    io = IO(stdin, {0: bytearray(), 1: out, 2: err})
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
                err += f"{argv[0]}: -{c}: invalid option\n".encode()
                return ExecResult(bytes(out), bytes(err), 2)
    if script is not None:
        if not args:
            err += f"{argv[0]}: -c requires an argument\n".encode()
            return ExecResult(b"", bytes(err), 2)
        script = args.pop(0)
        if args:
            sh.arg0 = args.pop(0)
        sh.positional = args
        code = await sh.run_script(script, io)
    elif args:
        path = env.fs.norm(args[0], cwd)
        try:
            text = env.fs.read(path).decode("utf-8", "replace")
        except FSError as e:
            err += f"{argv[0]}: can't open '{args[0]}': {e.strerror}\n".encode()
            return ExecResult(b"", bytes(err), 2)
        sh.arg0, sh.positional = args[0], args[1:]
        code = await sh.run_script(text, io)
    else:
        code = await sh.run_script(stdin.decode("utf-8", "replace"), io)
    return ExecResult(bytes(out), bytes(err), code)


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

    def __init__(self, argv: list[str], env: PodEnv, tools: Mapping[str, Tool]) -> None:
        base_env = initial_environ(env)
        self.shell = Shell(env, tools, arg0=argv[0], vars=dict(base_env), exported=set(base_env), interactive=True)
        self.shell.vars.setdefault("PWD", "/")
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
            parse(src)
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


async def run(argv: list[str], env: PodEnv, tools: Mapping[str, Tool] | None = None,
              stdin: bytes = b"") -> ExecResult:
    """Run an exec'd command in the pod, as the container runtime would start it."""
    table = ALL if tools is None else tools
    if not argv:
        return ExecResult(b"", b"", RUNTIME_EXIT_CODE,
                          runtime_error=messages.runtime_not_found("", env.namespace, env.name, argv))
    cmd = argv[0]
    base = posixpath.basename(cmd)
    located = "/" not in cmd or posixpath.dirname(posixpath.normpath(cmd)) in BIN_DIRS
    if located and base in SHELLS:
        return await run_shell(argv, env, table, stdin)
    tool = table.get(base) if located else None
    if tool is None:
        return ExecResult(b"", b"", RUNTIME_EXIT_CODE,
                          runtime_error=messages.runtime_not_found(cmd, env.namespace, env.name, argv))
    inv = Invocation(argv=list(argv), env=env, stdin=stdin, environ=initial_environ(env))
    code = await tool(inv)
    return ExecResult(bytes(inv.stdout), bytes(inv.stderr), code)
