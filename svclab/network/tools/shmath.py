"""``$((...))`` as busybox 1.36.1 ash evaluates it (shell/math.c, with ENABLE_FEATURE_SH_MATH_64 and
ENABLE_FEATURE_SH_MATH_BASE): 64-bit signed integers that wrap, C operators and precedence, the
two-stack evaluator of math.c.

What follows from the C source, and differs from Python integers:
- every result is a ``long long``: ``$((9223372036854775807 + 1))`` is -9223372036854775808;
- ``<<`` and ``>>`` shift by the count modulo 64, as the CPU does (x86-64 ``shl``/``sar`` and
  AArch64 ``lsl``/``asr`` mask the count), so ``$((1<<100000))`` is ``$((1<<32))`` = 4294967296;
- ``/`` and ``%`` truncate toward zero; a zero divisor is ``divide by zero``; ``MIN / -1`` is MIN;
- ``**`` multiplies in a loop (so it wraps); a negative exponent is ``exponent less than 0``;
- a literal too big for ``strtoull`` (ERANGE) counts as 0 ("bash compat"); ``N#digits`` reads a
  number in base N (2..64);
- a variable's value is itself evaluated as an expression (``a=b; b=2`` gives ``$((a))`` = 2), an
  unset variable is 0, and a cycle is ``expression recursion loop detected``;
- 1.36.1 evaluates both sides of ``&&``, ``||`` and ``?:`` (assignments in either side happen).
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass

MASK = (1 << 64) - 1
SPACE = " \t\n\v\f\r"


def wrap(value: int) -> int:
    """A Python integer as the ``long long`` the C code would hold."""
    value &= MASK
    return value - (1 << 64) if value >> 63 else value


def _tok(prec: int, ident: int) -> int:
    return (ident << 5) | prec


def _prec(op: int) -> int:
    return op & 0x1F


LPAREN = _tok(0, 0)
COMMA = _tok(1, 0)
ASSIGN, AND_ASSIGN, OR_ASSIGN, XOR_ASSIGN = _tok(2, 0), _tok(2, 1), _tok(2, 2), _tok(2, 3)
PLUS_ASSIGN, MINUS_ASSIGN, LSHIFT_ASSIGN, RSHIFT_ASSIGN = _tok(2, 4), _tok(2, 5), _tok(2, 6), _tok(2, 7)
MUL_ASSIGN, DIV_ASSIGN, REM_ASSIGN = _tok(3, 0), _tok(3, 1), _tok(3, 2)
CONDITIONAL, CONDITIONAL_SEP = _tok(4, 0), _tok(4, 1)
OR = _tok(5, 0)
AND = _tok(6, 0)
BOR = _tok(7, 0)
BXOR = _tok(8, 0)
BAND = _tok(9, 0)
EQ, NE = _tok(10, 0), _tok(10, 1)
LT, GT, GE, LE = _tok(11, 0), _tok(11, 1), _tok(11, 2), _tok(11, 3)
LSHIFT, RSHIFT = _tok(12, 0), _tok(12, 1)
ADD, SUB = _tok(13, 0), _tok(13, 1)
MUL, DIV, REM = _tok(14, 0), _tok(14, 1), _tok(14, 2)
EXPONENT = _tok(15, 1)
UNARYPREC = 16
BNOT, NOT = _tok(UNARYPREC, 0), _tok(UNARYPREC, 1)
UMINUS, UPLUS = _tok(UNARYPREC + 1, 0), _tok(UNARYPREC + 1, 1)
PREC_PRE = UNARYPREC + 2
PRE_INC, PRE_DEC = _tok(PREC_PRE, 0), _tok(PREC_PRE, 1)
PREC_POST = UNARYPREC + 3
POST_INC, POST_DEC = _tok(PREC_POST, 0), _tok(PREC_POST, 1)
SPEC_PREC = UNARYPREC + 4
NUM, RPAREN = _tok(SPEC_PREC, 0), _tok(SPEC_PREC, 1)

# op_tokens[] in math.c order: "longest must be first"; the first match wins.
OP_TOKENS: list[tuple[str, int]] = [
    ("<<=", LSHIFT_ASSIGN), (">>=", RSHIFT_ASSIGN), ("<<", LSHIFT), (">>", RSHIFT), ("||", OR), ("&&", AND),
    ("!=", NE), ("<=", LE), (">=", GE), ("==", EQ), ("|=", OR_ASSIGN), ("&=", AND_ASSIGN), ("*=", MUL_ASSIGN),
    ("/=", DIV_ASSIGN), ("%=", REM_ASSIGN), ("+=", PLUS_ASSIGN), ("-=", MINUS_ASSIGN), ("--", POST_DEC),
    ("^=", XOR_ASSIGN), ("++", POST_INC), ("**", EXPONENT), ("!", NOT), ("<", LT), (">", GT), ("=", ASSIGN),
    ("|", BOR), ("&", BAND), ("*", MUL), ("/", DIV), ("%", REM), ("+", ADD), ("-", SUB), ("^", BXOR),
    ("~", BNOT), (",", COMMA), ("?", CONDITIONAL), (":", CONDITIONAL_SEP), (")", RPAREN), ("(", LPAREN),
]

SYNTAX_ERROR = "arithmetic syntax error"
NAME_START = set(string.ascii_letters + "_")
NAME_CHARS = NAME_START | set(string.digits)


class ArithError(Exception):
    """An evaluation error; the text is math.c's errmsg (ash prints "sh: TEXT", status 2)."""


