"""`kubectl exec` into an emulated pod: direct exec, busybox ash's `sh -c`, and the file tools."""

from __future__ import annotations

import asyncio

import pytest

from pod_fakes import FakePod
from svclab.network import messages
from svclab.network.podenv import ExecResult, FSError, PodFS
from svclab.network.shell import run
from svclab.network.tools import BUSYBOX, tools_for_image


def sh(script: str, pod: FakePod | None = None, argv0: str = "sh") -> ExecResult:
    pod = pod or FakePod(dns_server=("127.0.0.1", 9))
    return asyncio.run(run([argv0, "-c", script], pod))


def out(script: str, pod: FakePod | None = None) -> str:
    res = sh(script, pod)
    assert res.stderr == b"", res.stderr
    return res.stdout.decode()


# ------------------------------------------------------------------------- missing commands
def test_direct_exec_of_a_missing_binary_is_a_runtime_error() -> None:
    pod = FakePod(dns_server=("127.0.0.1", 9))
    res = asyncio.run(run(["bash"], pod))
    assert res.runtime_error is not None and res.stdout == res.stderr == b""
    assert res.runtime_error.startswith("Internal error occurred: error executing command in container: "
                                        "failed to exec in container: failed to start exec \"")
    assert res.runtime_error.endswith('OCI runtime exec failed: exec failed: unable to start container process: '
                                      'exec: "bash": executable file not found in $PATH: unknown')
    assert res.exit_code == 126
    res = asyncio.run(run(["/bin/bash", "-c", "echo"], pod))
    assert res.runtime_error is not None
    assert res.runtime_error.endswith('exec: "/bin/bash": stat /bin/bash: no such file or directory: unknown')


def test_exec_id_is_64_hex_and_stable() -> None:
    text = messages.runtime_not_found("ps", "default", "web-0", ["ps"])
    exec_id = text.split('failed to start exec "')[1].split('"')[0]
    assert len(exec_id) == 64 and int(exec_id, 16) >= 0
    assert text == messages.runtime_not_found("ps", "default", "web-0", ["ps"])


def test_unknown_command_inside_sh() -> None:
    res = sh("foo")
    assert (res.stdout, res.stderr, res.exit_code) == (b"", b"sh: foo: not found\n", 127)
    res = sh("foo", argv0="/bin/sh")
    assert res.stderr == b"/bin/sh: foo: not found\n"
    assert sh("foo; echo $?").stdout == b"127\n"


def test_image_tool_sets() -> None:
    pod = FakePod(dns_server=("127.0.0.1", 9))
    tools = tools_for_image("busybox:1.36.1")
    assert "dig" not in tools and "nslookup" in tools and tools == BUSYBOX
    res = asyncio.run(run(["dig", "x"], pod, tools))
    assert res.runtime_error is not None and 'exec: "dig"' in res.runtime_error
    res = asyncio.run(run(["sh", "-c", "dig x"], pod, tools))
    assert res.stderr == b"sh: dig: not found\n" and res.exit_code == 127
    assert "dig" in tools_for_image("registry.k8s.io/e2e-test-images/agnhost:2.53")


# ------------------------------------------------------------------------------ sh -c basics
def test_quotes_and_variables() -> None:
    pod = FakePod(dns_server=("127.0.0.1", 9), hostname="web-0", env={"GREETING": "hi there"})
    assert out("echo 'a  b' \"c  $HOSTNAME\" d\\ e ${HOSTNAME}x", pod) == "a  b c  web-0 d e web-0x\n"
    assert out('echo $GREETING; echo "$GREETING"; echo -n no-newline', pod) == "hi there\nhi there\nno-newline"
    assert out('x=1; y="$x 2"; echo "[$y]" [$unset] "[$unset]"', pod) == "[1 2] [] []\n"
    assert out("echo ${missing:-default} ${#HOSTNAME}", pod) == "default 5\n"


def test_status_and_lists() -> None:
    assert out("false; echo $?; true && echo yes || echo no; false && echo yes || echo no") == "1\nyes\nno\n"
    assert sh("exit 3").exit_code == 3
    assert sh("false").exit_code == 1
    assert sh("! false").exit_code == 0
    assert out("echo a; echo b\necho c") == "a\nb\nc\n"


def test_for_while_if_and_arithmetic() -> None:
    assert out("for i in 0 1 2; do echo \"n$i\"; done") == "n0\nn1\nn2\n"
    assert out("for i in $(seq 1 3); do echo $((i * 2)); done") == "2\n4\n6\n"
    assert out("i=0; while [ $i -lt 3 ]; do echo $i; i=$((i+1)); done") == "0\n1\n2\n"
    assert out("if [ -f /etc/hostname ]; then echo file; else echo none; fi") == "file\n"
    assert out("if test -d /nope; then echo d; elif [ 1 -eq 1 ]; then echo elif; fi") == "elif\n"
    assert out("for i in 1 2 3 4; do [ $i = 3 ] && break; echo $i; done") == "1\n2\n"


