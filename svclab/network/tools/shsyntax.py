"""Lexer and parser for the busybox-ash subset the emulated pod's ``sh -c`` understands.

Grammar (POSIX shell, reduced): lists with ``;`` ``&&`` ``||`` ``&`` and newlines, pipelines with
``|`` and ``!``, simple commands with assignments and redirections (``>`` ``>>`` ``<`` ``N>``
``N>&M``, here-documents ``<<WORD`` and ``<<-WORD``), ``for``/``while``/``until``/``if``,
``{ ...; }`` and ``( ... )``. Words keep their
quoting so expansion can split and join like ash: ``'...'``, ``"..."``, ``\\x``, ``$VAR``,
``${VAR}``, ``${VAR:-x}``, ``${#VAR}``, ``$?``, ``$(...)``, backquotes and ``$((...))``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

RESERVED = {"for", "in", "do", "done", "if", "then", "elif", "else", "fi", "while", "until", "{", "}", "!"}
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ShellSyntaxError(Exception):
    """A parse error; the message is ash's text without the "sh: " prefix."""


@dataclass
class Part:
    """One piece of a word: kind is lit, var, cmd or arith; quoted parts are never split."""

    kind: str
    text: str
    quoted: bool


@dataclass
class Word:
    parts: list[Part] = field(default_factory=list)

    @property
    def literal(self) -> str | None:
        """The word's text when it is one unquoted literal (reserved words, names)."""
        if len(self.parts) == 1 and self.parts[0].kind == "lit" and not self.parts[0].quoted:
            return self.parts[0].text
        return None


@dataclass
class Token:
    kind: str            # word, op, redir, newline, eof
    value: str = ""
    word: Word | None = None
    fd: int | None = None
    heredoc: Word | None = None   # for << and <<-: the body, read from the lines after the command


@dataclass
class Redir:
    op: str              # > >> < >& <& << <<-
    fd: int
    target: Word         # for a here-document: its body (a quoted delimiter keeps it literal)


@dataclass
class Simple:
    assigns: list[tuple[str, Word]]
    words: list[Word]
    redirs: list[Redir]


@dataclass
class Pipeline:
    cmds: list[Node]
    negate: bool = False


@dataclass
class AndOr:
    first: Pipeline
    rest: list[tuple[str, Pipeline]]


@dataclass
class Seq:
    items: list[AndOr]


@dataclass
class For:
    var: str
    words: list[Word] | None
    body: Seq
    redirs: list[Redir] = field(default_factory=list)


@dataclass
class If:
    clauses: list[tuple[Seq, Seq]]
    orelse: Seq | None
    redirs: list[Redir] = field(default_factory=list)


@dataclass
class While:
    cond: Seq
    body: Seq
    until: bool
    redirs: list[Redir] = field(default_factory=list)


@dataclass
class Group:
    body: Seq
    subshell: bool
    redirs: list[Redir] = field(default_factory=list)


Node = Simple | For | If | While | Group


# ---------------------------------------------------------------------------------------- lexer
def _matching(src: str, i: int, open_: str, close: str) -> int:
    """Index of the ``close`` matching the ``open_`` just before ``i`` (quotes skipped)."""
    depth = 1
    while i < len(src):
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c == "'":
            j = src.find("'", i + 1)
            if j < 0:
                raise ShellSyntaxError("syntax error: unterminated quoted string")
            i = j + 1
            continue
        if c == '"':
            i = _dq_end(src, i + 1) + 1
            continue
        if src.startswith(open_, i):
            depth += 1
            i += len(open_)
            continue
        if src.startswith(close, i):
            depth -= 1
            if depth == 0:
                return i
            i += len(close)
            continue
        i += 1
    raise ShellSyntaxError(f'syntax error: unexpected end of file (expecting "{close}")')


def _dq_end(src: str, i: int) -> int:
    while i < len(src):
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c == '"':
            return i
        if src.startswith("$(", i):
            i = _matching(src, i + 2, "(", ")") + 1
            continue
        if c == "`":
            j = src.find("`", i + 1)
            i = (j if j >= 0 else len(src)) + 1
            continue
        i += 1
    raise ShellSyntaxError("syntax error: unterminated quoted string")