def _fix_assignment_prec(prec: int) -> int:
    return 2 if prec == 3 else prec


def _is_assign_op(op: int) -> bool:
    prec = _fix_assignment_prec(_prec(op))
    return prec == _prec(ASSIGN) or prec == PREC_PRE or prec == PREC_POST


def _is_right_associative(prec: int) -> bool:
    return prec in (_prec(ASSIGN), _prec(EXPONENT), _prec(CONDITIONAL))


@dataclass
class _Entry:
    """var_or_num_t: a number, or a variable name not yet looked up."""

    val: int = 0
    var: str | None = None
    second_val: int = 0
    second_val_present: bool = False


def _strtoull(text: str, i: int) -> tuple[int, int, bool]:
    """strtoull(nptr, &end, 0) from a digit: (value, end, ERANGE)."""
    n = len(text)
    if text.startswith(("0x", "0X"), i) and i + 2 < n and text[i + 2] in string.hexdigits:
        j = i + 2
        while j < n and text[j] in string.hexdigits:
            j += 1
        value = int(text[i + 2:j], 16)
    elif text[i] == "0":
        j = i + 1
        while j < n and text[j] in "01234567":
            j += 1
        value = int(text[i:j], 8)
    else:
        j = i
        while j < n and text[j].isdigit() and text[j] in string.digits:
            j += 1
        value = int(text[i:j])
    if value > MASK:
        return MASK, j, True
    return value, j, False


def _strto_arith(text: str, i: int) -> tuple[int, int, bool]:
    """strto_arith_t(): strtoull, or ``N#digits`` when N is 2..64 written without a leading 0."""
    value, end, erange = _strtoull(text, i)
    if end >= len(text) or text[end] != "#" or not "1" <= text[i] <= "9" or not 2 <= value <= 64:
        return value, end, erange
    base, n, j = value, 0, end + 1
    while j < len(text):
        c = text[j]
        digit = ord(c) - ord("0")
        if not 0 <= digit < 10 and digit <= ord("z") - ord("0"):
            digit = (ord(c) | 0x20) - (ord("a") - 10)
            if base > 36 and ord(c) <= ord("_"):
                if c == "_":
                    digit = 63
                elif c == "@":
                    digit = 62
                elif 0 <= digit < 36:
                    digit += 36 - 10
                else:
                    break
        if not 0 <= digit < base:
            break
        n = (n * base + digit) & MASK   # "bash does not check for overflows"
        j += 1
    return n, j, False


