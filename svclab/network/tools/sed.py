"""busybox 1.36.1 ``sed`` (editors/sed.c): process_files() and do_subst_command(), line by line.

Options: ``-n`` (also ``#n``), ``-e CMD``, ``-f FILE``, ``-r``/``-E``, ``-i[SFX]``, and the long forms.
Commands and addresses: svclab.network.tools.sedscript. Regular expressions are POSIX BRE (ERE with
``-r``), through svclab.network.tools.posixre. Input streams with one line of look-ahead (for
``$``), output goes out as lines are done; the pattern and hold spaces are bounded by the memory
budget. A last line without a newline is printed without one, as busybox does.
"""

from __future__ import annotations

import re

from svclab.network import messages
from svclab.network.podenv import FSError
from svclab.network.streams import CHUNK, Reader
from svclab.network.tools.base import Invocation
from svclab.network.tools.getopt import GetoptError, bad_command_line, getopt, open_or_warn
from svclab.network.tools.sedscript import Command, Script, SedError, add_cmd, add_cmd_block
from svclab.network.tools.textutils import open_input
from svclab.network.tools.usages import SED_USAGE

NO_EOL = "\x01"      # the last line had no newline
LAST_IS_NUL = "\x02"
LONGS = {"in-place": "i", "regexp-extended": "r", "quiet": "n", "silent": "n", "expression=": "e", "file=": "f"}


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


_LINE_END = re.compile(rb"[\n\0]")


class _Input:
    """get_next_line(): lines ending in a newline or a NUL, from each input in turn."""

    def __init__(self, sed: _Sed, names: list[str]) -> None:
        self.sed = sed
        self.names = names
        self.reader: Reader | None = None
        self.buffer = b""
        self.pos = 0
        self.eof = False

    async def line(self) -> tuple[str, str] | None:
        await self.sed.flush_append()
        while True:
            if self.reader is None:
                if not self.names:
                    return None
                name = self.names.pop(0)
                self.reader = open_or_warn(self.sed.inv, name)
                self.buffer, self.pos, self.eof = b"", 0, False
                if self.reader is None:
                    self.sed.status = 1
                    continue
            m = _LINE_END.search(self.buffer, self.pos)
            if m is not None:
                end = m.start()
                text, sep = self.buffer[self.pos:end], self.buffer[end:end + 1]
                self.pos = end + 1
                gets = sep.decode()
                if sep == b"\0" and self.pos >= len(self.buffer):
                    await self._fill()
                    if self.pos >= len(self.buffer):
                        gets = LAST_IS_NUL
                return _decode(text), gets
            if self.eof:
                if self.pos < len(self.buffer):
                    text, self.buffer, self.pos = self.buffer[self.pos:], b"", 0
                    return _decode(text), NO_EOL
                self.reader = None
                continue
            await self.sed.flush()
            await self._fill()

    async def _fill(self) -> None:
        assert self.reader is not None
        chunk = await self.reader.read(CHUNK)
        if not chunk:
            self.eof = True
        self.buffer = self.buffer[self.pos:] + chunk
        self.pos = 0
        self.sed.inv.budget.check_size(len(self.buffer))