def _dollar(src: str, i: int, quoted: bool) -> tuple[Part, int]:
    """Parse the expansion starting at ``src[i] == '$'``."""
    if src.startswith("$((", i):
        end = _matching(src, i + 3, "((", "))")
        return Part("arith", src[i + 3:end], quoted), end + 2
    if src.startswith("$(", i):
        end = _matching(src, i + 2, "(", ")")
        return Part("cmd", src[i + 2:end], quoted), end + 1
    if src.startswith("${", i):
        end = src.find("}", i + 2)
        if end < 0:
            raise ShellSyntaxError("syntax error: missing '}'")
        return Part("var", src[i + 2:end], quoted), end + 1
    m = NAME.match(src, i + 1)
    if m:
        return Part("var", m.group(0), quoted), m.end()
    if i + 1 < len(src) and (src[i + 1] in "?$#!@*-" or src[i + 1].isdigit()):
        return Part("var", src[i + 1], quoted), i + 2
    return Part("lit", "$", quoted), i + 1


class HeredocUnterminated(ShellSyntaxError):
    """The script ended inside a here-document (an interactive shell asks for more lines)."""


def _heredoc_body(src: str, i: int, delimiter: str, strip_tabs: bool) -> tuple[str, int, bool]:
    """The lines from ``i`` up to the delimiter line: (body, index after it, terminated)."""
    lines: list[str] = []
    n = len(src)
    while i < n:
        end = src.find("\n", i)
        line = src[i:] if end < 0 else src[i:end]
        i = n if end < 0 else end + 1
        if strip_tabs:
            line = line.lstrip("\t")
        if line == delimiter:
            return "".join(lines), i, True
        lines.append(line + "\n")
    return "".join(lines), i, False


def tokenize(src: str, strict_heredoc: bool = False) -> list[Token]:
    """Split a script into tokens; words keep their quoting. A here-document's body is read from
    the lines after the newline that ends its command; with ``strict_heredoc`` a body the script
    does not end raises HeredocUnterminated (ash then reads on), else it runs to the end."""
    tokens: list[Token] = []
    pending: list[tuple[Token, str, bool, bool]] = []   # redir token, delimiter, quoted, strip tabs
    want_delimiter: Token | None = None
    i = 0
    n = len(src)
    while i < n:
        c = src[i]
        if c in " \t":
            i += 1
            continue
        if c == "\\" and src.startswith("\\\n", i):
            i += 2
            continue
        if c == "#":
            while i < n and src[i] != "\n":
                i += 1
            continue
        if c == "\n":
            tokens.append(Token("newline", "\n"))
            i += 1
            for tok, delimiter, quoted, strip in pending:
                body, i, done = _heredoc_body(src, i, delimiter, strip)
                if not done and strict_heredoc:
                    raise HeredocUnterminated("syntax error: unexpected end of file (expecting here-document end)")
                tok.heredoc = Word([Part("lit", body, True)]) if quoted else Word(_dq_parts(body, heredoc=True))
            pending.clear()
            continue
        for op in ("&&", "||", ";;", "<<-", "<<", ">>", ">&", "<&", ";", "&", "|", "(", ")", ">", "<"):
            if src.startswith(op, i):
                if op in ("<<-", "<<", ">>", ">&", "<&", ">", "<"):
                    tokens.append(Token("redir", op, fd=1 if op[0] == ">" else 0))
                    if op.startswith("<<"):
                        want_delimiter = tokens[-1]
                else:
                    tokens.append(Token("op", op))
                i += len(op)
                break
        else:
            word, i = _word(src, i)
            if i < n and src[i] in "<>" and word.literal is not None and word.literal.isdigit():
                op = next((o for o in ("<<-", "<<", ">>", ">&", "<&") if src.startswith(o, i)), src[i])
                tokens.append(Token("redir", op, fd=int(word.literal)))
                if op.startswith("<<"):
                    want_delimiter = tokens[-1]
                i += len(op)
                continue
            tokens.append(Token("word", word=word))
            if want_delimiter is not None:
                delimiter = "".join(part.text for part in word.parts)
                quoted = any(part.quoted for part in word.parts)
                pending.append((want_delimiter, delimiter, quoted, want_delimiter.value == "<<-"))
                want_delimiter = None
    if pending and strict_heredoc:
        raise HeredocUnterminated("syntax error: unexpected end of file (expecting here-document end)")
    for tok, _delimiter, quoted, _strip in pending:   # no newline after the command: an empty body
        tok.heredoc = Word([Part("lit", "", True)])
    tokens.append(Token("eof"))
    return tokens


