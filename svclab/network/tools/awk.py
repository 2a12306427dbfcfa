"""busybox 1.36.1 ``awk`` (editors/awk.c): ``awk [-v VAR=VAL] [-F SEP] [-f FILE | -e PROG | PROG] [FILE]...``.

The program is parsed by svclab.network.tools.awkparse and run by svclab.network.tools.awkrun.
Errors are busybox's: ``awk: cmd. line:1: Unexpected token`` (or the -f file's name for PROGNAME),
exit 1. Operands of the form ``name=value`` are assignments made when awk reaches them.
"""

from __future__ import annotations

from svclab.network.streams import read_all
from svclab.network.tools.awklex import AwkError, unescape
from svclab.network.tools.awkparse import parse
from svclab.network.tools.awkrun import Interpreter
from svclab.network.tools.awkstreams import latin1
from svclab.network.tools.base import Invocation
from svclab.network.tools.getopt import GetoptError, bad_command_line, getopt
from svclab.network.tools.textutils import open_input
from svclab.network.tools.usages import AWK_USAGE


def _program_text(text: str) -> str:
    """argv is text; awk works on bytes (as latin-1), so é stays two bytes as in busybox."""
    return latin1(text.encode("utf-8", "surrogateescape"))


async def awk(inv: Invocation) -> int:
    try:
        opts, operands = getopt(inv.name, inv.args, "F:v:f:e:W:")
    except GetoptError as e:
        return bad_command_line(inv, e, AWK_USAGE)
    progname = "cmd. line"
    sources: list[str] = []
    for name in opts.get("f", []):
        reader = open_input(inv, name)
        if reader is None:
            return 1
        sources.append(latin1(await read_all(reader, inv.budget)))
        progname = name
    sources += [_program_text(e) for e in opts.get("e", [])]
    if not sources:
        if not operands:
            return inv.usage(AWK_USAGE)
        sources.append(_program_text(operands.pop(0)))
    assigns = [_program_text(v) for v in opts.get("v", [])]
    try:
        program = parse("\n".join(sources))
        interp = Interpreter(inv, program, [_program_text(o) for o in operands], [], progname)
        for assign in assigns:
            if not interp.assign_operand(assign):
                raise AwkError(f"bad -v assignment '{assign}'" if "=" not in assign else "Unexpected token")
        if "F" in opts:
            interp.set("FS", unescape(_program_text(opts["F"][-1])))
        return await interp.run()
    except AwkError as e:
        message = str(e)
        if e.line == 0 or message.startswith(("can't open", "bad regex")):
            inv.errln(f"awk: {message}")
        else:
            inv.errln(f"awk: {progname}:{e.line}: {message}")
        return 1