class _Sed:
    """One run of a script over its inputs (one file at a time with -i)."""

    def __init__(self, inv: Invocation, script: Script, sink_file: str | None = None) -> None:
        self.inv = inv
        self.script = script
        self.sink_file = sink_file
        self.kept = bytearray()          # -i: the new file's content
        self.pending: list[bytes] = []
        self.pending_size = 0
        self.last_puts = "\n"
        self.file_last: dict[str, str] = {name: "\n" for name in script.w_files}
        self.appends: list[str] = []
        self.hold: str | None = None
        self.previous_regex: re.Pattern[str] | None = script.previous_regex
        self.status = 0
        self.linenum = 0

    # ---- output ------------------------------------------------------------------------------
    def _emit(self, data: bytes) -> None:
        if self.sink_file is not None:
            self.kept += data
            self.inv.budget.check_size(len(self.kept))
            return
        self.pending.append(data)
        self.pending_size += len(data)

    async def flush(self) -> None:
        if self.pending:
            data = b"".join(self.pending)
            self.pending, self.pending_size = [], 0
            await self.inv.write(data)

    def puts(self, text: str, gets: str) -> None:
        """puts_maybe_newline() to the output."""
        self._emit(_encode(self._line(text, gets, "")))

    def _line(self, text: str, gets: str, which: str) -> str:
        last = self.file_last[which] if which else self.last_puts
        out = ""
        if last not in ("\n", "\0"):
            out += "\n"
            last = "\n"
        out += text
        if text:
            last = "x"
        if gets == LAST_IS_NUL:
            out += "\0"
            last = "x"
        elif gets != NO_EOL:
            out += gets
            last = gets
        if which:
            self.file_last[which] = last
        else:
            self.last_puts = last
        return out

    def write_file(self, name: str, text: str, gets: str) -> None:
        """The ``w`` command and ``s///w``: append to the file (opened, truncated, at parse time)."""
        data = _encode(self._line(text, gets, name))
        if name == "/dev/stdout":
            self._emit(data)
            return
        if name == "/dev/stderr":
            self.inv.err(data)
            return
        try:
            self.inv.env.fs.write(self.inv.env.fs.norm(name, self.inv.cwd), data, append=True)
        except FSError as e:
            raise SedError(f"write error: {e.strerror}") from None

    async def flush_append(self) -> None:
        while self.appends:
            self.puts(self.appends.pop(0), "\n")
        if self.pending_size > CHUNK:
            await self.flush()

    # ---- commands ----------------------------------------------------------------------------
    def substitute(self, cmd: Command, line: str) -> tuple[str, bool]:
        """do_subst_command()."""
        regex = cmd.sub_match or self.previous_regex
        if regex is None:
            raise SedError("no previous regexp")
        self.previous_regex = regex
        m = regex.search(line, 0)
        if m is None:
            return line, False
        out: list[str] = []
        pos = 0
        count = 0
        altered = False
        prev_empty = True
        tried_eol = False
        while True:
            start, end = m.start(), m.end()
            count += 1
            if cmd.which_match and cmd.which_match != count:
                out.append(line[pos:end])
                pos = end
                if start == end and pos < len(line):
                    out.append(line[pos])
                    pos += 1
            else:
                out.append(line[pos:start])
                if prev_empty or start != pos or start != end:
                    out.append(_replacement(cmd.string or "", m))
                    altered = True
                prev_empty = start == end
                if prev_empty:
                    if end >= len(line):
                        tried_eol = True
                    else:
                        out.append(line[end])
                        end += 1
                pos = end
                if cmd.which_match != 0:
                    break
            if pos >= len(line):
                if tried_eol:
                    break
                tried_eol = True
            m = regex.search(line, pos)
            if m is None:
                break
        out.append(line[pos:])
        result = "".join(out)
        self.inv.budget.check_size(len(result))
        return result, altered

    def matches(self, regex: re.Pattern[str] | None, line: str) -> bool:
        if regex is not None and regex.search(line):
            self.previous_regex = regex
            return True
        return False

    async def run(self, names: list[str]) -> None:
        """process_files()."""
        source = _Input(self, names)
        nxt = await source.line()
        self.linenum = 0
        while nxt is not None:
            pattern, gets = nxt
            nxt = await source.line()
            self.linenum += 1
            state = _Cycle(pattern, gets, nxt)
            while await self.cycle(source, state):   # "D" starts the commands again on what is left
                pass
            nxt = state.nxt
            if state.print_line and not self.script.quiet:
                self.puts(state.pattern, state.gets)
            await self.flush_append()
        await self.flush_append()
        await self.flush()

    async def cycle(self, source: _Input, state: _Cycle) -> bool:
        """One pass of the commands over the pattern space; True when ``D`` asks for another."""
        commands = self.script.commands
        i = 0
        while i < len(commands):
            self.inv.budget.tick()
            cmd = commands[i]
            matched = self.selects(cmd, state)
            if cmd.cmd == "{":
                if matched == cmd.invert:   # skip the block
                    depth = 0
                    while True:
                        if commands[i].cmd == "{":
                            depth += 1
                        if commands[i].cmd == "}":
                            depth -= 1
                            if depth == 0:
                                break
                        i += 1
                        if i >= len(commands):
                            raise SedError("unterminated {")
                i += 1
                continue
            if matched == cmd.invert:
                i += 1
                continue
            if cmd.beg_match is not None:
                self.previous_regex = cmd.beg_match
            jump = await self.execute(cmd, source, state)
            if jump == _END:
                return False
            if jump == _RESTART:
                return True
            i = i + 1 if jump is None else jump + 1
        return False

    def selects(self, cmd: Command, state: _Cycle) -> bool:
        """Whether the command's address matches this line (and the range bookkeeping)."""
        linenum, pattern = self.linenum, state.pattern
        old_matched = cmd.in_match
        if not old_matched:
            cmd.end_line = cmd.end_line_orig
        cmd.in_match = (cmd.in_match
                        or (not cmd.beg_line and not cmd.end_line and not cmd.beg_match and not cmd.end_match)
                        or (cmd.beg_line > 0 and (cmd.beg_line <= linenum if (cmd.end_line or cmd.end_match)
                                                  else cmd.beg_line == linenum))
                        or self.matches(cmd.beg_match, pattern)
                        or (cmd.beg_line == -1 and state.nxt is None))
        matched = cmd.in_match
        if matched:
            if cmd.end_line <= -2:
                cmd.end_line = linenum + (-cmd.end_line - 2)
            if cmd.beg_line > 0:
                cmd.beg_line = -2
            if cmd.end_line:
                ended = (state.nxt is None) if cmd.end_line == -1 else cmd.end_line <= linenum
            else:
                ended = cmd.end_match is None
            ended = ended or (cmd.end_match is not None and old_matched and cmd.end_match.search(pattern) is not None)
            cmd.in_match = not ended
        return matched

    async def execute(self, cmd: Command, source: _Input, state: _Cycle) -> int | None:
        """One command: None to go on, a command index to jump after, _END or _RESTART."""
        letter = cmd.cmd
        if letter == "=":
            self._emit(f"{self.linenum}\n".encode())
        elif letter == "P" and "\n" in state.pattern:
            self.puts(state.pattern.split("\n", 1)[0], "\n")
        elif letter in "pP":
            self.puts(state.pattern, "\n")
        elif letter == "D" and "\n" in state.pattern:
            state.pattern = state.pattern.split("\n", 1)[1]
            return _RESTART
        elif letter in "dD":
            state.print_line = False
            return _END
        elif letter == "s":
            state.pattern, changed = self.substitute(cmd, state.pattern)
            if changed:
                state.substituted = True
                if cmd.sub_p:
                    self.puts(state.pattern, state.gets)
                if cmd.w_file:
                    self.write_file(cmd.w_file, state.pattern, state.gets)
        elif letter == "a":
            self.appends.append(cmd.string or "")
        elif letter == "i":
            self.puts(cmd.string or "", "\n")
        elif letter == "c":
            if not cmd.in_match:
                self.puts(cmd.string or "", "\n")
            state.print_line = False
            return _END
        elif letter == "r":
            self._read_file(cmd.string or "")
        elif letter == "w":
            self.write_file(cmd.w_file or "", state.pattern, state.gets)
        elif letter == "n":
            if not self.script.quiet:
                self.puts(state.pattern, state.gets)
            if state.nxt is None:
                state.print_line = False
                return _END
            state.pattern, state.gets = state.nxt
            state.nxt = await source.line()
            state.substituted = False
            self.linenum += 1
        elif letter == "q":
            state.nxt = None
            return _END
        elif letter == "N":
            if state.nxt is None:
                return _END
            state.pattern = state.pattern + "\n" + state.nxt[0]
            self.inv.budget.check_size(len(state.pattern))
            state.gets = state.nxt[1]
            state.nxt = await source.line()
            self.linenum += 1
        elif letter in "tTb":
            if letter == "t":
                if not state.substituted:
                    return None
                state.substituted = False
            elif letter == "T" and state.substituted:
                return None
            if cmd.string is None:
                return _END
            return self._label(cmd.string)
        elif letter == "y":
            pairs = cmd.string or ""
            table: dict[str, str] = {}
            for j in range(0, len(pairs) - 1, 2):
                table.setdefault(pairs[j], pairs[j + 1])
            state.pattern = "".join(table.get(c, c) for c in state.pattern)
        elif letter == "g":
            state.pattern = self.hold or ""
        elif letter == "G":
            state.pattern = state.pattern + "\n" + (self.hold or "")
            self.inv.budget.check_size(len(state.pattern))
            state.gets = "\n"
        elif letter == "h":
            self.hold = state.pattern
        elif letter == "H":
            self.hold = (self.hold or "") + "\n" + state.pattern
            self.inv.budget.check_size(len(self.hold))
        elif letter == "x":
            state.pattern, self.hold = (self.hold if self.hold is not None else ""), state.pattern
            state.gets = "\n"
        return None

    def _label(self, label: str) -> int:
        for j, cmd in enumerate(self.script.commands):
            if cmd.cmd == ":" and cmd.string == label:
                return j
        raise SedError(f"can't find label for jump to '{label}'")

    def _read_file(self, name: str) -> None:
        """``r FILE``: its lines are appended after this line (a missing file is no error)."""
        fs = self.inv.env.fs
        try:
            text = _decode(fs.read(fs.norm(name, self.inv.cwd)))
        except FSError:
            return
        self.appends.extend(text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"))


_END = -1        # the rest of the commands is skipped (then autoprint, unless told not to)
_RESTART = -2    # "D": the commands start again on the rest of the pattern space


class _Cycle:
    """The state of one line's pass through the script."""

    def __init__(self, pattern: str, gets: str, nxt: tuple[str, str] | None) -> None:
        self.pattern = pattern
        self.gets = gets
        self.nxt = nxt
        self.substituted = False
        self.print_line = True


def _replacement(template: str, m: re.Match[str]) -> str:
    """do_subst_w_backrefs(): ``\\N`` is group N, ``&`` the match, ``\\c`` the character c."""
    out: list[str] = []
    i = 0
    while i < len(template):
        c = template[i]
        if c == "\\" and i + 1 < len(template):
            n = template[i + 1]
            i += 2
            if n.isdigit():
                group = int(n)
                if group <= (m.re.groups or 0) and m.group(group) is not None:
                    out.append(m.group(group))
                continue
            out.append(n)
            continue
        out.append(m.group(0) if c == "&" else c)
        i += 1
    return "".join(out)


async def sed(inv: Invocation) -> int:
    """sed [-i[SFX]] [-nrE] [-f FILE]... [-e CMD]... [FILE]... | sed [-i[SFX]] [-nrE] CMD [FILE]..."""
    if inv.args[:1] == ["--version"]:
        inv.out("This is not GNU sed version 4.0\n")
        return 0
    try:
        opts, operands = getopt(inv.name, inv.args, "i::rEne:f:", LONGS)
    except GetoptError as e:
        return bad_command_line(inv, e, SED_USAGE)
    script = Script(quiet=len(opts.get("n", [])), extended="r" in opts or "E" in opts)
    try:
        for text in opts.get("e", []):
            add_cmd_block(script, text)
        for name in opts.get("f", []):
            reader = open_input(inv, name)
            if reader is None:
                return 1
            data = bytearray()
            while chunk := await reader.read(CHUNK):
                data += chunk
                inv.budget.check_size(len(data))
            for line in _decode(bytes(data)).split("\n")[:-1] if data.endswith(b"\n") else \
                    _decode(bytes(data)).split("\n"):
                add_cmd(script, line)
        if "e" not in opts and "f" not in opts:
            if not operands:
                return inv.usage(SED_USAGE)
            add_cmd_block(script, operands.pop(0))
        add_cmd(script, "")
        for name in script.w_files:   # sed_xfopen_w(): created (truncated) before any input is read
            if name not in ("/dev/stdout", "/dev/stderr"):
                try:
                    inv.env.fs.write(inv.env.fs.norm(name, inv.cwd), b"")
                except FSError as e:
                    raise SedError(messages.CANT_OPEN.format(applet="sed", path=name, err=e.strerror)[5:]) from None
        if "i" not in opts:
            run = _Sed(inv, script)
            await run.run(operands or ["-"])
            return run.status
        if not operands:
            raise SedError("-i requires an argument")
        return await _in_place(inv, script, operands, opts["i"][-1])
    except SedError as e:
        inv.errln(f"sed: {e}")
        return 1


async def _in_place(inv: Invocation, script: Script, names: list[str], suffix: str) -> int:
    """-i: each file is processed on its own and replaced by the output (the old one kept as
    FILE+SFX when a suffix is given)."""
    fs = inv.env.fs
    status = 0
    for name in names:
        path = fs.norm(name, inv.cwd)
        if not fs.exists(path):
            inv.errln(f"sed: {name}: No such file or directory")
            status = 1
            continue
        for cmd in script.commands:   # each file starts the ranges afresh
            cmd.beg_line, cmd.end_line, cmd.in_match = cmd.beg_line_orig, cmd.end_line_orig, False
        run = _Sed(inv, script, sink_file=path)
        await run.run([name])
        status |= run.status
        try:
            if suffix:
                fs.write(fs.norm(name + suffix, inv.cwd), fs.read(path))
            fs.write(path, bytes(run.kept))
        except FSError as e:
            raise SedError(f"write error: {e.strerror}") from None
    return status
