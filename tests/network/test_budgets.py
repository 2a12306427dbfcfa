"""Issue 10, bounded exec: pipelines stream through bounded pipes, every process has CPU, memory and
output budgets, and a process stopped by one says so on stderr and exits non-zero. Reproduced with
the commands that broke the old toolbox: `seq 1 inf`, `seq 1 15000000 | wc -l`, `$((1<<100000))`."""

from __future__ import annotations

import asyncio

import pytest

from pod_fakes import FakePod
from svclab.network.budget import KIB, MIB, Budget, Limits
from svclab.network.podenv import ExecResult, PodFS, standard_files
from svclab.network.shell import run
from svclab.network.tools import BUSYBOX
from svclab.network.tools.base import Invocation

SMALL = Limits(cpu_seconds=0.5, memory_bytes=256 * KIB, output_bytes=512 * KIB)


def pod() -> FakePod:
    return FakePod(dns_server=("127.0.0.1", 9))


def sh(script: str, limits: Limits | None = None, env: FakePod | None = None, budget: Budget | None = None,
       stdin: bytes = b"") -> ExecResult:
    return asyncio.run(run(["sh", "-c", script], env or pod(), stdin=stdin, limits=limits, budget=budget))


# ---------------------------------------------------------------------------------- streaming
def test_seq_inf_into_head_ends_at_once() -> None:
    budget = Budget(SMALL)
    res = sh("seq 1 inf | head -3; echo status $?", budget=budget)
    assert (res.stdout, res.stderr, res.exit_code) == (b"1\n2\n3\nstatus 0\n", b"", 0)
    assert budget.killed is None and budget.cpu_used() < SMALL.cpu_seconds   # ended by SIGPIPE, not the budget


def test_seq_inf_into_wc_runs_in_constant_memory_until_its_cpu_budget_ends_it() -> None:
    budget = Budget(SMALL)
    res = sh("seq 1 inf | wc -l", budget=budget)
    assert (res.stdout, res.stderr, res.exit_code) == (b"", b"CPU time limit exceeded\n", 152)
    assert budget.cpu_used() >= SMALL.cpu_seconds
    # the pipe never held more than its capacity plus one write of seq's
    assert 0 < budget.peak_pipe_bytes <= SMALL.pipe_bytes + 128 * KIB


def test_seq_15000000_into_wc_counts_within_the_default_budget() -> None:
    res = sh("seq 1 15000000 | wc -l")
    assert (res.stdout, res.stderr, res.exit_code) == (b"15000000\n", b"", 0)


def test_a_writer_whose_reader_is_gone_dies_of_sigpipe() -> None:
    # echo is an ash builtin: the subshell running the loop dies with it; seq is a child process
    assert sh("while true; do echo y; done | head -2").stdout == b"y\ny\n"
    res = sh("{ seq 1 inf; echo after $? >&2; } | head -1", SMALL)
    assert (res.stdout, res.stderr, res.exit_code) == (b"1\n", b"after 141\n", 0)
    assert sh("seq 1 inf | head -1 | wc -l", SMALL).stdout == b"1\n"


def test_stdin_streams_to_the_command() -> None:
    assert sh("wc -l", stdin=b"a\nb\nc\n").stdout == b"3\n"
    assert sh("head -n 2 | tail -n 1", stdin=b"".join(b"%d\n" % i for i in range(100000))).stdout == b"1\n"
    res = sh("head -n 1 /dev/zero", SMALL)   # one endless line: more than a tool may hold
    assert (res.stdout, res.stderr, res.exit_code) == (b"", b"head: out of memory\n", 1)


# ------------------------------------------------------------------------------------- CPU
def test_cpu_budget_counts_work_not_waiting() -> None:
    env = pod()
    budget = Budget(Limits(cpu_seconds=0.2))
    res = sh("sleep 3600; echo slept", env=env, budget=budget)   # FakePod.sleep returns at once
    assert (res.stdout, res.exit_code) == (b"slept\n", 0) and env.slept == [3600.0]
    res = sh("while true; do :; done", Limits(cpu_seconds=0.2))
    assert (res.stderr, res.exit_code) == (b"CPU time limit exceeded\n", 152)


def test_direct_exec_past_its_cpu_budget() -> None:
    res = asyncio.run(run(["seq", "1", "inf"], pod(), limits=Limits(cpu_seconds=0.2, output_bytes=None)))
    assert res.exit_code == 152 and res.stderr == b"CPU time limit exceeded\n"


def test_interactive_limits_have_no_cpu_or_output_budget() -> None:
    assert (SMALL.interactive().cpu_seconds, SMALL.interactive().output_bytes) == (None, None)
    assert SMALL.interactive().memory_bytes == SMALL.memory_bytes


# ---------------------------------------------------------------------------------- output
def test_output_past_its_budget_is_sigxfsz() -> None:
    res = asyncio.run(run(["seq", "1", "inf"], pod(), limits=Limits(cpu_seconds=30, output_bytes=64 * KIB)))
    assert res.exit_code == 153 and res.stderr == b"File size limit exceeded\n"
    assert len(res.stdout) == 64 * KIB and res.stdout.startswith(b"1\n2\n3\n")


def test_a_full_filesystem_is_enospc() -> None:
    env = pod()
    env.fs = PodFS(standard_files("client", "10.244.1.9", "default"), capacity=256 * KIB)
    res = sh("seq 1 inf > /tmp/big; echo $?; echo more >> /tmp/big", SMALL, env)
    assert res.stdout == b"1\n"
    assert res.stderr == b"seq: write error: No space left on device\necho: write error: No space left on device\n"
    assert env.fs.used <= 256 * KIB


