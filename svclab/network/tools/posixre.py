"""POSIX regular expressions (glibc's regcomp, which busybox's sed, awk, cut and grep call) as
Python ``re`` patterns.

Basic (BRE) and extended (ERE) syntax, bracket expressions with ``[:class:]``, back references, and
glibc's GNU extensions (``\\+ \\? \\|`` in a BRE, ``\\w \\W \\s \\S \\b \\B \\< \\> \\` \\'``). A pattern
glibc refuses raises `RegexError` with regerror()'s text (``Unmatched ( or \\(`` ...), which busybox
prints as ``APPLET: bad regex 'PATTERN': TEXT``.

One difference remains: POSIX picks the leftmost *longest* match among alternatives, Python the
leftmost first (``a|ab`` on ``abc`` matches ``ab`` in sed, ``a`` here) — rare in practice.
"""

from __future__ import annotations

import re

CLASSES = {
    "alpha": "a-zA-Z", "digit": "0-9", "alnum": "0-9a-zA-Z", "upper": "A-Z", "lower": "a-z",
    "space": " \\t\\n\\r\\f\\v", "blank": " \\t", "punct": re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
    "print": " -~", "graph": "!-~", "cntrl": "\\x00-\\x1f\\x7f", "xdigit": "0-9A-Fa-f",
}
_GNU = {"w": r"\w", "W": r"\W", "s": r"\s", "S": r"\S", "b": r"\b", "B": r"\B", "<": r"\b(?=\w)",
        ">": r"\b(?<=\w)", "`": r"\A", "'": r"\Z"}


class RegexError(Exception):
    """regcomp() failed: ``str(self)`` is regerror()'s message."""


def _bracket(pattern: str, i: int) -> tuple[str, int]:
    """A bracket expression starting just after ``[``: its Python form and the index after ``]``."""
    out = ["["]
    if i < len(pattern) and pattern[i] == "^":
        out.append("^")
        i += 1
    first = True
    while True:
        if i >= len(pattern):
            raise RegexError("Unmatched [, [^, [:, [., or [=")
        c = pattern[i]
        if c == "]" and not first:
            return "".join(out) + "]", i + 1
        first = False
        if c == "[" and i + 1 < len(pattern) and pattern[i + 1] in ":.=":
            kind = pattern[i + 1]
            end = pattern.find(kind + "]", i + 2)
            if end < 0:
                raise RegexError("Unmatched [, [^, [:, [., or [=")
            name = pattern[i + 2:end]
            if kind == ":":
                if name not in CLASSES:
                    raise RegexError("Invalid character class name")
                out.append(CLASSES[name])
            else:
                out.append(re.escape(name))
            i = end + 2
            continue
        if c == "-" and len(out) > 1 and i + 1 < len(pattern) and pattern[i + 1] != "]":
            low = pattern[i - 1]
            high = pattern[i + 1]
            if high < low:
                raise RegexError("Invalid range end")
            out.append("-")
            i += 1
            continue
        out.append("\\" + c if c in "\\[]^-" else c)
        i += 1


def translate(pattern: str, extended: bool) -> str:
    """A POSIX BRE (or ERE) as the equivalent Python pattern."""
    out: list[str] = []
    depth = 0
    groups = 0
    i = 0
    at_start = True   # where '*' is literal (BRE) and '^' an anchor
    while i < len(pattern):
        c = pattern[i]
        start, at_start = at_start, False
        if c == "\\":
            if i + 1 >= len(pattern):
                raise RegexError("Trailing backslash")
            n = pattern[i + 1]
            i += 2
            if not extended and n in "(){}|+?":
                c, special = n, True
            elif n.isdigit() and n != "0":
                if int(n) > groups:
                    raise RegexError("Invalid back reference")
                out.append("\\" + n)
                continue
            elif n in _GNU:
                out.append(_GNU[n])
                continue
            elif n == "n":
                out.append("\\n")
                continue
            elif n == "t":
                out.append("\\t")
                continue
            else:
                out.append(re.escape(n))
                continue
        else:
            i += 1
            special = extended and c in "(){}|+?"
        if c == "[":
            text, i = _bracket(pattern, i)
            out.append(text)
            continue
        if c in "(){}|+?" and not special:
            out.append("\\" + c)
            continue
        if c == "(":
            depth += 1
            groups += 1
            out.append("(")
            at_start = True
            continue
        if c == ")":
            if depth == 0:
                if extended:
                    out.append("\\)")
                    continue
                raise RegexError("Unmatched ) or \\)")
            depth -= 1
            out.append(")")
            continue
        if c == "|":
            out.append("|")
            at_start = True
            continue
        if c in "+?" and special:
            if start or not out:
                if extended:
                    raise RegexError("Invalid preceding regular expression")
                out.append("\\" + c)
                continue
            out.append(c)
            continue
        if c == "{":
            close = pattern.find("\\}" if not extended else "}", i)
            if close < 0:
                raise RegexError("Unmatched \\{")
            body = pattern[i:close]
            if not re.fullmatch(r"\d+(,\d*)?|,\d+", body):
                raise RegexError("Invalid content of \\{\\}")
            low, _, high = body.partition(",")
            if high and low and int(high) < int(low):
                raise RegexError("Invalid content of \\{\\}")
            if start or not out:
                raise RegexError("Invalid preceding regular expression")
            out.append("{" + (low or "0") + ("," + high if "," in body else "") + "}")
            i = close + (1 if extended else 2)
            continue
        if c == "*":
            if start or not out:
                if extended and out and out[-1] in ("(", "|"):
                    raise RegexError("Invalid preceding regular expression")
                out.append("\\*")
                continue
            out.append("*")
            continue
        if c == "^":
            out.append("^" if start or extended else "\\^")
            at_start = True
            continue
        if c == "$":
            last = i >= len(pattern) or (not extended and pattern[i:i + 2] in ("\\)", "\\|"))
            out.append("\\Z" if last or extended else "\\$")
            continue
        if c == ".":
            out.append(".")
            continue
        out.append(re.escape(c))
    if depth:
        raise RegexError("Unmatched ( or \\(")
    return "".join(out)


def compile_posix(pattern: str, extended: bool, ignore_case: bool = False) -> re.Pattern[str]:
    """regcomp(): the compiled pattern, or RegexError with glibc's message."""
    text = translate(pattern, extended)
    try:   # the C locale: \w, case folding and classes are ASCII
        return re.compile(text, re.ASCII | (re.IGNORECASE if ignore_case else 0))
    except re.error as e:
        raise RegexError(str(e.msg)) from None
