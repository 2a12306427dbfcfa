"""The Corefile's syntax: coredns/caddy's caddyfile lexer, parser and token dispenser.

Copied from github.com/coredns/caddy (the version CoreDNS v1.13.1 pins) caddyfile/lexer.go,
parse.go and dispenser.go: tokens split on whitespace, `"` quotes with `\\"` escapes, `#`
comments to the end of the line; server blocks of keys then `{ directives }`; a directive the
server type does not know is "Unknown directive". Error texts are the same strings, prefixed
with the file name as CoreDNS gives it (`-conf /etc/coredns/Corefile`).

Not copied: `import` (there are no files to import beside the Corefile in the ConfigMap, so an
import names a file that is not found, as in a CoreDNS pod whose ConfigMap has one key) and
`{$ENV}` substitution (CoreDNS's environment in kind has none the Corefile could use; a
reference is replaced by the empty string, as os.Getenv gives for an unset variable).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

COREFILE_PATH = "/etc/coredns/Corefile"
MAX_COREFILE_BYTES = 1 << 20  # a ConfigMap holds at most 1 MiB


class CaddyfileError(Exception):
    """A parse or setup error, with CoreDNS's text."""


@dataclass(frozen=True)
class Token:
    file: str
    line: int
    text: str


@dataclass
class ServerBlock:
    keys: list[str]
    tokens: dict[str, list[Token]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)  # directives in order of first appearance


_ENV = re.compile(r"\{\$[^}]*\}|\{%[^%]*%\}")


def _replace_env(s: str) -> str:
    """replaceEnvVars with an empty environment."""
    return _ENV.sub("", s) if "{" in s else s


