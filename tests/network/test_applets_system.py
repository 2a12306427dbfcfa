"""ps, uptime, env, printenv, which, clear, yes, the image's /bin, the busybox binary itself, and
Ctrl-C on ping: busybox 1.36.1's formats and texts, through the emulated shell in a fake pod."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timezone

import pytest

from pod_fakes import FakePod
from svclab.network.budget import Budget, Limits
from svclab.network.icmp import EchoReply
from svclab.network.interactive import program_on_terminal, shell_on_terminal
from svclab.network.podenv import ExecResult
from svclab.network.processes import EXEC_PID_GAP, ProcessTable, container_command
from svclab.network.session import Session, SessionIO
from svclab.network.shell import locate, run
from svclab.network.tools import BUSYBOX, EMULATED, image_files, tools_for_image
from svclab.network.tools.image import APPLETS, BUSYBOX_BIN, NOT_EMULATED_STATUS, applet_list_text
from svclab.network.tools.procps import format_time, uptime_line

IMAGE = "busybox:1.36.1"


def busybox_pod(**kw: object) -> FakePod:
    return FakePod(dns_server=("127.0.0.1", 9), files=image_files(IMAGE), **kw)  # type: ignore[arg-type]


def exec_sh(script: str, pod: FakePod | None = None, stdin: bytes = b"") -> ExecResult:
    """``kubectl exec POD -- sh -c SCRIPT``: the exec'd shell is a process of the pod, as the runtime
    registers it."""
    pod = pod or busybox_pod()
    argv = ["sh", "-c", script]

    async def go() -> ExecResult:
        with pod.processes.running(argv, gap=EXEC_PID_GAP):
            return await run(argv, pod, BUSYBOX, stdin=stdin)
    return asyncio.run(go())


def out(res: ExecResult) -> tuple[str, str, int]:
    return res.stdout.decode(), res.stderr.decode(), res.exit_code


# ------------------------------------------------------------------------------------------ ps
def test_ps_lists_the_container_command_the_exec_and_itself() -> None:
    assert out(exec_sh("ps")) == ("PID   USER     TIME  COMMAND\n"
                                  "    1 root      0:00 sleep 3600\n"
                                  "    7 root      0:00 sh -c ps\n"
                                  "    8 root      0:00 ps\n", "", 0)


def test_ps_shows_every_command_of_a_pipeline() -> None:
    res = exec_sh("ps | cat")
    assert res.stdout.decode().splitlines()[1:] == ["    1 root      0:00 sleep 3600",
                                                   "    7 root      0:00 sh -c ps | cat",
                                                   "    8 root      0:00 ps",
                                                   "    9 root      0:00 cat"]
    # the classic: grep finds itself too
    assert exec_sh("ps | grep sleep").stdout == (b"    1 root      0:00 sleep 3600\n"
                                                 b"    7 root      0:00 sh -c ps | grep sleep\n"
                                                 b"    9 root      0:00 grep sleep\n")


def test_ps_columns() -> None:
    res = exec_sh("ps -o pid,ppid,user,comm,stat,args")
    assert res.stdout.decode().splitlines() == [
        "PID   PPID  USER     COMMAND          STAT COMMAND",
        "    1     0 root     sleep            S    sleep 3600",
        "    7     0 root     sh               S    sh -c ps -o pid,ppid,user,comm,stat,args",
        "    8     7 root     ps               R    ps -o pid,ppid,user,comm,stat,args"]
    assert exec_sh("ps -o pid=").stdout == b"    1\n    7\n    8\n"          # no header when every one is empty
    assert exec_sh("ps -o user=WHO,vsz").stdout.decode().splitlines()[:2] == ["WHO VSZ", "roo -"]


def test_ps_errors() -> None:
    assert out(exec_sh("ps -o foo")) == (
        "", "ps: bad -o argument 'foo', supported arguments: user,group,comm,args,pid,ppid,pgid,etime,nice,rgroup,"
            "ruser,time,tty,vsz,sid,stat,rss\n", 1)
    res = exec_sh("ps -x")
    assert res.exit_code == 1 and res.stderr.startswith(b"ps: invalid option -- 'x'\nBusyBox v1.36.1")


def test_pids_are_handed_out_in_order_and_exits_free_them() -> None:
    table = ProcessTable(["sleep", "3600"])
    first = table.start(["sh"], gap=EXEC_PID_GAP)
    second = table.start(["ls"])
    assert (first.pid, second.pid, second.ppid) == (7, 8, 0)
    table.exit(second.pid)
    table.exit(1)   # the container's command stays as long as the container
    assert [p.pid for p in table.listing()] == [1, 7]
    assert table.start(["sh"], gap=EXEC_PID_GAP).pid == 14


@pytest.mark.parametrize("image, command, args, argv", [
    ("busybox:1.36.1", None, None, ["sh"]),
    ("busybox:1.36.1", ["sleep", "3600"], None, ["sleep", "3600"]),
    ("busybox", None, ["sleep", "10"], ["sleep", "10"]),
    ("registry.k8s.io/e2e-test-images/agnhost:2.52", None, ["netexec", "--http-port=8080"],
     ["/agnhost", "netexec", "--http-port=8080"]),
    ("registry.k8s.io/e2e-test-images/agnhost:2.52", None, None, ["/agnhost", "pause"]),
    ("curlimages/curl:8.8.0", ["sh"], ["-c", "x"], ["sh", "-c", "x"]),
])
def test_pid_1_is_the_containers_command(image: str, command: list[str] | None, args: list[str] | None,
                                         argv: list[str]) -> None:
    assert container_command(image, command, args) == argv


# -------------------------------------------------------------------------------------- uptime
@pytest.mark.parametrize("up, text", [
    (59, " 10:00:00 up 0 min,  0 users,  load average: 0.00, 0.10, 1.50\n"),
    (3900, " 10:00:00 up  1:05,  0 users,  load average: 0.00, 0.10, 1.50\n"),
    (86400 + 120, " 10:00:00 up 1 day, 2 min,  0 users,  load average: 0.00, 0.10, 1.50\n"),
    (3 * 86400 + 7200, " 10:00:00 up 3 days,  2:00,  0 users,  load average: 0.00, 0.10, 1.50\n"),
])
def test_uptime_format(up: int, text: str) -> None:
    assert uptime_line(datetime(2024, 5, 7, 10, 0, 0, tzinfo=timezone.utc), up, (0.0, 0.1, 1.5)) == text


def test_uptime_is_the_kernels() -> None:
    res = exec_sh("uptime; uptime -s")
    line, boot = res.stdout.decode().splitlines()
    assert re.fullmatch(r" \d\d:\d\d:\d\d up .+,  0 users,  load average: \d+\.\d\d, \d+\.\d\d, \d+\.\d\d", line)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", boot)
    assert format_time(59) == " 0:59" and format_time(3600) == " 1h00" and format_time(90000) == " 1d01"


# --------------------------------------------------------------------------------- environment
def test_env_prints_the_environment_the_kubelet_gave() -> None:
    pod = busybox_pod(env={"WEB_SERVICE_SERVICE_HOST": "10.96.100.50", "WEB_SERVICE_SERVICE_PORT": "80"})
    res = asyncio.run(run(["env"], pod, BUSYBOX))   # exec'd directly: what the container got
    assert res.stdout.decode().splitlines() == [
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=client", "HOME=/root",
        "WEB_SERVICE_SERVICE_HOST=10.96.100.50", "WEB_SERVICE_SERVICE_PORT=80"]
    # through ash: it exports SHLVL and PWD too
    assert sorted(exec_sh("env", pod).stdout.decode().splitlines()) == sorted(
        res.stdout.decode().splitlines() + ["SHLVL=1", "PWD=/"])
    assert exec_sh("env | grep SERVICE_HOST", pod).stdout == b"WEB_SERVICE_SERVICE_HOST=10.96.100.50\n"
    assert exec_sh("printenv WEB_SERVICE_SERVICE_PORT NOPE", pod).stdout == b"80\n"
    assert exec_sh("printenv WEB_SERVICE_SERVICE_PORT NOPE", pod).exit_code == 1


def test_env_changes_the_environment_and_runs_a_program() -> None:
    assert out(exec_sh("env -i A=1 B=2")) == ("A=1\nB=2\n", "", 0)
    assert exec_sh("env -0 -i A=1").stdout == b"A=1\0"
    assert exec_sh("env -u HOME | grep -c HOME").stdout == b"0\n"
    assert out(exec_sh("env -i GREETING=hi sh -c 'echo $GREETING; env'")) == ("hi\nGREETING=hi\nSHLVL=1\nPWD=/\n", "", 0)
    assert out(exec_sh("env nosuch")) == ("", "env: can't execute 'nosuch': No such file or directory\n", 127)
    assert exec_sh("env dig example").exit_code == 127   # the busybox image has no dig
    res = exec_sh("env -u")
    assert res.exit_code == 1 and res.stderr.startswith(b"env: option requires an argument -- 'u'\nBusyBox")


def test_which_looks_in_path() -> None:
    assert out(exec_sh("which ping nc sh")) == ("/bin/ping\n/bin/nc\n/bin/sh\n", "", 0)
    assert out(exec_sh("which env")) == ("/usr/bin/env\n", "", 0)        # the image links /usr/bin/env
    assert out(exec_sh("which -a env")) == ("/usr/bin/env\n/bin/env\n", "", 0)
    assert out(exec_sh("which nosuch dig; echo $?")) == ("1\n", "", 0)
    assert out(exec_sh("which /bin/ls /tmp/x")) == ("/bin/ls\n", "", 1)
    assert exec_sh("touch /tmp/x; which /tmp/x").exit_code == 1             # created 0644: not executable
    assert "Usage: which [-a] COMMAND...\n" in exec_sh("which").stderr.decode()


def test_clear_and_yes() -> None:
    assert exec_sh("clear").stdout == b"\x1b[H\x1b[J"
    assert exec_sh("yes | head -n 2; yes a b | head -n 1").stdout == b"y\ny\na b\n"


# ------------------------------------------------------------------------------------ /bin
def test_bin_lists_every_applet_of_the_image() -> None:
    assert out(exec_sh("ls /bin | wc -l")) == ("405\n", "", 0)
    assert exec_sh("ls /bin | head -n 4").stdout == b"[\n[[\nacpid\nadd-shell\n"
    assert exec_sh("ls /usr/bin").stdout == b"env\n"
    assert len(BUSYBOX_BIN) == 405 and len(APPLETS) == 403 and {"busybox", "getconf"} <= set(BUSYBOX_BIN)
    assert set(BUSYBOX) == set(BUSYBOX_BIN) - {"sh", "ash"}
    assert set(tools_for_image(IMAGE)) == set(BUSYBOX)


def test_an_applet_svclab_does_not_emulate_says_so() -> None:
    assert out(exec_sh("vi /etc/hosts; echo $?")) == (
        f"{NOT_EMULATED_STATUS}\n",
        "vi: applet not emulated by svclab's embedded cluster (busybox 1.36.1 has it: run it on kind)\n", 0)
    assert out(exec_sh("getconf PATH")) == (
        "", "getconf: applet not emulated by svclab's embedded cluster (busybox 1.36.1 has it: run it on kind)\n", 126)
    assert out(exec_sh("nosuch")) == ("", "sh: nosuch: not found\n", 127)   # not in the image at all


def test_the_busybox_binary() -> None:
    assert exec_sh("busybox").stdout == applet_list_text().encode()
    assert exec_sh("busybox | head -n 1").stdout == b"BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n"
    assert exec_sh("busybox | tail -n 1").stdout == b"\tzcip\n"
    assert out(exec_sh("busybox --list | wc -l")) == ("403\n", "", 0)
    assert exec_sh("busybox --list-full | grep -E '/(awk|ping|ip)$'").stdout == b"usr/bin/awk\nsbin/ip\nbin/ping\n"
    assert out(exec_sh("busybox echo hi")) == ("hi\n", "", 0)
    assert out(exec_sh("busybox nosuch")) == ("", "nosuch: applet not found\n", 127)


@pytest.mark.parametrize("applet", ["ping", "nc", "ip", "ps", "env", "printenv", "which", "tr", "sed", "awk", "cut",
                                    "gzip", "gunzip", "zcat", "uptime", "clear", "yes", "ipaddr", "iproute"])
def test_help_shows_the_usage_and_exits_0(applet: str) -> None:
    res = exec_sh(f"{applet} --help")
    assert res.exit_code == 0 and res.stdout == b""
    assert res.stderr.startswith(b"BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: "
                                 + applet.encode())


def test_every_emulated_applet_is_in_the_image() -> None:
    assert set(EMULATED) <= set(BUSYBOX_BIN)


# -------------------------------------------------------------------------- ping and Ctrl-C
class PacedPod(FakePod):
    """A pod whose clock really waits (a hundredth of what it is asked)."""

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        await asyncio.sleep(seconds / 100)


def paced_pod() -> PacedPod:
    pod = PacedPod(dns_server=("127.0.0.1", 9), files=image_files(IMAGE))
    pod.icmp["10.244.1.5"] = EchoReply("10.244.1.5", 63, 0.101)
    return pod


async def screen_until(session: Session, screen: bytearray, text: bytes) -> None:
    while text not in screen:
        item = await asyncio.wait_for(session.output.get(), 10)
        assert item is not None, bytes(screen)
        screen.extend(item[1])


def test_ctrl_c_on_ping_in_an_interactive_shell_prints_the_statistics() -> None:
    async def owner() -> bytes:
        pod = paced_pod()

        async def main(io: SessionIO) -> int:
            return await shell_on_terminal(["sh"], pod, BUSYBOX, io)

        session = Session("tty", main, Budget(Limits().interactive()), tty=True)
        session.start()
        screen = bytearray()
        await screen_until(session, screen, b"/ # ")
        session.send(b"ping 10.244.1.5; echo after $?\r")
        await screen_until(session, screen, b"seq=2 ")
        session.send(b"\x03")
        await screen_until(session, screen, b"after 0\r\n/ # ")
        session.send(b"exit\r")
        assert await session.wait() == 0
        return bytes(screen)

    screen = asyncio.run(owner()).decode()
    # the tty echoes ^C; ping catches SIGINT, prints its statistics and exits 0; the line goes on
    assert re.search(r"time=0\.101 ms\r\n\^C\r\n--- 10\.244\.1\.5 ping statistics ---\r\n"
                     r"(\d+) packets transmitted, \1 packets received, 0% packet loss\r\n"
                     r"round-trip min/avg/max = 0\.101/0\.101/0\.101 ms\r\nafter 0\r\n/ # ", screen), screen


def test_ctrl_c_on_ping_run_with_a_tty() -> None:
    async def owner() -> tuple[bytes, int]:
        pod = paced_pod()
        program = locate(["ping", "10.244.1.5"], pod, BUSYBOX)
        assert not isinstance(program, str)

        async def main(io: SessionIO) -> int:
            return await program_on_terminal(program, pod, BUSYBOX, io)

        session = Session("tty", main, Budget(Limits().interactive()), tty=True)
        session.start()
        screen = bytearray()
        await screen_until(session, screen, b"seq=1 ")
        session.send(b"\x03")
        code = await session.wait()
        while (item := await session.output.get()) is not None:
            screen.extend(item[1])
        return bytes(screen), code

    screen, code = asyncio.run(owner())
    assert code == 0 and b"^C\r\n--- 10.244.1.5 ping statistics ---\r\n" in screen


def test_a_killed_ping_dies_without_statistics() -> None:
    async def owner() -> tuple[bytes, int]:
        pod = paced_pod()
        program = locate(["ping", "10.96.0.1"], pod, BUSYBOX)
        assert not isinstance(program, str)

        async def main(io: SessionIO) -> int:
            from svclab.network.shell import start_program
            return await start_program(program, pod, BUSYBOX, io.budget, io.stdin(), io.stdout, io.stderr)

        session = Session("exec", main, Budget())
        session.start()
        screen = bytearray()
        await screen_until(session, screen, b"56 data bytes\n")
        await asyncio.sleep(0.05)
        session.kill()   # the client went away
        return bytes(screen), await session.wait()

    screen, code = asyncio.run(owner())
    assert code == 137 and b"statistics" not in screen