def _word(src: str, i: int) -> tuple[Word, int]:
    parts: list[Part] = []
    lit: list[str] = []

    def flush(quoted: bool = False) -> None:
        if lit:
            parts.append(Part("lit", "".join(lit), quoted))
            lit.clear()

    n = len(src)
    while i < n and src[i] not in " \t\n;&|()<>":
        c = src[i]
        if c == "\\":
            flush()
            if i + 1 < n:
                parts.append(Part("lit", src[i + 1], True))
            i += 2
        elif c == "'":
            flush()
            j = src.find("'", i + 1)
            if j < 0:
                raise ShellSyntaxError("syntax error: unterminated quoted string")
            parts.append(Part("lit", src[i + 1:j], True))
            i = j + 1
        elif c == '"':
            flush()
            end = _dq_end(src, i + 1)
            parts.extend(_dq_parts(src[i + 1:end]))
            i = end + 1
        elif c == "$":
            flush()
            part, i = _dollar(src, i, False)
            parts.append(part)
        elif c == "`":
            flush()
            j = src.find("`", i + 1)
            if j < 0:
                raise ShellSyntaxError('syntax error: unexpected end of file (expecting "`")')
            parts.append(Part("cmd", src[i + 1:j], False))
            i = j + 1
        else:
            lit.append(c)
            i += 1
    flush()
    return Word(parts), i


def _dq_parts(body: str, heredoc: bool = False) -> list[Part]:
    """Inside double quotes: literal text, $ expansions, and \\ before $ ` " \\ only (in a
    here-document a backslash before a double quote stays)."""
    parts: list[Part] = [Part("lit", "", True)]
    lit: list[str] = []
    escapable = '$`\\\n' if heredoc else '$`"\\\n'
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body) and body[i + 1] in escapable:
            lit.append(body[i + 1] if body[i + 1] != "\n" else "")
            i += 2
        elif c == "$":
            if lit:
                parts.append(Part("lit", "".join(lit), True))
                lit.clear()
            part, i = _dollar(body, i, True)
            parts.append(part)
        elif c == "`":
            if lit:
                parts.append(Part("lit", "".join(lit), True))
                lit.clear()
            j = body.find("`", i + 1)
            j = j if j >= 0 else len(body)
            parts.append(Part("cmd", body[i + 1:j], True))
            i = j + 1
        else:
            lit.append(c)
            i += 1
    if lit:
        parts.append(Part("lit", "".join(lit), True))
    return parts


# --------------------------------------------------------------------------------------- parser
def _tokname(tok: Token) -> str:
    """ash's tokname_array spelling of a token in syntax errors."""
    if tok.kind == "eof":
        return "end of file"
    if tok.kind == "newline":
        return "newline"
    if tok.kind == "word" and tok.word is not None and tok.word.literal is not None:
        return f'"{tok.word.literal}"'
    return f'"{tok.value}"'