def tokens(text: str, filename: str = COREFILE_PATH) -> list[Token]:
    """allTokens: lexer.next() until the input ends (a leading byte order mark is dropped)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    out: list[Token] = []
    pos, n, line = 0, len(text), 1
    while True:
        val: list[str] = []
        comment = quoted = escaped = False
        token_line = line
        made = False
        while True:
            if pos >= n:
                made = bool(val)
                break
            ch = text[pos]
            pos += 1
            if quoted:
                if not escaped:
                    if ch == "\\":
                        escaped = True
                        continue
                    if ch == '"':
                        made = True
                        break
                if ch == "\n":
                    line += 1
                if escaped and ch != '"':
                    val.append("\\")
                val.append(ch)
                escaped = False
                continue
            if ch.isspace():
                if ch == "\r":
                    continue
                if ch == "\n":
                    line += 1
                    comment = False
                if val:
                    made = True
                    break
                continue
            if ch == "#":
                comment = True
            if comment:
                continue
            if not val:
                token_line = line
                if ch == '"':
                    quoted = True
                    continue
            val.append(ch)
        if not made:
            return out
        out.append(Token(filename, token_line, "".join(val)))


class Dispenser:
    """caddyfile.Dispenser: a cursor over tokens, with the error helpers plugins use."""

    def __init__(self, filename: str, toks: list[Token]) -> None:
        self.filename = filename
        self.tokens = toks
        self.cursor = -1
        self.nesting = 0

    def next(self) -> bool:
        if self.cursor < len(self.tokens) - 1:
            self.cursor += 1
            return True
        return False

    def _line_breaks(self, idx: int) -> int:
        if idx < 0 or idx >= len(self.tokens):
            return 0
        return self.tokens[idx].text.count("\n")

    def next_arg(self) -> bool:
        if self.cursor < 0:
            self.cursor += 1
            return True
        if self.cursor >= len(self.tokens):
            return False
        if (
            self.cursor < len(self.tokens) - 1
            and self.tokens[self.cursor].file == self.tokens[self.cursor + 1].file
            and self.tokens[self.cursor].line + self._line_breaks(self.cursor) == self.tokens[self.cursor + 1].line
        ):
            self.cursor += 1
            return True
        return False

    def next_block(self) -> bool:
        if self.nesting > 0:
            if not self.next():
                return False
            if self.val() == "}":
                self.nesting -= 1
                return False
            return True
        if not self.next_arg():
            return False
        if self.val() != "{":
            self.cursor -= 1
            return False
        if not self.next():
            return False
        if self.val() == "}":
            return False
        self.nesting += 1
        return True

    def val(self) -> str:
        if self.cursor < 0 or self.cursor >= len(self.tokens):
            return ""
        return self.tokens[self.cursor].text

    def line(self) -> int:
        if self.cursor < 0 or self.cursor >= len(self.tokens):
            return 0
        return self.tokens[self.cursor].line

    def file(self) -> str:
        if self.cursor < 0 or self.cursor >= len(self.tokens):
            return self.filename
        return self.tokens[self.cursor].file or self.filename

    def remaining_args(self) -> list[str]:
        args: list[str] = []
        while self.next_arg():
            if self.val() == "{":
                self.cursor -= 1
                break
            args.append(self.val())
        return args

    def is_new_line(self) -> bool:
        if self.cursor < 1:
            return True
        if self.cursor > len(self.tokens) - 1:
            return False
        prev, cur = self.tokens[self.cursor - 1], self.tokens[self.cursor]
        return prev.file != cur.file or prev.line + self._line_breaks(self.cursor - 1) < cur.line

    # ---- errors (dispenser.go) ------------------------------------------------------------------
    def err(self, msg: str) -> CaddyfileError:
        return CaddyfileError(f"{self.file()}:{self.line()} - Error during parsing: {msg}")

    def arg_err(self) -> CaddyfileError:
        if self.val() == "{":
            return self.err("Unexpected token '{', expecting argument")
        return self.err(f"Wrong argument count or unexpected line ending after '{self.val()}'")

    def syntax_err(self, expected: str) -> CaddyfileError:
        return CaddyfileError(
            f"{self.file()}:{self.line()} - Syntax error: Unexpected token '{self.val()}', expecting '{expected}'"
        )

    def eof_err(self) -> CaddyfileError:
        return self.err("Unexpected EOF")


class _Parser(Dispenser):
    def __init__(self, filename: str, toks: list[Token], valid: frozenset[str]) -> None:
        super().__init__(filename, toks)
        self.valid = valid
        self.block = ServerBlock([])
        self.eof = False
        self.snippets: dict[str, list[Token]] = {}

    def parse_all(self) -> list[ServerBlock]:
        blocks: list[ServerBlock] = []
        while self.next():
            self.block = ServerBlock([])
            self._begin()
            if self.block.keys:
                blocks.append(self.block)
        return blocks

    def _begin(self) -> None:
        if not self.tokens:
            return
        self._addresses()
        if self.eof:
            return
        keys = self.block.keys
        if len(keys) == 1 and keys[0].startswith("(") and keys[0].endswith(")"):
            name = keys[0][1:-1]
            if name in self.snippets:
                raise self.err(f"redeclaration of previously declared snippet {name}")
            self.snippets[name] = self._snippet_tokens()
            self.block.keys = []
            return
        self._block_contents()

    def _addresses(self) -> None:
        expecting_another = False
        while True:
            tkn = _replace_env(self.val())
            if tkn == "import" and self.is_new_line():
                self._do_import()
                continue
            if tkn == "{":
                if expecting_another:
                    raise self.err(f"Expected another address but had '{tkn}' - check for extra comma")
                break
            if tkn != "":
                if tkn.endswith(","):
                    tkn = tkn[:-1]
                    expecting_another = True
                else:
                    expecting_another = False
                self.block.keys.append(tkn)
            has_next = self.next()
            if expecting_another and not has_next:
                raise self.eof_err()
            if not has_next:
                self.eof = True
                break
            if not expecting_another and self.is_new_line():
                break

    def _block_contents(self) -> None:
        open_brace = self.val() == "{"
        if not open_brace:
            self.cursor -= 1  # single-server configs don't need curly braces
        self._directives()
        if open_brace and self.val() != "}":
            raise self.syntax_err("}")

    def _directives(self) -> None:
        while self.next():
            if self.val() == "}":
                break
            if self.val() == "import":
                self._do_import()
                self.cursor -= 1
                continue
            self._directive()

    def _directive(self) -> None:
        name = _replace_env(self.val())
        nesting = 0
        if name not in self.valid:
            raise self.err(f"Unknown directive '{name}'")
        if name not in self.block.tokens:
            self.block.order.append(name)
        bucket = self.block.tokens.setdefault(name, [])
        bucket.append(self.tokens[self.cursor])
        while self.next():
            if self.val() == "{":
                nesting += 1
            elif self.is_new_line() and nesting == 0:
                self.cursor -= 1
                break
            elif self.val() == "}" and nesting > 0:
                nesting -= 1
            elif self.val() == "}" and nesting == 0:
                raise self.err("Unexpected '}' because no matching opening brace")
            elif self.val() == "import" and self.is_new_line():
                self._do_import()
                self.cursor -= 1
                continue
            tok = self.tokens[self.cursor]
            bucket.append(Token(tok.file, tok.line, _replace_env(tok.text)))
        if nesting > 0:
            raise self.eof_err()

    def _do_import(self) -> None:
        if not self.next_arg():
            raise self.arg_err()
        pattern = _replace_env(self.val())
        if pattern == "":
            raise self.err("Import requires a non-empty filepath")
        if self.next_arg():
            raise self.err("Import takes only one argument (glob pattern or file)")
        before, after = self.tokens[: self.cursor - 1], self.tokens[self.cursor + 1 :]
        if pattern in self.snippets:
            imported = self.snippets[pattern]
        elif any(c in pattern for c in "*?["):
            imported = []  # "[WARNING] No files matching import glob pattern": nothing beside the Corefile
        else:
            raise self.err(f"File to import not found: {pattern}")
        self.tokens = [*before, *imported, *after]
        self.cursor -= 1

    def _snippet_tokens(self) -> list[Token]:
        if self.val() != "{":
            raise self.syntax_err("{")
        count = 1
        out: list[Token] = []
        while self.next():
            if self.val() == "}":
                count -= 1
                if count == 0:
                    break
            if self.val() == "{":
                count += 1
            out.append(self.tokens[self.cursor])
        if count != 0:
            raise self.syntax_err("}")
        return out


def parse(text: str, valid_directives: frozenset[str] | None, filename: str = COREFILE_PATH) -> list[ServerBlock]:
    """caddyfile.Parse: server blocks with their keys and each directive's tokens."""
    if len(text.encode()) > MAX_COREFILE_BYTES:
        raise CaddyfileError(f"{filename}: Corefile larger than {MAX_COREFILE_BYTES} bytes")
    valid = valid_directives if valid_directives is not None else _AnyDirective()
    return _Parser(filename, tokens(text, filename), valid).parse_all()  # type: ignore[arg-type]


class _AnyDirective(frozenset[str]):
    def __contains__(self, item: object) -> bool:
        return True
