"""Reading a busybox 1.36.1 awk program (editors/awk.c) into a tree svclab.network.tools.awkrun runs.

The language is POSIX awk with busybox's extensions: patterns (expressions, ``/re/``, ranges),
``BEGIN``/``END``, functions, the statements (``if while do for for-in break continue next nextfile
exit return delete getline print printf``), ``print``/``printf`` redirected with ``>``, ``>>`` and
``|``, and the expression grammar with its usual traps (``/`` as division or regex, ``>`` in
``print``, concatenation by juxtaposition, ``cmd | getline``). A program busybox would refuse stops
with its message, ``awk: cmd. line:N: Unexpected token`` and the like (svclab.network.messages).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from svclab.network.tools.awklex import EMSG_UNEXP_TOKEN, MIN_ARGS, AwkError, Token, tokenize

# ------------------------------------------------------------------------------------------ tree
@dataclass
class Node:
    kind: str
    args: list[Any] = field(default_factory=list)
    line: int = 1


@dataclass
class Function:
    name: str
    params: list[str]
    body: Node


@dataclass
class Rule:
    pattern: Node | None       # None: every record
    end_pattern: Node | None   # a range's second pattern
    action: Node | None        # None: print $0
    in_range: bool = False


@dataclass
class Program:
    begin: list[Node] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    end: list[Node] = field(default_factory=list)
    functions: dict[str, Function] = field(default_factory=dict)


LVALUES = {"var", "field", "index"}
CONCAT_START_KINDS = {"num", "str", "ere", "name", "func", "builtin"}
CONCAT_START_OPS = {"$", "!", "(", "-", "+", "++", "--"}


class Parser:
    def __init__(self, src: str) -> None:
        self.tokens = tokenize(src)
        self.pos = 0
        self.loops = 0
        self.in_function = False
        self.no_gt = 0     # inside print's argument list: ">" redirects
        self.no_in = 0     # in "for (x in a)" heads

    # ---- token helpers ---------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def is_op(self, *ops: str) -> bool:
        return self.tok.kind == "op" and self.tok.value in ops

    def is_kw(self, *words: str) -> bool:
        return self.tok.kind == "kw" and self.tok.value in words

    def advance(self) -> Token:
        token = self.tok
        self.pos += 1
        return token

    def error(self) -> AwkError:
        return AwkError(EMSG_UNEXP_TOKEN, self.tok.line)

    def expect_op(self, op: str) -> Token:
        if not self.is_op(op):
            raise self.error()
        return self.advance()

    def newlines(self) -> None:
        while self.tok.kind == "nl":
            self.advance()

    def terminators(self) -> None:
        while self.tok.kind == "nl" or self.is_op(";"):
            self.advance()

    # ---- program ---------------------------------------------------------------------------------
    def program(self) -> Program:
        prog = Program()
        self.terminators()
        while self.tok.kind != "eof":
            if self.is_kw("BEGIN"):
                self.advance()
                prog.begin.append(self.block())
            elif self.is_kw("END"):
                self.advance()
                prog.end.append(self.block())
            elif self.is_kw("function"):
                self.function(prog)
            else:
                pattern = end = None
                if not self.is_op("{"):
                    pattern = self.expr()
                    if self.is_op(","):
                        self.advance()
                        self.newlines()
                        end = self.expr()
                action = self.block() if self.is_op("{") else None
                prog.rules.append(Rule(pattern, end, action))
            self.terminators()
        return prog

    def function(self, prog: Program) -> None:
        self.advance()
        if self.tok.kind not in ("name", "func"):
            raise self.error()
        name = self.advance().value
        if name in prog.functions:
            raise AwkError("Duplicate function", self.tok.line)
        self.expect_op("(")
        params: list[str] = []
        while not self.is_op(")"):
            if self.tok.kind != "name":
                raise self.error()
            params.append(self.advance().value)
            if self.is_op(","):
                self.advance()
                self.newlines()
        self.advance()
        self.newlines()
        self.in_function = True
        prog.functions[name] = Function(name, params, self.block())
        self.in_function = False

    def block(self) -> Node:
        line = self.tok.line
        self.expect_op("{")
        body: list[Node] = []
        self.terminators()
        while not self.is_op("}"):
            if self.tok.kind == "eof":
                raise self.error()
            body.append(self.statement())
            self.terminators()
        self.advance()
        return Node("block", body, line)

    # ---- statements ------------------------------------------------------------------------------
    def simple_end(self) -> None:
        """A simple statement ends at ';', a newline, or before '}'."""
        if self.is_op(";") or self.tok.kind == "nl":
            self.advance()
        elif not self.is_op("}") and self.tok.kind != "eof":
            raise self.error()

    def body_statement(self) -> Node:
        """The statement of if/while/for: after optional newlines; ';' alone is empty."""
        self.newlines()
        if self.is_op(";"):
            line = self.advance().line
            return Node("block", [], line)
        return self.statement()

    def statement(self) -> Node:
        tok = self.tok
        line = tok.line
        if self.is_op("{"):
            return self.block()
        if self.is_op(";"):
            self.advance()
            return Node("block", [], line)
        if tok.kind == "kw":
            word = tok.value
            if word == "if":
                self.advance()
                self.expect_op("(")
                cond = self.expr()
                self.expect_op(")")
                then = self.body_statement()
                save = self.pos
                self.terminators()
                if self.is_kw("else"):
                    self.advance()
                    return Node("if", [cond, then, self.body_statement()], line)
                self.pos = save
                return Node("if", [cond, then, None], line)
            if word == "while":
                self.advance()
                self.expect_op("(")
                cond = self.expr()
                self.expect_op(")")
                if self.is_op(";"):   # "while (cond);"
                    self.advance()
                    return Node("while", [cond, Node("block", [], line)], line)
                self.loops += 1
                body = self.body_statement()
                self.loops -= 1
                return Node("while", [cond, body], line)
            if word == "do":
                self.advance()
                self.loops += 1
                body = self.body_statement()
                self.loops -= 1
                self.terminators()
                if not self.is_kw("while"):
                    raise self.error()
                self.advance()
                self.expect_op("(")
                cond = self.expr()
                self.expect_op(")")
                self.simple_end()
                return Node("do", [body, cond], line)
            if word == "for":
                return self.for_statement()
            if word in ("break", "continue"):
                self.advance()
                if not self.loops:
                    raise AwkError(f"'{word}' not in a loop", line)
                self.simple_end()
                return Node(word, [], line)
            if word in ("next", "nextfile"):
                self.advance()
                self.simple_end()
                return Node(word, [], line)
            if word in ("exit", "return"):
                self.advance()
                value = None
                if not (self.is_op(";", "}") or self.tok.kind in ("nl", "eof")):
                    value = self.expr()
                self.simple_end()
                return Node(word, [value], line)
            if word == "delete":
                self.advance()
                if self.tok.kind != "name":
                    raise self.error()
                name = self.advance().value
                subscript = None
                if self.is_op("["):
                    self.advance()
                    subscript = self.expr_list("]")
                self.simple_end()
                return Node("delete", [name, subscript], line)
            if word in ("print", "printf"):
                node = self.print_statement()
                self.simple_end()
                return node
        node = self.expr()
        self.simple_end()
        return Node("expr", [node], line)

    def for_statement(self) -> Node:
        line = self.advance().line
        self.expect_op("(")
        if self.tok.kind == "name" and self.peek().kind == "kw" and self.peek().value == "in" \
                and self.peek(2).kind == "name" and self.peek(3).kind == "op" and self.peek(3).value == ")":
            var = self.advance().value
            self.advance()
            array = self.advance().value
            self.advance()
            self.loops += 1
            body = self.body_statement()
            self.loops -= 1
            return Node("forin", [var, array, body], line)
        init = None if self.is_op(";") else self.simple_or_expr()
        self.expect_op(";")
        self.newlines()
        cond = None if self.is_op(";") else self.expr()
        self.expect_op(";")
        self.newlines()
        step = None if self.is_op(")") else self.simple_or_expr()
        self.expect_op(")")
        if self.is_op(";"):
            self.advance()
            return Node("for", [init, cond, step, Node("block", [], line)], line)
        self.loops += 1
        body = self.body_statement()
        self.loops -= 1
        return Node("for", [init, cond, step, body], line)

    def simple_or_expr(self) -> Node:
        return self.expr()

    def print_statement(self) -> Node:
        tok = self.advance()
        args: list[Node] = []
        self.no_gt += 1
        try:
            if not (self.is_op(";", "}", ">", ">>", "|") or self.tok.kind in ("nl", "eof")):
                first = self.expr()
                if first.kind == "grouping":
                    args = list(first.args)
                else:
                    args = [first]
                while self.is_op(","):
                    self.advance()
                    self.newlines()
                    args.append(self.expr())
        finally:
            self.no_gt -= 1
        redirect = None
        if self.is_op(">", ">>", "|"):
            mode = self.advance().value
            target = self.concatenation(no_pipe=True)
            redirect = (mode, target)
        if tok.value == "printf" and not args:
            raise AwkError("Too few arguments", tok.line)
        return Node(tok.value, [args, redirect], tok.line)

    # ---- expressions -----------------------------------------------------------------------------
    def expr_list(self, closing: str) -> list[Node]:
        items = [self.expr()]
        while self.is_op(","):
            self.advance()
            self.newlines()
            items.append(self.expr())
        self.expect_op(closing)
        return items

    def expr(self) -> Node:
        return self.ternary()

    def ternary(self) -> Node:
        cond = self.or_expr()
        if self.is_op("?"):
            line = self.advance().line
            self.newlines()
            yes = self.ternary()
            self.newlines()
            self.expect_op(":")
            self.newlines()
            no = self.ternary()
            return Node("cond", [cond, yes, no], line)
        if self.tok.kind == "op" and self.tok.value in ("=", "+=", "-=", "*=", "/=", "%=", "^=", "**="):
            if cond.kind not in LVALUES:
                raise self.error()
            op = self.advance()
            self.newlines()
            value = self.ternary()
            return Node("assign", [op.value.replace("**", "^"), cond, value], op.line)
        return cond

    def or_expr(self) -> Node:
        left = self.and_expr()
        while self.is_op("||"):
            line = self.advance().line
            self.newlines()
            left = Node("or", [left, self.and_expr()], line)
        return left

    def and_expr(self) -> Node:
        left = self.in_expr()
        while self.is_op("&&"):
            line = self.advance().line
            self.newlines()
            left = Node("and", [left, self.in_expr()], line)
        return left

    def in_expr(self) -> Node:
        left = self.match_expr()
        while self.is_kw("in") and not self.no_in:
            line = self.advance().line
            if self.tok.kind != "name":
                raise self.error()
            array = self.advance().value
            keys = list(left.args) if left.kind == "grouping" else [left]
            left = Node("in", [keys, array], line)
        return left

    def match_expr(self) -> Node:
        left = self.comparison()
        while self.is_op("~", "!~"):
            op = self.advance()
            right = self.comparison()
            left = Node("match", [op.value == "!~", left, right], op.line)
        return left

    def comparison(self) -> Node:
        left = self.concatenation()
        ops = ("<", "<=", "!=", "==", ">=") if self.no_gt else ("<", "<=", "!=", "==", ">", ">=")
        while self.tok.kind == "op" and self.tok.value in ops:
            op = self.advance()
            right = self.concatenation()
            left = Node("compare", [op.value, left, right], op.line)
        return left

    def concatenation(self, no_pipe: bool = False) -> Node:
        left = self.additive()
        while True:
            tok = self.tok
            if not no_pipe and self.is_op("|") and self.peek().kind == "kw" and self.peek().value == "getline":
                line = self.advance().line
                self.advance()
                target = self.getline_target()
                left = Node("getline", ["cmd", left, target], line)
                continue
            starts = tok.kind in CONCAT_START_KINDS or (tok.kind == "op" and tok.value in CONCAT_START_OPS)
            if not starts or (tok.kind == "op" and tok.value in ("-", "+")):
                return left
            if tok.kind == "kw":
                return left
            right = self.additive()
            left = Node("concat", [left, right], tok.line)

    def additive(self) -> Node:
        left = self.multiplicative()
        while self.is_op("+", "-"):
            op = self.advance()
            left = Node("binary", [op.value, left, self.multiplicative()], op.line)
        return left

    def multiplicative(self) -> Node:
        left = self.unary()
        while self.is_op("*", "/", "%"):
            op = self.advance()
            left = Node("binary", [op.value, left, self.unary()], op.line)
        return left

    def unary(self) -> Node:
        if self.is_op("!"):
            line = self.advance().line
            return Node("not", [self.unary()], line)
        if self.is_op("-", "+"):
            op = self.advance()
            return Node("negate" if op.value == "-" else "plus", [self.unary()], op.line)
        return self.power()

    def power(self) -> Node:
        """^ and **: left associative in busybox (2^3^2 is 64), the exponent may be negated."""
        base = self.postfix()
        while self.is_op("^", "**"):
            line = self.advance().line
            base = Node("binary", ["^", base, self.exponent()], line)
        return base

    def exponent(self) -> Node:
        if self.is_op("-", "+"):
            op = self.advance()
            return Node("negate" if op.value == "-" else "plus", [self.exponent()], op.line)
        if self.is_op("!"):
            line = self.advance().line
            return Node("not", [self.exponent()], line)
        return self.postfix()

    def postfix(self) -> Node:
        if self.is_op("++", "--"):
            op = self.advance()
            target = self.postfix()
            if target.kind not in LVALUES:
                raise self.error()
            return Node("preincr", [1 if op.value == "++" else -1, target], op.line)
        node = self.primary()
        if node.kind in LVALUES and self.is_op("++", "--"):
            op = self.advance()
            return Node("postincr", [1 if op.value == "++" else -1, node], op.line)
        return node

    def getline_target(self) -> Node | None:
        if self.is_op("$") or self.tok.kind == "name":
            return self.primary()
        return None

    def primary(self) -> Node:
        tok = self.tok
        line = tok.line
        if tok.kind == "num":
            self.advance()
            return Node("num", [tok.value], line)
        if tok.kind == "str":
            self.advance()
            return Node("str", [tok.value], line)
        if tok.kind == "ere":
            self.advance()
            return Node("regex", [tok.value], line)
        if self.is_op("$"):
            self.advance()
            if self.is_op("++", "--"):
                return Node("field", [self.postfix()], line)
            return Node("field", [self.primary()], line)
        if self.is_op("("):
            self.advance()
            saved, self.no_gt = self.no_gt, 0
            saved_in, self.no_in = self.no_in, 0
            try:
                items = self.expr_list(")")
            finally:
                self.no_gt, self.no_in = saved, saved_in
            if len(items) > 1:
                return Node("grouping", items, line)
            return Node("group", [items[0]], line)
        if tok.kind == "name":
            self.advance()
            if self.is_op("["):
                self.advance()
                return Node("index", [tok.value, self.expr_list("]")], line)
            return Node("var", [tok.value], line)
        if tok.kind == "func":
            self.advance()
            self.expect_op("(")
            return Node("call", [tok.value, self.arguments()], line)
        if tok.kind == "builtin":
            self.advance()
            name = tok.value
            if name == "length" and not self.is_op("("):
                return Node("builtin", [name, []], line)
            self.expect_op("(")
            args = self.arguments()
            if len(args) < MIN_ARGS.get(name, 0):
                raise AwkError("Too few arguments", line)
            return Node("builtin", [name, args], line)
        if self.is_kw("getline"):
            self.advance()
            target = self.getline_target()
            if self.is_op("<"):
                self.advance()
                source = self.primary_no_concat()
                return Node("getline", ["file", source, target], line)
            return Node("getline", ["main", None, target], line)
        if self.is_op("-", "+", "!"):
            return self.unary()
        raise self.error()

    def arguments(self) -> list[Node]:
        """A call's arguments, after its "(" (and its ")")."""
        if self.is_op(")"):
            self.advance()
            return []
        return self.expr_list(")")

    def primary_no_concat(self) -> Node:
        """The file of ``getline < FILE``: one primary (``getline < "a" "b"`` reads "a")."""
        return self.postfix()


def parse(src: str) -> Program:
    return Parser(src).program()
