"""Running an awk program (svclab.network.tools.awkparse) as busybox 1.36.1's awk does.

Records stream in one at a time (RS: one character, ``""`` for paragraphs, or a regex), fields
split lazily by FS as awk_split() does, output is buffered and handed on in chunks (so ``yes | awk
'{print $1}' | head`` ends with SIGPIPE, and memory stays flat). What the program keeps (variables,
arrays, strings) is bounded by the memory budget, loops check the CPU budget.

Files: ``print > "f"``/``>> "f"``, ``getline < "f"`` and ``close()`` use the pod's filesystem;
``"/dev/stdout"``, ``"/dev/stderr"`` and ``"-"`` are the streams. Commands (``print | "cmd"``,
``"cmd" | getline``, ``system()``) run in the pod's shell: a pipe's input is handed to its command
when it is closed, and a command's output is read whole before getline sees it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from svclab.network.podenv import FSError
from svclab.network.streams import CHUNK, BytesReader, Collector, FileWriter, Reader, Writer
from svclab.network.tools.awkbuiltins import Builtins, GlibcRandom
from svclab.network.tools.awklex import unescape
from svclab.network.tools.awkparse import AwkError, Function, Node, Program
from svclab.network.tools.awkstreams import Output, Records, latin1, to_bytes
from svclab.network.tools.awkvalues import UNINIT, StrNum, Value, compare, to_number, to_text, truthy
from svclab.network.tools.base import Invocation
from svclab.network.tools.posixre import RegexError, compile_posix

SPACES = re.compile(r"[^ \t\n\v\f\r]+")
ELEMENT_COST = 64   # bytes an array element costs beyond its key and value


class _Next(Exception):
    pass


class _NextFile(Exception):
    pass


class _Exit(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class _Return(Exception):
    def __init__(self, value: Value) -> None:
        super().__init__()
        self.value = value


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


@dataclass
class _LazyArray:
    """An uninitialized variable passed to a function: it becomes an array of the caller's scope
    if the function uses it as one."""

    scope: dict[str, Any]
    name: str


class Interpreter(Builtins):
    def __init__(self, inv: Invocation, program: Program, operands: list[str], assigns: list[str],
                 progname: str) -> None:
        self.inv = inv
        self.program = program
        self.progname = progname
        self.globals: dict[str, Any] = {
            "FS": " ", "OFS": " ", "ORS": "\n", "RS": "\n", "NR": 0.0, "FNR": 0.0, "SUBSEP": "\x1c",
            "CONVFMT": "%.6g", "OFMT": "%.6g", "RSTART": 0.0, "RLENGTH": -1.0, "FILENAME": UNINIT,
            "ENVIRON": {k: StrNum(latin1(v.encode())) for k, v in inv.environ.items()},
            "ARGV": {"0": "awk", **{str(i + 1): StrNum(a) for i, a in enumerate(operands)}},
            "ARGC": float(len(operands) + 1),
        }
        self.frames: list[dict[str, Any]] = []
        self.record = ""
        self.fields: list[str] | None = None   # $1.. once split
        self.nf = 0
        self.output: list[bytes] = []
        self.output_size = 0
        self.outputs: dict[str, Output] = {}
        self.inputs: dict[str, Records] = {}
        self.main: Records | None = None
        self.next_operand = 1
        self.regexes: dict[tuple[str, bool], re.Pattern[str]] = {}
        self.held = 0
        self.rng = GlibcRandom(1)
        self.seed = 1.0   # busybox starts with srand(1): rand() repeats from run to run
        self.status = 0
        self.line = 1
        self.opened_any = False
        for assign in assigns:
            self.assign_operand(assign)

    # ---- errors, memory ---------------------------------------------------------------------------
    def fail(self, message: str) -> AwkError:
        return AwkError(message, self.line)

    def keep(self, text: str) -> str:
        self.inv.budget.check_size(len(text))
        return text

    # ---- variables -------------------------------------------------------------------------------
    def scope_of(self, name: str) -> dict[str, Any]:
        if self.frames and name in self.frames[-1]:
            return self.frames[-1]
        return self.globals

    def get(self, name: str) -> Value:
        if name == "NF":
            self.split()
            return float(self.nf)
        value = self.scope_of(name).get(name, UNINIT)
        if isinstance(value, (dict, _LazyArray)):
            return UNINIT   # an array used as a scalar: its (empty) string
        return value

    def set(self, name: str, value: Value) -> Value:
        if name == "NF":
            self.set_nf(int(to_number(value)))
            return value
        if name == "FS":
            self.split()   # the current record keeps the FS it was read with
        scope = self.scope_of(name)
        old = scope.get(name)
        if isinstance(old, str):
            self.held -= len(old)
        if isinstance(value, str):
            self.held += len(value)
            self.inv.budget.check_size(self.held)
        scope[name] = value
        return value

    def array(self, name: str) -> dict[str, Value]:
        scope = self.scope_of(name)
        value = scope.get(name)
        if isinstance(value, _LazyArray):
            target = value.scope.get(value.name)
            if not isinstance(target, dict):
                target = value.scope[value.name] = {}
            scope[name] = target
            return target
        if not isinstance(value, dict):
            value = scope[name] = {}
        return value

    def subscript(self, keys: list[Value]) -> str:
        subsep = self.text(self.get("SUBSEP"))
        return subsep.join(self.text(k) for k in keys)

    def store(self, array: dict[str, Value], key: str, value: Value) -> Value:
        """An element counts its key and value plus ELEMENT_COST, about what it costs in memory."""
        old = array.get(key)
        self.held += len(key) + (len(value) if isinstance(value, str) else 8) + ELEMENT_COST
        if old is not None:
            self.held -= len(key) + (len(old) if isinstance(old, str) else 8) + ELEMENT_COST
        self.inv.budget.check_size(self.held)
        array[key] = value
        return value

    def text(self, value: Value) -> str:
        convfmt = self.globals["CONVFMT"]
        return to_text(value, convfmt if isinstance(convfmt, str) else "%.6g", self.line)

    def regex(self, pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
        key = (pattern, ignore_case)
        compiled = self.regexes.get(key)
        if compiled is None:
            try:
                compiled = compile_posix(pattern, extended=True, ignore_case=ignore_case)
            except RegexError as e:
                raise self.fail(f"bad regex '{pattern}': {e}") from None
            if len(self.regexes) > 256:
                self.regexes.clear()
            self.regexes[key] = compiled
        return compiled

    def assign_operand(self, text: str) -> bool:
        """``name=value`` (an operand, or -v): escapes processed, the value a strnum."""
        m = re.match(r"([A-Za-z_][A-Za-z_0-9]*)=(.*)\Z", text, re.S)
        if not m:
            return False
        self.set(m.group(1), StrNum(unescape(m.group(2))))
        return True

    # ---- fields ----------------------------------------------------------------------------------
    def set_record(self, text: str) -> None:
        self.keep(text)
        self.record = text
        self.fields = None

    def split_text(self, text: str, fs: str) -> list[str]:
        """awk_split()."""
        paragraph = self.text(self.get("RS")) == ""
        if fs == " ":
            return SPACES.findall(text)
        if fs == "":
            return list(text)
        if len(fs) == 1:
            if not text:
                return []
            if paragraph:
                return re.split("[" + re.escape(fs) + "\n]", text)
            return text.split(fs)
        if not text:
            return []
        regex = self.regex(fs)
        out: list[str] = []
        pos = 0
        while True:
            newline = text.find("\n", pos) if paragraph else -1
            limit = newline if newline >= 0 else len(text)
            found = next((m for m in regex.finditer(text, pos) if m.end() > m.start()), None)
            if found is not None and found.start() <= limit:
                out.append(text[pos:found.start()])
                pos = found.end()
                if pos >= len(text):
                    out.append("")   # "a--" split by "--": two fields, the second empty
                    break
            else:
                out.append(text[pos:limit])
                pos = limit + 1
                if pos >= len(text):
                    break
        return out

    def split(self) -> None:
        if self.fields is None:
            self.fields = self.split_text(self.record, self.text(self.get_global("FS")))
            self.nf = len(self.fields)

    def get_global(self, name: str) -> Value:
        return self.globals.get(name, UNINIT)

    def field(self, index: int) -> Value:
        if index < 0:
            raise self.fail("Access to negative field")
        if index == 0:
            return StrNum(self.record)
        self.split()
        assert self.fields is not None
        return StrNum(self.fields[index - 1]) if index <= self.nf else UNINIT

    def set_field(self, index: int, value: Value) -> None:
        if index < 0:
            raise self.fail("Access to negative field")
        text = self.keep(self.text(value))
        if index == 0:
            self.set_record(text)
            return
        self.split()
        assert self.fields is not None
        if index > self.nf:
            self.fields.extend([""] * (index - self.nf))
            self.nf = index
        self.fields[index - 1] = text
        self.rebuild()

    def set_nf(self, count: int) -> None:
        if count < 0:
            raise self.fail("NF set to negative value")
        self.split()
        assert self.fields is not None
        self.fields = (self.fields + [""] * count)[:count]
        self.nf = count
        self.rebuild()

    def rebuild(self) -> None:
        assert self.fields is not None
        self.record = self.keep(self.text(self.get_global("OFS")).join(self.fields[:self.nf]))

    # ---- output ----------------------------------------------------------------------------------
    def emit(self, data: bytes) -> None:
        self.output.append(data)
        self.output_size += len(data)

    async def flush(self) -> None:
        if self.output:
            data = b"".join(self.output)
            self.output, self.output_size = [], 0
            await self.inv.write(data)

    async def write_to(self, redirect: tuple[str, Node] | None, data: bytes) -> None:
        if redirect is None:
            self.emit(data)
            if self.output_size >= CHUNK:
                await self.flush()
            return
        mode, target_node = redirect
        target = self.text(await self.eval(target_node))
        out = self.outputs.get(target)
        if out is None:
            out = self.outputs[target] = self.open_output(target, mode)
        if out.kind == "stdout":
            self.emit(data)
            if self.output_size >= CHUNK:
                await self.flush()
        elif out.kind == "stderr":
            await self.flush()
            self.inv.err(data)
        elif out.kind == "pipe":
            out.data += data
            self.inv.budget.check_size(len(out.data))
        else:
            assert out.writer is not None
            await out.writer.write(data)

    def open_output(self, target: str, mode: str) -> Output:
        if mode == "|":
            return Output("pipe")
        if target in ("/dev/stdout", "-"):
            return Output("stdout")
        if target == "/dev/stderr":
            return Output("stderr")
        fs = self.inv.env.fs
        path = fs.norm(target, self.inv.cwd)
        try:
            if mode == ">>":
                fs.write(path, b"", append=True)
            else:
                fs.write(path, b"")
        except FSError as e:
            raise AwkError(f"can't open '{target}': {e.strerror}", 0) from None
        return Output("file", FileWriter(fs, path, self.inv.budget))

    async def close(self, name: str) -> float:
        out = self.outputs.pop(name, None)
        if out is not None:
            if out.kind == "pipe":
                return float(await self.run_command(name, bytes(out.data), None))
            return 0.0
        if self.inputs.pop(name, None) is not None:
            return 0.0
        return -1.0

    async def run_command(self, command: str, stdin: bytes, collect: Collector | None) -> int:
        """sh -c COMMAND in the pod: its output goes to awk's (or is collected)."""
        from svclab.network.shell import run_shell   # the shell imports the tools
        from svclab.network.tools import ALL

        await self.flush()
        stdout: Writer = collect if collect is not None else self.inv.stdout
        environ = dict(self.inv.environ)
        return await run_shell(["sh", "-c", command], self.inv.env, ALL, self.inv.budget, BytesReader(stdin), stdout,
                               self.inv.stderr, environ, self.inv.cwd)

    # ---- input -----------------------------------------------------------------------------------
    async def next_main_record(self) -> str | None:
        """The next record of the main input, moving through ARGV's files (nextfile())."""
        while True:
            if self.main is None:
                reader = self.open_next_operand()
                if reader is None:
                    return None
                self.main = Records(self, reader)
                self.globals["FNR"] = 0.0
            record = await self.main.next()
            if record is not None:
                return record
            self.main = None

    def open_next_operand(self) -> Reader | None:
        from svclab.network.tools.getopt import open_or_warn
        argv = self.array("ARGV")
        while self.next_operand < int(to_number(self.get_global("ARGC"))):
            arg = self.text(argv.get(str(self.next_operand), UNINIT))
            self.next_operand += 1
            if not arg or self.assign_operand(arg):
                continue
            self.globals["FILENAME"] = arg
            reader = open_or_warn(self.inv, arg) if arg != "-" else self.inv.stdin
            if reader is None:
                self.status = 1
                continue
            self.opened_any = True
            return reader
        if not self.opened_any:
            self.opened_any = True
            return self.inv.stdin
        return None

    async def getline(self, node: Node) -> Value:
        source, operand, target = node.args
        if source == "main":
            record = await self.next_main_record()
            if record is None:
                return 0.0
            self.globals["NR"] = to_number(self.get_global("NR")) + 1
            self.globals["FNR"] = to_number(self.get_global("FNR")) + 1
        else:
            name = self.text(await self.eval(operand))
            records = self.inputs.get(name)
            if records is None:
                reader = await self.open_input_source(source, name)
                if reader is None:
                    return -1.0
                records = self.inputs[name] = Records(self, reader)
            record = await records.next()
            if record is None:
                return 0.0
        if target is None:
            self.set_record(record)
        else:
            await self.assign_to(target, StrNum(record))
        return 1.0

    async def open_input_source(self, source: str, name: str) -> Reader | None:
        if source == "cmd":
            out = Collector(self.inv.budget)
            await self.run_command(name, b"", out)
            return BytesReader(bytes(out.data))
        if name in ("-", "/dev/stdin"):
            return self.inv.stdin
        fs = self.inv.env.fs
        path = fs.norm(name, self.inv.cwd)
        if not fs.isfile(path):
            return None
        from svclab.network.streams import FileReader
        return FileReader(fs, path, self.inv.budget)

    # ---- running ---------------------------------------------------------------------------------
    async def run(self) -> int:
        prog = self.program
        try:
            try:
                for block in prog.begin:
                    await self.execute(block)
                if prog.rules or prog.end:
                    await self.main_loop()
            except _Exit as e:
                self.status = e.code
            try:
                for block in prog.end:
                    await self.execute(block)
            except _Exit as e:
                self.status = e.code
            except _Next:
                pass
        finally:
            await self.flush()
        for name in list(self.outputs):
            await self.close(name)
        return self.status

    async def main_loop(self) -> None:
        rules = self.program.rules
        while True:
            record = await self.next_main_record()
            if record is None:
                return
            self.inv.budget.tick()
            self.globals["NR"] = to_number(self.get_global("NR")) + 1
            self.globals["FNR"] = to_number(self.get_global("FNR")) + 1
            self.set_record(record)
            try:
                for rule in rules:
                    if rule.pattern is None:
                        selected = True
                    elif rule.end_pattern is None:
                        selected = truthy(await self.eval(rule.pattern))
                    elif rule.in_range:
                        selected = True
                        if truthy(await self.eval(rule.end_pattern)):
                            rule.in_range = False
                    else:
                        selected = truthy(await self.eval(rule.pattern))
                        if selected and not truthy(await self.eval(rule.end_pattern)):
                            rule.in_range = True
                    if not selected:
                        continue
                    if rule.action is None:
                        await self.write_to(None, to_bytes(self.record + self.text(self.get_global("ORS"))))
                    else:
                        await self.execute(rule.action)
            except _Next:
                continue
            except _NextFile:
                self.main = None

    async def execute(self, node: Node) -> None:
        self.line = node.line
        kind = node.kind
        if kind == "block":
            for statement in node.args:
                await self.execute(statement)
        elif kind == "expr":
            await self.eval(node.args[0])
        elif kind in ("print", "printf"):
            await self.print_statement(node)
        elif kind == "if":
            cond, then, otherwise = node.args
            if truthy(await self.eval(cond)):
                await self.execute(then)
            elif otherwise is not None:
                await self.execute(otherwise)
        elif kind == "while":
            cond, body = node.args
            while truthy(await self.eval(cond)):
                self.inv.budget.tick()
                try:
                    await self.execute(body)
                except _Break:
                    break
                except _Continue:
                    continue
        elif kind == "do":
            body, cond = node.args
            while True:
                self.inv.budget.tick()
                try:
                    await self.execute(body)
                except _Break:
                    break
                except _Continue:
                    pass
                if not truthy(await self.eval(cond)):
                    break
        elif kind == "for":
            init, cond, step, body = node.args
            if init is not None:
                await self.eval(init)
            while cond is None or truthy(await self.eval(cond)):
                self.inv.budget.tick()
                try:
                    await self.execute(body)
                except _Break:
                    break
                except _Continue:
                    pass
                if step is not None:
                    await self.eval(step)
        elif kind == "forin":
            var, array_name, body = node.args
            for key in list(self.array(array_name)):
                self.inv.budget.tick()
                self.set(var, StrNum(key))
                try:
                    await self.execute(body)
                except _Break:
                    break
                except _Continue:
                    continue
        elif kind == "break":
            raise _Break()
        elif kind == "continue":
            raise _Continue()
        elif kind == "next":
            raise _Next()
        elif kind == "nextfile":
            raise _NextFile()
        elif kind == "exit":
            value = node.args[0]
            raise _Exit(int(to_number(await self.eval(value))) & 0xFF if value is not None else self.status)
        elif kind == "return":
            value = node.args[0]
            raise _Return(await self.eval(value) if value is not None else UNINIT)
        elif kind == "delete":
            name, keys = node.args
            array = self.array(name)
            if keys is None:
                array.clear()
            else:
                array.pop(self.subscript([await self.eval(k) for k in keys]), None)
        else:
            raise self.fail("Unexpected token")

    async def print_statement(self, node: Node) -> None:
        args, redirect = node.args
        values = [await self.eval(a) for a in args]
        if node.kind == "print":
            ofmt = self.text(self.get_global("OFMT"))
            pieces = [to_text(v, ofmt, self.line) if isinstance(v, float) else v for v in values] if values \
                else [self.record]
            text = self.text(self.get_global("OFS")).join(pieces) + self.text(self.get_global("ORS"))
        else:
            text = self.sprintf(self.text(values[0]), values[1:])
        await self.write_to(redirect, to_bytes(self.keep(text)))

    # ---- expressions -----------------------------------------------------------------------------
    async def eval(self, node: Node) -> Value:
        kind = node.kind
        if kind == "num":
            return node.args[0]
        if kind == "str":
            return node.args[0]
        if kind == "var":
            return self.get(node.args[0])
        if kind == "field":
            return self.field(int(to_number(await self.eval(node.args[0]))))
        if kind == "group":
            return await self.eval(node.args[0])
        if kind == "index":
            name, keys = node.args
            key = self.subscript([await self.eval(k) for k in keys])
            array = self.array(name)
            if key not in array:
                self.store(array, key, UNINIT)
            return array[key]
        if kind == "assign":
            return await self.assignment(node)
        if kind == "binary":
            op, left, right = node.args
            a, b = to_number(await self.eval(left)), to_number(await self.eval(right))
            return self.arith(op, a, b)
        if kind == "concat":
            left, right = node.args
            return self.keep(self.text(await self.eval(left)) + self.text(await self.eval(right)))
        if kind == "compare":
            op, left, right = node.args
            diff = compare(await self.eval(left), await self.eval(right), self.text(self.get_global("CONVFMT")))
            result = {"<": diff < 0, "<=": diff <= 0, ">": diff > 0, ">=": diff >= 0, "==": diff == 0,
                      "!=": diff != 0}[op]
            return 1.0 if result else 0.0
        if kind == "and":
            return 1.0 if truthy(await self.eval(node.args[0])) and truthy(await self.eval(node.args[1])) else 0.0
        if kind == "or":
            return 1.0 if truthy(await self.eval(node.args[0])) or truthy(await self.eval(node.args[1])) else 0.0
        if kind == "not":
            return 0.0 if truthy(await self.eval(node.args[0])) else 1.0
        if kind == "negate":
            return -to_number(await self.eval(node.args[0]))
        if kind == "plus":
            return to_number(await self.eval(node.args[0]))
        if kind == "cond":
            cond, yes, no = node.args
            return await self.eval(yes if truthy(await self.eval(cond)) else no)
        if kind == "regex":
            return 1.0 if self.regex(node.args[0]).search(self.record) else 0.0
        if kind == "match":
            negate, left, right = node.args
            text = self.text(await self.eval(left))
            found = (await self.as_regex(right)).search(text) is not None
            return 1.0 if found != negate else 0.0
        if kind == "in":
            keys, name = node.args
            return 1.0 if self.subscript([await self.eval(k) for k in keys]) in self.array(name) else 0.0
        if kind in ("preincr", "postincr"):
            step, target = node.args
            old = to_number(await self.eval(target))
            await self.assign_to(target, old + step)
            return old + step if kind == "preincr" else old
        if kind == "getline":
            return await self.getline(node)
        if kind == "builtin":
            return await self.builtin(node)
        if kind == "call":
            return await self.call(node)
        raise self.fail("Unexpected token")

    def arith(self, op: str, a: float, b: float) -> float:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            if b == 0:
                raise self.fail("Division by zero")
            return a / b
        if op == "%":
            if b == 0:
                raise self.fail("Division by zero")
            return math.fmod(a, b)
        try:
            return math.pow(a, b)
        except (OverflowError, ValueError):
            return math.inf if a > 0 or b == int(b) and int(b) % 2 == 0 else (math.nan if a < 0 else -math.inf)

    async def as_regex(self, node: Node) -> re.Pattern[str]:
        if node.kind == "regex":
            return self.regex(node.args[0])
        return self.regex(self.text(await self.eval(node)))

    async def assignment(self, node: Node) -> Value:
        op, target, value_node = node.args
        value = await self.eval(value_node)
        if op != "=":
            value = self.arith(op[0], to_number(await self.eval(target)), to_number(value))
        await self.assign_to(target, value)
        return value

    async def assign_to(self, target: Node, value: Value) -> None:
        if target.kind == "var":
            self.set(target.args[0], value)
        elif target.kind == "field":
            self.set_field(int(to_number(await self.eval(target.args[0]))), value)
        elif target.kind == "index":
            name, keys = target.args
            self.store(self.array(name), self.subscript([await self.eval(k) for k in keys]), value)
        elif target.kind == "group":
            await self.assign_to(target.args[0], value)
        else:
            raise self.fail("Unexpected token")

    # ---- functions -------------------------------------------------------------------------------
    async def call(self, node: Node) -> Value:
        name, arg_nodes = node.args
        function: Function | None = self.program.functions.get(name)
        if function is None:
            raise self.fail("Call to undefined function")
        if len(arg_nodes) > len(function.params):
            raise self.fail("Too many arguments")
        frame: dict[str, Any] = {}
        for param, arg in zip(function.params, arg_nodes):
            if arg.kind == "var":
                scope = self.scope_of(arg.args[0])
                current = scope.get(arg.args[0])
                if isinstance(current, dict):
                    frame[param] = current
                    continue
                if isinstance(current, _LazyArray):
                    frame[param] = current
                    continue
                if current is None or current is UNINIT:
                    frame[param] = _LazyArray(scope, arg.args[0])
                    continue
            frame[param] = await self.eval(arg)
        for param in function.params[len(arg_nodes):]:
            frame[param] = UNINIT
        if len(self.frames) > 1000:
            raise RecursionError()
        self.frames.append(frame)
        try:
            await self.execute(function.body)
            result: Value = UNINIT
        except _Return as r:
            result = r.value
        finally:
            self.frames.pop()
        return result