# ---------------------------------------------------------------------------------- memory
def test_memory_budget_bounds_what_the_shell_holds() -> None:
    res = sh("x=$(seq 1 100000); echo never", SMALL)
    assert (res.stdout, res.stderr, res.exit_code) == (b"", b"sh: out of memory\n", 2)
    res = sh("seq 1 100000 | sort -n | tail -n 1; echo $?", SMALL)
    assert (res.stdout, res.stderr) == (b"0\n", b"sort: out of memory\n")
    res = sh("x=aaaaaaaa; while true; do x=$x$x; done", SMALL)
    assert (res.stderr, res.exit_code) == (b"sh: out of memory\n", 2)


def test_here_documents_and_arithmetic_count_too() -> None:
    big = "x" * (300 * KIB)
    res = sh(f"cat <<EOF | wc -c\n{big}\nEOF\necho $?", SMALL)
    assert (res.stderr, res.exit_code) == (b"sh: out of memory\n", 2)
    res = sh(f"echo $(( {'1+' * (150 * KIB)}1 ))", SMALL)
    assert (res.stderr, res.exit_code) == (b"sh: out of memory\n", 2)


def test_exec_arguments_are_bounded_like_execve() -> None:
    res = sh("wget $(seq 1 400000); echo $?")   # 2.6 MB of arguments: over ARG_MAX
    assert res.stderr == b"sh: wget: Argument list too long\n" and res.stdout == b"126\n"
    res = sh('x=$(seq 1 30000); wget "$x"; echo $?')   # one argument of 168 KB: over MAX_ARG_STRLEN
    assert res.stderr == b"sh: wget: Argument list too long\n" and res.stdout == b"126\n"
    # echo is an ash builtin: no execve, no limit
    assert sh("echo $(seq 1 400000) | wc -c").stdout == b"2688895\n"


# ---------------------------------------------------------------------------- nothing lost
def test_a_failing_tool_says_so() -> None:
    async def broken(inv: Invocation) -> int:
        raise ValueError("bad input")

    res = asyncio.run(run(["sh", "-c", "broken; echo $?"], pod(), {**BUSYBOX, "broken": broken}))
    assert res.stdout == b"1\n"
    assert res.stderr == b"broken: ValueError: bad input (svclab internal error)\n"


def test_deep_nesting_is_a_crash_not_a_hang() -> None:
    res = sh("echo " + "$(echo " * 600 + "x" + ")" * 600)
    assert res.exit_code in (0, 139)
    if res.exit_code == 139:
        assert res.stderr.endswith(b"Segmentation fault\n")


# -------------------------------------------------------------------------- busybox arithmetic
@pytest.mark.parametrize(("expr", "printed"), [
    ("1<<100000", "4294967296"),                 # the shift count is taken modulo 64, as the CPU does
    ("1<<63", "-9223372036854775808"),
    ("9223372036854775807 + 1", "-9223372036854775808"),
    ("2**64", "0"),
    ("3**40", "-6289078614652622815"),
    ("-9223372036854775807 - 1", "-9223372036854775808"),
    ("(-9223372036854775807 - 1) / -1", "-9223372036854775808"),
    ("-7 / 2", "-3"), ("-7 % 3", "-1"), ("7 % -3", "1"),
    ("99999999999999999999", "0"),               # ERANGE from strtoull: 0, "bash compat"
    ("18446744073709551615", "-1"),
    ("0x10 + 010 + 2#101", "29"),
    ("-1 >> 70", "-1"),
    ("1 ? 2 : 3", "2"), ("0 || 0", "0"), ("!5", "0"), ("~0", "-1"),
    ("x = 5, y = x * 2, y", "10"),
])
def test_arithmetic_is_busybox_64_bit(expr: str, printed: str) -> None:
    res = sh(f"echo $(({expr}))")
    assert (res.stdout, res.stderr, res.exit_code) == (f"{printed}\n".encode(), b"", 0)


def test_arithmetic_variables_and_errors() -> None:
    assert sh("a=b; b=c; c=6; echo $((a * 7)) $((u + 1))").stdout == b"42 1\n"
    assert sh("x=5; echo $((x+=2)) $x $((x++)) $x $((--x))").stdout == b"7 7 7 8 7\n"
    for expr, message in (("1/0", "divide by zero"), ("2**-1", "exponent less than 0"), ("1 +", "arithmetic syntax error"),
                          ("08", "arithmetic syntax error"), ("a", "expression recursion loop detected")):
        res = sh(f"a=a; echo $(({expr})); echo not reached")
        assert (res.stdout, res.stderr, res.exit_code) == (b"", f"sh: {message}\n".encode(), 2), expr


# ------------------------------------------------------------------------------ here-documents
def test_here_documents() -> None:
    env = pod()
    env.env["NAME"] = "web"
    script = "cat <<EOF\nhello $NAME $((1+2))\n\\$HOME\nEOF\ncat <<'RAW'\n$NAME\nRAW\ncat <<-T | wc -l\n\tone\n\ttwo\n\tT\n"
    res = sh(script, env=env)
    assert (res.stdout, res.stderr, res.exit_code) == (b"hello web 3\n$HOME\n$NAME\n2\n", b"", 0)