class Parser:
    """Recursive descent over the token list."""

    def __init__(self, src: str, strict_heredoc: bool = False) -> None:
        self.toks = tokenize(src, strict_heredoc)
        self.pos = 0

    def peek(self) -> Token:
        return self.toks[self.pos]

    def next(self) -> Token:
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def is_word(self, *values: str) -> bool:
        tok = self.peek()
        return tok.kind == "word" and tok.word is not None and tok.word.literal in values

    def is_op(self, *values: str) -> bool:
        tok = self.peek()
        return tok.kind == "op" and tok.value in values

    def skip_newlines(self) -> None:
        while self.peek().kind == "newline":
            self.pos += 1

    def unexpected(self, expecting: str | None = None) -> ShellSyntaxError:
        tok = self.peek()
        if tok.kind == "eof" and expecting:
            return ShellSyntaxError(f'syntax error: unexpected end of file (expecting "{expecting}")')
        return ShellSyntaxError(f"syntax error: unexpected {_tokname(tok)}")

    def expect_word(self, value: str) -> None:
        self.skip_newlines()
        if not self.is_word(value):
            raise self.unexpected(value)
        self.pos += 1

    def parse(self) -> Seq:
        seq = self.seq(())
        if self.peek().kind != "eof":
            raise self.unexpected()
        return seq

    def seq(self, terminators: tuple[str, ...]) -> Seq:
        items: list[AndOr] = []
        while True:
            self.skip_newlines()
            if self.is_op(";", "&", ";;"):
                raise self.unexpected()
            if self.peek().kind == "eof" or self.is_op(")") or (
                    self.peek().kind == "word" and self.peek().word is not None
                    and self.peek().word.literal in terminators):  # type: ignore[union-attr]
                return Seq(items)
            items.append(self.and_or())
            if self.is_op(";", "&"):
                self.pos += 1
            elif self.peek().kind == "newline":
                continue
            else:
                self.skip_newlines()
                if not (self.peek().kind == "eof" or self.is_op(")") or self.is_word(*terminators)):
                    raise self.unexpected()

    def and_or(self) -> AndOr:
        first = self.pipeline()
        rest: list[tuple[str, Pipeline]] = []
        while self.is_op("&&", "||"):
            op = self.next().value
            self.skip_newlines()
            rest.append((op, self.pipeline()))
        return AndOr(first, rest)

    def pipeline(self) -> Pipeline:
        negate = False
        if self.is_word("!"):
            self.pos += 1
            negate = True
        cmds = [self.command()]
        while self.is_op("|"):
            self.pos += 1
            self.skip_newlines()
            cmds.append(self.command())
        return Pipeline(cmds, negate)

    def command(self) -> Node:
        tok = self.peek()
        if tok.kind == "word" and tok.word is not None:
            lit = tok.word.literal
            if lit == "for":
                return self.with_redirs(self.for_())
            if lit == "if":
                return self.with_redirs(self.if_())
            if lit in ("while", "until"):
                return self.with_redirs(self.while_())
            if lit == "{":
                self.pos += 1
                body = self.seq(("}",))
                self.expect_word("}")
                return self.with_redirs(Group(body, False))
            if lit in RESERVED - {"!"}:
                raise self.unexpected()
        if self.is_op("("):
            self.pos += 1
            body = self.seq(())
            if not self.is_op(")"):
                raise self.unexpected(")")
            self.pos += 1
            return self.with_redirs(Group(body, True))
        return self.simple()

    def with_redirs(self, node: For | If | While | Group) -> Node:
        while self.peek().kind == "redir":
            node.redirs.append(self.redir())
        return node

    def redir(self) -> Redir:
        tok = self.next()
        target = self.next()
        if target.kind != "word" or target.word is None:
            self.pos -= 1
            raise self.unexpected()
        if tok.value.startswith("<<"):
            return Redir(tok.value, tok.fd if tok.fd is not None else 0, tok.heredoc or Word([Part("lit", "", True)]))
        return Redir(tok.value, tok.fd if tok.fd is not None else 1, target.word)

    def simple(self) -> Simple:
        assigns: list[tuple[str, Word]] = []
        words: list[Word] = []
        redirs: list[Redir] = []
        while True:
            tok = self.peek()
            if tok.kind == "redir":
                redirs.append(self.redir())
            elif tok.kind == "word" and tok.word is not None:
                first = tok.word.parts[0] if tok.word.parts else None
                m = NAME.match(first.text) if first and first.kind == "lit" and not first.quoted else None
                if not words and m and first is not None and first.text[m.end():m.end() + 1] == "=":
                    value = Word([Part("lit", first.text[m.end() + 1:], False), *tok.word.parts[1:]])
                    assigns.append((m.group(0), value))
                else:
                    words.append(tok.word)
                self.pos += 1
            else:
                break
        if not (assigns or words or redirs):
            raise self.unexpected()
        return Simple(assigns, words, redirs)

    def for_(self) -> For:
        self.pos += 1
        tok = self.next()
        if tok.kind != "word" or tok.word is None or tok.word.literal is None or not NAME.fullmatch(tok.word.literal):
            self.pos -= 1
            raise ShellSyntaxError("syntax error: bad for loop variable")
        var = tok.word.literal
        words: list[Word] | None = None
        self.skip_newlines()
        if self.is_word("in"):
            self.pos += 1
            words = []
            while self.peek().kind == "word" and self.peek().word is not None:
                words.append(self.next().word)  # type: ignore[arg-type]
            if self.is_op(";"):
                self.pos += 1
            elif self.peek().kind != "newline":
                raise self.unexpected("do")
        elif self.is_op(";"):
            self.pos += 1
        self.expect_word("do")
        body = self.seq(("done",))
        self.expect_word("done")
        return For(var, words, body)

    def if_(self) -> If:
        clauses: list[tuple[Seq, Seq]] = []
        orelse: Seq | None = None
        self.pos += 1
        while True:
            cond = self.seq(("then",))
            self.expect_word("then")
            body = self.seq(("elif", "else", "fi"))
            clauses.append((cond, body))
            self.skip_newlines()
            if self.is_word("elif"):
                self.pos += 1
                continue
            if self.is_word("else"):
                self.pos += 1
                orelse = self.seq(("fi",))
            self.expect_word("fi")
            return If(clauses, orelse)

    def while_(self) -> While:
        until = self.next().word.literal == "until"  # type: ignore[union-attr]
        cond = self.seq(("do",))
        self.expect_word("do")
        body = self.seq(("done",))
        self.expect_word("done")
        return While(cond, body, until)


def parse(src: str, strict_heredoc: bool = False) -> Seq:
    """Parse a whole script."""
    return Parser(src, strict_heredoc).parse()


__all__ = ["AndOr", "For", "Group", "HeredocUnterminated", "If", "Node", "Part", "Pipeline", "Redir", "Seq", "ShellSyntaxError",
           "Simple", "While", "Word", "parse", "tokenize"]
