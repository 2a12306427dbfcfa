"""Parsing a busybox 1.36.1 sed script (editors/sed.c: add_cmd, get_address, parse_cmd_args,
parse_subst_cmd), into the command list svclab.network.tools.sed runs.

Every command letter busybox knows is accepted (``s y a i c r w : b t T d D g G h H l n N p P q x =
{ }``), with its address forms (``N``, ``$``, ``/re/``, ``\\cREc``, ``first,last``, ``first,+N``, ``!``)
and busybox's error texts, which it prints as ``sed: TEXT`` (exit 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from svclab.network.tools.posixre import RegexError, compile_posix

SEMICOLON_WHITESPACE = "; \n\r\t\v"
CMD_LETTERS = "saicrw:btTydDgGhHlnNpPqx={}"


class SedError(Exception):
    """bb_error_msg_and_die() while parsing or running: the text after ``sed: ``."""


@dataclass
class Command:
    cmd: str
    beg_line: int = 0            # 0: no line address; -1: $; -2: a numeric range already matched
    end_line: int = 0            # 0: none; -1: $; <= -2: +N (as -2-N)
    beg_line_orig: int = 0
    end_line_orig: int = 0
    beg_match: re.Pattern[str] | None = None
    end_match: re.Pattern[str] | None = None
    sub_match: re.Pattern[str] | None = None
    string: str | None = None
    which_match: int = 1
    invert: bool = False
    in_match: bool = False
    sub_p: bool = False
    w_file: str | None = None


@dataclass
class Script:
    commands: list[Command] = field(default_factory=list)
    quiet: int = 0
    extended: bool = False
    previous_regex: re.Pattern[str] | None = None   # the parser's, for "//" addresses
    w_files: list[str] = field(default_factory=list)
    pending: str | None = None                       # a line ending in a backslash, waiting for more


def parse_escapes(string: str, frm: str, to: str) -> str:
    """parse_escapes(): ``\\FROM`` becomes TO; with TO empty, ``\\any`` becomes ``any``. Stops at NUL."""
    out: list[str] = []
    i = 0
    while i < len(string):
        c = string[i]
        if c == "\\" and i + 1 < len(string):
            if not to or string[i + 1] == frm:
                out.append(to if to else string[i + 1])
                i += 2
                continue
            out.append("\\")
            i += 1
            c = string[i]
        elif c == "\\":   # a last backslash: kept when replacing one escape, dropped otherwise
            if to:
                out.append("\\")
            break
        out.append(c)
        i += 1
    return "".join(out)


def copy_parsing_escapes(string: str, delim: str) -> str:
    """copy_parsing_escapes(): ``\\n \\t \\r``, then (with DELIM) an escaped delimiter."""
    for to, frm in (("\n", "n"), ("\t", "t"), ("\r", "r")):
        string = parse_escapes(string, frm, to)
    if delim:
        string = parse_escapes(string, delim, delim)
    return string


def next_delim(delimiter: str, string: str, brackets: bool = True) -> int:
    """index_of_next_unescaped_regexp_delim(): a ``[...]`` may hold the delimiter (unless
    BRACKETS is off, as for a replacement)."""
    bracket = -1 if brackets else -2
    escaped = False
    for idx, ch in enumerate(string):
        if bracket >= 0:
            if ch == "]" and not (bracket == idx - 1 or (bracket == idx - 2 and string[idx - 1] == "^")):
                bracket = -1
        elif escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif bracket == -1 and ch == "[":
            bracket = idx
        elif ch == delimiter:
            return idx
    raise SedError(f"unmatched '{delimiter}'")


def compile_regex(script: Script, pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    try:
        return compile_posix(pattern, script.extended, ignore_case)
    except RegexError as e:
        raise SedError(f"bad regex '{pattern}': {e}") from None


def _address(script: Script, s: str, pos: int) -> tuple[int, re.Pattern[str] | None, int, bool]:
    """get_address(): (line, regex, position after it, whether there was one)."""
    if pos < len(s) and s[pos].isdigit():
        m = re.match(r"\d+", s[pos:])
        assert m is not None
        return int(m.group(0)), None, pos + m.end(), True
    if pos < len(s) and s[pos] == "$":
        return -1, None, pos + 1, True
    if pos < len(s) and s[pos] in "/\\":
        delimiter = "/"
        if s[pos] == "\\":
            pos += 1
            if pos >= len(s):
                raise SedError("unmatched '\\0'")
            delimiter = s[pos]
        pos += 1
        nxt = next_delim(delimiter, s[pos:])
        if nxt:
            regex = compile_regex(script, copy_parsing_escapes(s[pos:pos + nxt], ""))
            script.previous_regex = regex
        else:
            if script.previous_regex is None:
                raise SedError("no previous regexp")
            regex = script.previous_regex
        return 0, regex, pos + nxt + 1, True
    return 0, None, pos, False


def _file_arg(s: str, pos: int) -> tuple[str, int]:
    """parse_file_cmd(): skip blanks, then the file name to the end of the line."""
    while pos < len(s) and s[pos] in " \t\n\r\v\f":
        pos += 1
    end = s.find("\n", pos)
    end = len(s) if end < 0 else end
    if end == pos:
        raise SedError("empty filename")
    return s[pos:end], end


def _regex_delim(s: str, pos: int) -> tuple[str, str, int]:
    """parse_regex_delim(): the match and replacement of ``s`` or ``y``, and the index of the third
    delimiter."""
    if pos >= len(s):
        raise SedError("bad format in substitution expression")
    delimiter = s[pos]
    pos += 1
    idx = next_delim(delimiter, s[pos:])
    match = copy_parsing_escapes(s[pos:pos + idx], delimiter)
    pos += idx + 1
    idx = next_delim(delimiter, s[pos:], brackets=False)
    replace = copy_parsing_escapes(s[pos:pos + idx], delimiter if delimiter != "&" else "")
    return match, replace, pos + idx


def _subst(script: Script, cmd: Command, s: str, pos: int) -> int:
    match, cmd.string, idx = _regex_delim(s, pos)
    ignore_case = False
    cmd.which_match = 1
    idx += 1
    while idx < len(s):
        c = s[idx]
        if c.isdigit():
            m = re.match(r"\d+", s[idx:])
            assert m is not None
            if not match.startswith("^"):
                cmd.which_match = int(m.group(0))
            idx += m.end()
            continue
        if c.isspace():
            idx += 1
            continue
        if c == "g":
            cmd.which_match = 0
        elif c == "p":
            cmd.sub_p = True
        elif c == "w":
            cmd.w_file, idx = _file_arg(s, idx + 1)
            script.w_files.append(cmd.w_file)
            continue
        elif c in "iI":
            ignore_case = True
        elif c == "#":
            idx = len(s)
            break
        elif c in ";}":
            break
        else:
            raise SedError("bad option in substitution expression")
        idx += 1
    if match:
        cmd.sub_match = compile_regex(script, match, ignore_case)
    return idx


def _arguments(script: Script, cmd: Command, s: str, pos: int) -> int:
    """parse_cmd_args(): the command's own arguments; returns what is left to parse."""
    letter = cmd.cmd
    idx = CMD_LETTERS.find(letter)
    ranged = bool(cmd.end_line or cmd.end_match)
    if letter == "s":
        return _subst(script, cmd, s, pos)
    if letter in "aic":
        if letter in "ai" and ranged:
            raise SedError(f"command '{letter}' uses only one address")
        while pos < len(s):
            if s[pos] in "\n\\":
                pos += 1
                break
            if not s[pos].isspace():
                break
            pos += 1
        text = copy_parsing_escapes(s[pos:], "")
        cmd.string = parse_escapes(text, "", "")
        return len(s)
    if letter in "rw":
        if letter == "r" and ranged:
            raise SedError(f"command '{letter}' uses only one address")
        cmd.string, pos = _file_arg(s, pos)
        if letter == "w":
            cmd.w_file = cmd.string
            script.w_files.append(cmd.string)
        return pos
    if letter in ":btT":
        while pos < len(s) and s[pos] in " \t\n\r\v\f":
            pos += 1
        end = pos
        while end < len(s) and s[end] not in SEMICOLON_WHITESPACE:
            end += 1
        if end > pos:
            cmd.string = s[pos:end]
        return end
    if letter == "y":
        delimiter = s[pos] if pos < len(s) else ""
        match, replace, end = _regex_delim(s, pos)
        match = parse_escapes(match, delimiter, delimiter)
        replace = parse_escapes(replace, delimiter, delimiter)
        cmd.string = "".join(a + b for a, b in zip(match, replace))
        return end + 1
    if idx < 0:
        raise SedError(f"unsupported command {letter}")
    return pos