def _c_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


class Evaluator:
    """One arith() call: variable lookups and assignments go through the shell."""

    def __init__(self, lookup: Callable[[str], str | None], setvar: Callable[[str, str], None],
                 tick: Callable[[], None] | None = None) -> None:
        self.lookup = lookup
        self.setvar = setvar
        self.tick = tick
        self.recursed: list[str] = []
        self.steps = 0

    # ---- arith_lookup_val() ------------------------------------------------------------------
    def _resolve(self, entry: _Entry) -> None:
        if entry.var is None:
            return
        value = self.lookup(entry.var)
        if value is None:
            entry.val = 0
            return
        if entry.var in self.recursed:
            raise ArithError("expression recursion loop detected")
        self.recursed.append(entry.var)
        try:
            entry.val = self.evaluate(value)
        finally:
            self.recursed.pop()

    # ---- arith_apply() -----------------------------------------------------------------------
    def _apply(self, op: int, stack: list[_Entry]) -> None:
        if not stack:
            raise ArithError(SYNTAX_ERROR)
        top = stack[-1]
        self._resolve(top)
        rez = top.val
        if op == UMINUS:
            rez = wrap(-rez)
        elif op == NOT:
            rez = int(not rez)
        elif op == BNOT:
            rez = wrap(~rez)
        elif op in (POST_INC, PRE_INC):
            rez = wrap(rez + 1)
        elif op in (POST_DEC, PRE_DEC):
            rez = wrap(rez - 1)
        elif op != UPLUS:
            if len(stack) < 2:
                raise ArithError(SYNTAX_ERROR)
            right_entry = stack.pop()
            bad_second = right_entry.second_val_present
            if op == CONDITIONAL:
                bad_second = not bad_second
            if bad_second:
                raise ArithError("malformed ?: operator")
            top = stack[-1]
            if op != ASSIGN:
                self._resolve(top)
            right, rez = rez, top.val
            rez = self._binary(op, rez, right, right_entry, top, len(stack) == 1)
        if _is_assign_op(op):
            if top.var is None:
                raise ArithError(SYNTAX_ERROR)
            self.setvar(top.var, str(rez))
            if op == POST_INC:
                rez = wrap(rez - 1)
            if op == POST_DEC:
                rez = wrap(rez + 1)
        top.val = rez
        top.var = None

    @staticmethod
    def _binary(op: int, rez: int, right: int, right_entry: _Entry, top: _Entry, at_bottom: bool) -> int:
        if op == CONDITIONAL:
            return right if rez else right_entry.second_val
        if op == CONDITIONAL_SEP:
            if at_bottom:
                raise ArithError("malformed ?: operator")
            top.second_val_present = True
            top.second_val = right
            return rez
        if op in (BOR, OR_ASSIGN):
            return rez | right
        if op == OR:
            return int(bool(right) or bool(rez))
        if op in (BAND, AND_ASSIGN):
            return rez & right
        if op in (BXOR, XOR_ASSIGN):
            return rez ^ right
        if op == AND:
            return int(bool(rez) and bool(right))
        if op in (EQ, NE, GE, GT, LT, LE):
            return int({EQ: rez == right, NE: rez != right, GE: rez >= right, GT: rez > right,
                        LT: rez < right, LE: rez <= right}[op])
        if op in (RSHIFT, RSHIFT_ASSIGN):
            return rez >> (right & 63)
        if op in (LSHIFT, LSHIFT_ASSIGN):
            return wrap(rez << (right & 63))
        if op in (MUL, MUL_ASSIGN):
            return wrap(rez * right)
        if op in (ADD, PLUS_ASSIGN):
            return wrap(rez + right)
        if op in (SUB, MINUS_ASSIGN):
            return wrap(rez - right)
        if op in (ASSIGN, COMMA):
            return right
        if op == EXPONENT:
            if right < 0:
                raise ArithError("exponent less than 0")
            return wrap(pow(rez, right, 1 << 64))
        if right == 0:
            raise ArithError("divide by zero")
        if right == -1 and wrap(rez << 1) == 0:   # MIN / -1 would trap: math.c divides by 1
            right = 1
        quotient = _c_div(rez, right)
        return wrap(quotient) if op in (DIV, DIV_ASSIGN) else wrap(rez - right * quotient)

    # ---- evaluate_string() -------------------------------------------------------------------
    def evaluate(self, expr: str) -> int:
        n = len(expr)
        i = 0
        while i < n and expr[i] in SPACE:
            i += 1
        start = i
        numstack: list[_Entry] = []
        opstack: list[int] = [LPAREN]
        lasttok = LPAREN
        closed = False   # the implicit ")" at the end has been processed
        while True:
            self.steps += 1
            if self.tick is not None and not self.steps & 0xFFF:
                self.tick()
            while i < n and expr[i] in SPACE:
                i += 1
            if i >= n:
                if i == start:
                    return 0   # null expression
                if not closed:
                    closed = True
                    op = RPAREN
                else:
                    if len(numstack) != 1:
                        raise ArithError(SYNTAX_ERROR)
                    return numstack[0].val
            else:
                c = expr[i]
                if c in NAME_START:
                    j = i + 1
                    while j < n and expr[j] in NAME_CHARS:
                        j += 1
                    numstack.append(_Entry(var=expr[i:j]))
                    i = j
                    lasttok = NUM
                    continue
                if c in string.digits:
                    value, i, erange = _strto_arith(expr, i)
                    numstack.append(_Entry(val=0 if erange else wrap(value)))
                    lasttok = NUM
                    continue
                op = -1
                if c in "+-" and i + 1 < n and expr[i + 1] == c:
                    if not numstack or numstack[-1].var is None:   # not VAR++
                        k = i + 2
                        while k < n and expr[k] in SPACE:
                            k += 1
                        if not (k < n and (expr[k].isalpha() or expr[k] == "_")):   # not ++VAR
                            op = ADD if c == "+" else SUB
                            i += 1
                if op < 0:
                    for text, token in OP_TOKENS:
                        if expr.startswith(text, i):
                            op = token
                            i += len(text)
                            break
                    else:
                        raise ArithError(SYNTAX_ERROR)
            if lasttok in (POST_INC, POST_DEC):
                lasttok = NUM
            if lasttok != NUM:
                op = {ADD: UPLUS, SUB: UMINUS, POST_INC: PRE_INC, POST_DEC: PRE_DEC}.get(op, op)
            prec = _prec(op)
            if 0 < prec < UNARYPREC or prec == SPEC_PREC:
                if lasttok != NUM:
                    raise ArithError(SYNTAX_ERROR)
                matched = False
                while opstack:
                    prev_op = opstack.pop()
                    if op == RPAREN:
                        if prev_op == LPAREN:
                            if numstack and numstack[-1].var is not None:
                                self._resolve(numstack[-1])
                                numstack[-1].var = None
                            lasttok = NUM
                            matched = True
                            break
                    else:
                        prev_prec = _fix_assignment_prec(_prec(prev_op))
                        fixed = _fix_assignment_prec(prec)
                        if prev_prec < fixed or (prev_prec == fixed and _is_right_associative(fixed)):
                            opstack.append(prev_op)
                            break
                    self._apply(prev_op, numstack)
                if matched:
                    continue
                if op == RPAREN:
                    raise ArithError(SYNTAX_ERROR)
            opstack.append(op)
            lasttok = op


def evaluate(expr: str, lookup: Callable[[str], str | None], setvar: Callable[[str, str], None],
             tick: Callable[[], None] | None = None) -> int:
    """arith(): the value of EXPR, or ArithError with math.c's message."""
    return Evaluator(lookup, setvar, tick).evaluate(expr)
