"""awk values as busybox 1.36.1's awk (editors/awk.c) converts them.

A value is a number (float), a string, a string that came from input (`StrNum`: a field,
``getline var``, ``split()`` pieces, ``-v`` and ENVIRON values; it compares as a number when it
looks like one), or `UNINIT` (both "" and 0). Strings are bytes: the program and the data are
decoded as latin-1, so ``length("é")`` is 2, as in busybox built without Unicode support.
"""

from __future__ import annotations

import math
import re

from svclab.network.tools.awklex import AwkError


class StrNum(str):
    """A string from input: numeric when all of it parses as a number."""


class _Uninit(str):
    """A variable never assigned: "" as a string, 0 as a number, numeric in comparisons."""


UNINIT = _Uninit("")
Value = float | str

_SPACES = " \t\n\v\f\r"
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_HEX = re.compile(r"[+-]?0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)([pP][+-]?\d+)?")
_SPECIAL = re.compile(r"[+-]?(inf(inity)?|nan)", re.IGNORECASE)


def strtod(text: str) -> tuple[float, int]:
    """C strtod(): the number at the start of TEXT (after blanks) and where it ends (0: none)."""
    start = len(text) - len(text.lstrip(_SPACES))
    m = _HEX.match(text, start)
    if m:
        sign = -1.0 if text[start] == "-" else 1.0
        body = m.group(0).lstrip("+-")
        try:
            return sign * float.fromhex(body if "p" in body.lower() else body + "p0"), m.end()
        except ValueError:
            pass
    m = _SPECIAL.match(text, start)
    if m:
        word = m.group(0)
        value = math.nan if word.lstrip("+-").lower() == "nan" else math.inf
        return (-value if word.startswith("-") else value), m.end()
    m = _DECIMAL.match(text, start)
    if m:
        return float(m.group(0)), m.end()
    return 0.0, 0


def to_number(value: Value) -> float:
    if isinstance(value, float):
        return value
    return strtod(value)[0]


def looks_numeric(text: str) -> bool:
    """getvar_i() with VF_USER: the whole string (blanks aside) is a number."""
    _, end = strtod(text)
    return end > 0 and not text[end:].strip(_SPACES)


def is_numeric(value: Value) -> bool:
    if isinstance(value, float) or value is UNINIT:
        return True
    return isinstance(value, StrNum) and looks_numeric(value)


def truthy(value: Value) -> bool:
    """istrue()."""
    if is_numeric(value):
        return to_number(value) != 0
    return value != ""


def c_int(value: float) -> int:
    """(int)d as the CPU does it: out of range (or NaN) gives INT_MIN."""
    if math.isnan(value) or not -2147483648.0 <= value < 2147483648.0:
        return -2147483648
    return int(value)


def is_integral(value: float) -> bool:
    """fmt_num()'s n == (long long)n."""
    return math.isfinite(value) and value == int(value) and -(2**63) <= value < 2**63


def fmt_num(fmt: str, value: float, line: int = 1) -> str:
    """fmt_num(): a whole number prints as an integer, anything else through FMT."""
    if is_integral(value):
        return str(int(value))
    if math.isnan(value):   # glibc prints the sign of a NaN
        return "-nan" if math.copysign(1, value) < 0 else "nan"
    last = fmt[-1:] if fmt else ""
    try:
        if last and last in "diouxX":
            return fmt.replace("i", "d").replace("u", "d") % c_int(value)
        if last and last in "eEfFgG":
            return fmt % value
        if last and last in "aA":
            return value.hex()
    except (TypeError, ValueError):
        pass
    raise AwkError("Invalid format specifier", line)


def to_text(value: Value, convfmt: str, line: int = 1) -> str:
    if isinstance(value, float):
        return fmt_num(convfmt, value, line)
    return value


def ascii_upper(text: str) -> str:
    """busybox toupper(): only a-z change (C locale)."""
    return "".join(chr(ord(c) & 0xDF) if "a" <= c <= "z" else c for c in text)


def ascii_lower(text: str) -> str:
    return "".join(chr(ord(c) | 0x20) if "A" <= c <= "Z" else c for c in text)


def compare(left: Value, right: Value, convfmt: str) -> float:
    """OC_COMPARE: numbers when both are numeric, else the strings byte by byte."""
    if is_numeric(left) and is_numeric(right):
        return to_number(left) - to_number(right)
    a, b = to_text(left, convfmt), to_text(right, convfmt)
    return (a > b) - (a < b)