def add_cmd(script: Script, line: str) -> None:
    """add_cmd(): one line of script (lines ending in an odd number of backslashes continue)."""
    if script.pending is not None:
        line = script.pending + "\n" + line
        script.pending = None
    trailing = len(line) - len(line.rstrip("\\"))
    if trailing % 2:
        script.pending = line[:-1]
        return
    s, pos = line, 0
    while pos < len(s):
        while pos < len(s) and s[pos] in SEMICOLON_WHITESPACE:
            pos += 1
        if pos >= len(s):
            break
        if s[pos] == "#":
            if s[pos + 1:pos + 2] == "n":
                script.quiet += 1
            nl = min((i for i in (s.find("\n", pos), s.find("\r", pos)) if i >= 0), default=-1)
            if nl < 0:
                break
            pos = nl
            continue
        cmd = Command("")
        cmd.beg_line, cmd.beg_match, pos, _ = _address(script, s, pos)
        cmd.beg_line_orig = cmd.beg_line
        if pos < len(s) and s[pos] == ",":
            pos += 1
            m = re.match(r"\+(\d+)", s[pos:])
            if m:
                cmd.end_line = -2 - int(m.group(1))
                pos += m.end()
            else:
                cmd.end_line, cmd.end_match, pos, found = _address(script, s, pos)
                if not found:
                    raise SedError("no address after comma")
            cmd.end_line_orig = cmd.end_line
        while pos < len(s) and s[pos] in " \t\n\r\v\f":
            pos += 1
        if pos < len(s) and s[pos] == "!":
            cmd.invert = True
            pos += 1
            while pos < len(s) and s[pos] in " \t\n\r\v\f":
                pos += 1
        if pos >= len(s):
            raise SedError("missing command")
        cmd.cmd = s[pos]
        pos = _arguments(script, cmd, s, pos + 1)
        script.commands.append(cmd)


def add_cmd_block(script: Script, text: str) -> None:
    """add_cmd_block(): an -e argument (or the script operand) may hold several lines."""
    for line in text.split("\n"):
        add_cmd(script, line)
