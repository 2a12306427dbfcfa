"""Tokens of a busybox 1.36.1 awk program (editors/awk.c next_token()): numbers (decimal, 0x hex,
0 octal), strings with their escapes, ``/regex/`` where an operand may start (else ``/`` divides),
names (a name right before ``(`` calls a user function), keywords, builtins and operators; newlines
count, ``#`` comments and backslash-newline do not."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

KEYWORDS = {"BEGIN", "END", "function", "func", "if", "else", "while", "for", "do", "break", "continue", "next",
            "nextfile", "exit", "return", "delete", "getline", "print", "printf", "in"}
BUILTINS = {"length", "substr", "index", "split", "sub", "gsub", "match", "sprintf", "tolower", "toupper", "int",
            "sqrt", "exp", "log", "sin", "cos", "atan2", "rand", "srand", "system", "close", "fflush", "and", "or",
            "xor", "compl", "lshift", "rshift", "systime", "strftime", "mktime", "gensub"}
# at least this many arguments (exec_builtin's "Too few arguments")
MIN_ARGS = {"substr": 2, "index": 2, "split": 2, "sub": 2, "gsub": 2, "match": 2, "sprintf": 1, "atan2": 2, "and": 2,
            "or": 2, "xor": 2, "compl": 1, "lshift": 2, "rshift": 2, "gensub": 3, "mktime": 1, "close": 1,
            "system": 1}
OPERATORS = ["**=", "&&", "||", "==", "!=", "<=", ">=", "!~", "++", "--", "+=", "-=", "*=", "/=", "%=", "^=", ">>",
             "**", "{", "}", "(", ")", "[", "]", ";", ",", "+", "-", "*", "/", "%", "^", "!", ">", "<", "|", "?", ":",
             "~", "$", "="]

EMSG_UNEXP_EOS = "Unexpected end of string"
EMSG_UNEXP_TOKEN = "Unexpected token"


class AwkError(Exception):
    """syntax_error(): ``awk: PROGNAME:LINE: MESSAGE`` (also raised while running)."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class Token:
    kind: str        # "num" "str" "ere" "name" "func" "builtin" "kw" "op" "nl" "eof"
    value: Any
    line: int


def unescape(body: str) -> str:
    """Escapes in a string literal: \\n \\t \\" \\\\ \\/ octal; an unknown one keeps its character."""
    out: list[str] = []
    i = 0
    simple = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "/": "/", "a": "\a", "b": "\b", "f": "\f",
              "v": "\v"}
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            n = body[i + 1]
            if n in simple:
                out.append(simple[n])
                i += 2
                continue
            m = re.match(r"[0-7]{1,3}", body[i + 1:])
            if m:
                out.append(chr(int(m.group(0), 8) & 0xFF))
                i += 1 + m.end()
                continue
            out.append("\\" + n)
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def tokenize(src: str) -> list[Token]:
    tokens: list[Token] = []
    i, line = 0, 1
    operand_end = False   # whether a "/" now would be division

    def add(kind: str, value: Any, ends_operand: bool) -> None:
        nonlocal operand_end
        tokens.append(Token(kind, value, line))
        operand_end = ends_operand

    while i < len(src):
        c = src[i]
        if c in " \t\r":
            i += 1
            continue
        if c == "\\" and src[i + 1:i + 2] == "\n":
            i += 2
            line += 1
            continue
        if c == "\\" and src[i + 1:i + 3] == "\r\n":
            i += 3
            line += 1
            continue
        if c == "#":
            while i < len(src) and src[i] != "\n":
                i += 1
            continue
        if c == "\n":
            add("nl", "\n", False)
            line += 1
            i += 1
            continue
        if c == '"':
            j = i + 1
            while j < len(src) and src[j] != '"':
                if src[j] == "\\":
                    j += 1
                if j < len(src) and src[j] == "\n":
                    raise AwkError(EMSG_UNEXP_EOS, line)
                j += 1
            if j >= len(src):
                raise AwkError(EMSG_UNEXP_EOS, line)
            add("str", unescape(src[i + 1:j]), True)
            i = j + 1
            continue
        if c == "/" and not operand_end:
            j = i + 1
            in_bracket = False
            while j < len(src) and (src[j] != "/" or in_bracket):
                if src[j] == "\n":
                    raise AwkError(EMSG_UNEXP_EOS, line)
                if src[j] == "\\":
                    j += 1
                elif src[j] == "[" and not in_bracket:
                    in_bracket = True
                    if src[j + 1:j + 2] == "]" or src[j + 1:j + 3] == "^]":
                        j += 1 if src[j + 1] == "]" else 2
                elif src[j] == "]":
                    in_bracket = False
                j += 1
            if j >= len(src):
                raise AwkError(EMSG_UNEXP_EOS, line)
            add("ere", src[i + 1:j].replace("\\/", "/"), True)
            i = j + 1
            continue
        m = re.match(r"(0[xX][0-9a-fA-F]+)|(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)", src[i:])
        if m:
            text = m.group(0)
            value = float(int(text, 16)) if m.group(1) else float(text)
            if not m.group(1) and re.fullmatch(r"0[0-7]+", text):
                value = float(int(text, 8))   # my_strtod_or_hexoct(): 0777 is octal
            add("num", value, True)
            i += len(text)
            continue
        m = re.match(r"[A-Za-z_][A-Za-z_0-9]*", src[i:])
        if m:
            word = m.group(0)
            i += len(word)
            if word in KEYWORDS:
                add("kw", "function" if word == "func" else word, False)
            elif word in BUILTINS:
                add("builtin", word, word == "length")
            elif i < len(src) and src[i] == "(":
                add("func", word, False)
            else:
                add("name", word, True)
            continue
        for op in OPERATORS:
            if src.startswith(op, i):
                add("op", op, op in (")", "]", "$", "++", "--"))
                if op == "$":
                    operand_end = False
                i += len(op)
                break
        else:
            raise AwkError(EMSG_UNEXP_TOKEN, line)
    add("eof", None, False)
    return tokens
