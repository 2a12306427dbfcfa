"""Option parsing as busybox's getopt32() does it on glibc (the busybox image is built on glibc).

glibc's getopt permutes: options may come after operands (``ping web -c 1``) unless the option
string starts with ``+`` (then the first operand ends the options, as for ``env`` and ``nc -e``);
``--`` always ends them. Its messages, on stderr before busybox shows the usage:

- ``APPLET: invalid option -- 'x'``
- ``APPLET: option requires an argument -- 'x'``
- ``APPLET: unrecognized option '--name'``
"""

from __future__ import annotations

from svclab.network import messages
from svclab.network.streams import Reader
from svclab.network.tools.base import Invocation


class GetoptError(Exception):
    """A bad command line: ``str(self)`` is the message (may be empty); ``usage`` says whether
    busybox then shows the applet's usage (bb_show_usage) or just exits 1."""

    def __init__(self, message: str, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


Options = dict[str, list[str]]


def getopt(applet: str, args: list[str], spec: str, longs: dict[str, str] | None = None
           ) -> tuple[Options, list[str]]:
    """Parse ARGS against SPEC (``"ab:c::"``: b takes an argument, c one glued to it). ``longs`` maps a long name to
    its short letter (with ``=`` after the name when it takes an argument: ``{"unset=": "u"}``).
    Returns every option's values in order (``""`` for a flag) and the operands."""
    posix = spec.startswith("+")
    spec = spec.lstrip("+")
    takes = {spec[i] for i in range(len(spec) - 1) if spec[i + 1] == ":" and spec[i] != ":"}
    optional = {spec[i] for i in range(len(spec) - 2) if spec[i + 1:i + 3] == "::" and spec[i] != ":"}
    letters = {c for c in spec if c != ":"}
    long_names = longs or {}
    opts: Options = {}
    operands: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            operands.extend(args[i:])
            break
        if arg.startswith("--"):   # getopt32 always calls getopt_long
            name, eq, value = arg[2:].partition("=")
            matches = [k for k in long_names if k.rstrip("=") == name] or \
                [k for k in long_names if k.rstrip("=").startswith(name)]
            if len(matches) != 1:
                raise GetoptError(messages.UNRECOGNIZED_OPTION.format(applet=applet, opt=arg), usage=True)
            key = matches[0]
            letter = long_names[key]
            if key.endswith("="):
                if not eq:
                    if i >= len(args):
                        raise GetoptError(f"{applet}: option '--{key.rstrip('=')}' requires an argument", usage=True)
                    value = args[i]
                    i += 1
                opts.setdefault(letter, []).append(value)
            else:
                opts.setdefault(letter, []).append(value if eq else "")
            continue
        if arg.startswith("-") and len(arg) > 1:
            j = 1
            while j < len(arg):
                c = arg[j]
                if c not in letters:
                    raise GetoptError(messages.INVALID_OPTION.format(applet=applet, opt=c), usage=True)
                if c in optional:   # "x::": an argument only when glued to the option
                    opts.setdefault(c, []).append(arg[j + 1:])
                    break
                if c in takes:
                    value = arg[j + 1:]
                    if not value:
                        if i >= len(args):
                            raise GetoptError(messages.OPTION_REQUIRES_ARG.format(applet=applet, opt=c), usage=True)
                        value = args[i]
                        i += 1
                    opts.setdefault(c, []).append(value)
                    break
                opts.setdefault(c, []).append("")
                j += 1
            continue
        operands.append(arg)
        if posix:
            operands.extend(args[i:])
            break
    return opts, operands


def bad_command_line(inv: Invocation, error: GetoptError, usage: str) -> int:
    """What busybox does with a GetoptError: the message, then the usage when it calls for it."""
    if str(error):
        inv.errln(str(error))
    return inv.usage(usage) if error.usage else 1


def open_or_warn(inv: Invocation, path: str) -> Reader | None:
    """fopen_or_warn_stdin(): an input file, or None after ``APPLET: PATH: strerror`` (the
    message cut, sed and awk print; cat's is ``can't open 'PATH'``)."""
    from svclab.network.tools.textutils import open_input

    if path not in ("-", "/dev/stdin", "/dev/null", "/dev/zero"):
        fs = inv.env.fs
        full = fs.norm(path, inv.cwd)
        if not fs.exists(full):
            inv.errln(f"{inv.name}: {path}: No such file or directory")
            return None
    return open_input(inv, path)