def test_command_substitution_and_env() -> None:
    pod = FakePod(dns_server=("127.0.0.1", 9), hostname="web-1")
    assert out('echo "I am $(hostname)"; echo `echo back`', pod) == "I am web-1\nback\n"
    assert out("FOO=bar env | grep FOO; export X=1; env | grep '^X='", pod) == "FOO=bar\nX=1\n"


def test_syntax_errors() -> None:
    res = sh("for i in 1 2; do echo $i")
    assert res.stderr == b'sh: syntax error: unexpected end of file (expecting "done")\n'
    assert res.exit_code == 2 and res.stdout == b""
    res = sh("echo 'unterminated")
    assert res.stderr == b"sh: syntax error: unterminated quoted string\n" and res.exit_code == 2
    res = sh("done")
    assert res.stderr == b'sh: syntax error: unexpected "done"\n'


# ---------------------------------------------------------------------------- redirections
def test_redirections_and_pipes() -> None:
    pod = FakePod(dns_server=("127.0.0.1", 9))
    assert out("echo one > /tmp/f; echo two >> /tmp/f; cat /tmp/f", pod) == "one\ntwo\n"
    assert pod.fs.read("/tmp/f") == b"one\ntwo\n"
    assert out("cat /nope 2>&1; cat /nope 2>/dev/null; echo $?", pod) == \
        "cat: can't open '/nope': No such file or directory\n1\n"
    res = sh("echo x > /no/dir/f; echo $?", pod)
    assert res.stderr == b"sh: can't create /no/dir/f: nonexistent directory\n" and res.stdout == b"1\n"
    assert out("printf 'b\\na\\nb\\n' | sort | uniq -c", pod) == "      1 a\n      2 b\n"
    assert out("seq 1 10 | grep -c 1; echo hello | wc -l", pod) == "2\n1\n"
    assert out("for i in 1 2; do echo $i; done > /tmp/loop; cat < /tmp/loop | tail -n 1", pod) == "2\n"


# ---------------------------------------------------------------------------- file tools
def test_touch_makes_a_readiness_file() -> None:
    pod = FakePod(dns_server=("127.0.0.1", 9))
    res = asyncio.run(run(["touch", "/tmp/ready"], pod))
    assert res.exit_code == 0 and pod.fs.exists("/tmp/ready")
    assert out("ls /tmp; rm /tmp/ready; ls /tmp; [ -e /tmp/ready ] || echo gone", pod) == "ready\ngone\n"
    res = sh("rm /tmp/ready", pod)
    assert res.stderr == b"rm: can't remove '/tmp/ready': No such file or directory\n" and res.exit_code == 1
    assert sh("rm -f /tmp/ready", pod).exit_code == 0
    res = sh("touch /missing/x", pod)
    assert res.stderr == b"touch: /missing/x: No such file or directory\n" and res.exit_code == 1


def test_hostname_cat_and_direct_tools() -> None:
    pod = FakePod(dns_server=("127.0.0.1", 9), hostname="mysql-0", ip="10.244.1.5")
    assert asyncio.run(run(["hostname"], pod)).stdout == b"mysql-0\n"
    assert asyncio.run(run(["cat", "/etc/hostname"], pod)).stdout == b"mysql-0\n"
    assert asyncio.run(run(["hostname", "-i"], pod)).stdout == b"10.244.1.5\n"
    res = asyncio.run(run(["cat", "/etc/resolv.conf"], pod))
    assert res.stdout.startswith(b"search default.svc.cluster.local svc.cluster.local cluster.local\n")
    res = asyncio.run(run(["/bin/echo", "hi"], pod))
    assert res.stdout == b"hi\n"


def test_sleep_uses_the_pod_clock() -> None:
    pod = FakePod(dns_server=("127.0.0.1", 9))
    assert sh("sleep 2; sleep 1.5", pod).exit_code == 0
    assert pod.slept == [2.0, 1.5]
    assert sh("sleep x", pod).stderr == b"sleep: invalid number 'x'\n"


def test_sleep_infinity_sleeps_until_killed_as_busybox_does() -> None:
    """coreutils/sleep.c: 'GNU sleep accepts "inf", "INF", "infinity" and "INFINITY"' (the lessons' client pods run `sleep infinity`)."""
    async def go(word: str) -> list[float]:
        pod = FakePod(dns_server=("127.0.0.1", 9))
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(run(["sleep", word], pod), 0.2)
        return pod.slept
    for word in ("infinity", "INF", "inf"):
        assert asyncio.run(go(word))  # it slept, and never returned


def test_infinite_loop_yields_to_the_event_loop() -> None:
    async def go() -> None:
        pod = FakePod(dns_server=("127.0.0.1", 9))
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(run(["sh", "-c", "while true; do :; done"], pod), 0.2)
    asyncio.run(go())


def test_podfs_errors() -> None:
    fs = PodFS({"/etc/hosts": b""})
    with pytest.raises(FSError) as e:
        fs.read("/nope")
    assert e.value.strerror == "No such file or directory"
    with pytest.raises(FSError) as e:
        fs.write("/proc/x", b"")
    assert e.value.strerror == "Read-only file system"
    fs.write("/tmp/a", b"1")
    assert fs.listdir("/tmp") == ["a"] and fs.read_text("/gone", default="") == ""
