"""Sessions: every exec runs on its own thread and loop; its owner streams its input and output
through bounded channels, can interrupt or kill it, and reaches the cluster only through the bridge."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time

import pytest

from pod_fakes import FakePod
from svclab.network.budget import MIB, Budget, Limits
from svclab.network.interactive import shell_on_terminal
from svclab.network.session import OUTPUT_WINDOW, LoopBridge, Session, SessionIO, SessionPool, SessionRefused
from svclab.network.shell import Program, locate, start_program
from svclab.network.streams import Writer
from svclab.network.tools import BUSYBOX


def program(argv: list[str]) -> tuple[Program, FakePod]:
    env = FakePod(dns_server=("127.0.0.1", 9))
    found = locate(argv, env, BUSYBOX)
    assert isinstance(found, Program)
    return found, env


def command(argv: list[str], limits: Limits = Limits()) -> Session:
    found, env = program(argv)

    async def main(io: SessionIO) -> int:
        return await start_program(found, env, BUSYBOX, io.budget, io.stdin(), io.stdout, io.stderr)

    session = Session("test", main, Budget(limits))
    session.start()
    return session


async def collect(session: Session) -> tuple[bytes, bytes, int]:
    out, err = bytearray(), bytearray()
    while (item := await session.output.get()) is not None:
        (out if item[0] == 1 else err).extend(item[1])
    return bytes(out), bytes(err), await session.wait()


def test_a_session_runs_on_its_own_thread_and_loop() -> None:
    seen: list[tuple[int, asyncio.AbstractEventLoop]] = []

    async def main(io: SessionIO) -> int:
        seen.append((threading.get_ident(), asyncio.get_running_loop()))
        return 7

    async def owner() -> int:
        session = Session("t", main, Budget())
        session.start()
        code = await session.wait()
        assert seen and seen[0][0] != threading.get_ident() and seen[0][1] is not asyncio.get_running_loop()
        return code

    assert asyncio.run(owner()) == 7


def test_output_waits_for_a_slow_reader() -> None:
    async def owner() -> tuple[int, int, int]:
        session = command(["seq", "1", "3000000"], Limits(output_bytes=None))   # about 21 MB
        peak = 0
        total = 0
        while (item := await session.output.get()) is not None:
            peak = max(peak, session.output.queued)
            total += len(item[1])
            await asyncio.sleep(0.001)   # a slow client
        return peak, total, await session.wait()

    peak, total, code = asyncio.run(owner())
    assert code == 0 and total == len(b"\n".join(b"%d" % i for i in range(1, 3000001))) + 1
    assert peak <= OUTPUT_WINDOW + 128 * 1024


def test_stdin_streams_in_and_ends_with_close() -> None:
    async def owner() -> tuple[bytes, bytes, int]:
        session = command(["wc", "-l"])
        for _ in range(1000):
            await session.send_and_wait(b"line\n" * 100)
        session.close_input()
        return await collect(session)

    assert asyncio.run(owner()) == (b"100000\n", b"", 0)


def test_kill_and_interrupt_end_a_waiting_process() -> None:
    async def owner(signal: str) -> int:
        session = command(["cat"])   # waits for stdin forever
        await asyncio.sleep(0.05)
        assert session.running
        getattr(session, signal)()
        code = await session.wait()
        session.join()
        assert not session.running
        return code

    assert asyncio.run(owner("kill")) == 137
    assert asyncio.run(owner("interrupt")) == 130


def test_a_cpu_bound_session_is_stopped_by_its_budget() -> None:
    async def owner() -> tuple[bytes, bytes, int]:
        return await collect(command(["sh", "-c", "while true; do :; done"], Limits(cpu_seconds=0.2)))

    assert asyncio.run(owner()) == (b"", b"CPU time limit exceeded\n", 152)


def test_the_pool_caps_sessions() -> None:
    async def owner() -> None:
        pool = SessionPool(2)

        async def idle(io: SessionIO) -> int:
            await asyncio.sleep(3600)
            return 0

        sessions = [pool.start("a", idle, Budget()), pool.start("b", idle, Budget())]
        with pytest.raises(SessionRefused):
            pool.start("c", idle, Budget())
        assert len(pool) == 2
        pool.kill_all()
        assert [await s.wait() for s in sessions] == [137, 137] and len(pool) == 0
        pool.start("d", idle, Budget()).kill()

    asyncio.run(owner())


def test_the_bridge_runs_calls_on_the_owner_loop() -> None:
    async def owner() -> int:
        loop = asyncio.get_running_loop()
        bridge = LoopBridge(loop)

        async def on_owner(x: int) -> int:
            assert asyncio.get_running_loop() is loop
            return x * 2

        async def main(io: SessionIO) -> int:
            return await bridge.call(on_owner, 21)

        session = Session("bridge", main, Budget(Limits(memory_bytes=MIB)))
        session.start()
        return await session.wait()

    assert asyncio.run(owner()) == 42


def terminal_session(limits: Limits = Limits()) -> Session:
    env = FakePod(dns_server=("127.0.0.1", 9))

    async def main(io: SessionIO) -> int:
        return await shell_on_terminal(["sh"], env, BUSYBOX, io)

    session = Session("tty", main, Budget(limits.interactive()), tty=True)
    session.start()
    return session


async def screen_until(session: Session, screen: bytearray, text: bytes) -> None:
    while text not in screen:
        item = await asyncio.wait_for(session.output.get(), 10)
        assert item is not None, bytes(screen)
        screen.extend(item[1])


def test_ctrl_c_typed_with_the_line_interrupts_its_command() -> None:
    async def owner() -> bytes:
        session = terminal_session()
        screen = bytearray()
        await screen_until(session, screen, b"/ # ")
        session.send(b"while true; do :; done\r\x03")   # one read of the terminal: Enter, then Ctrl-C
        await screen_until(session, screen, b"^C\r\n/ # ")
        session.send(b"echo $?\r")
        await screen_until(session, screen, b"130\r\n/ # ")
        session.send(b"exit 0\r")
        assert await session.wait() == 0
        while (item := await session.output.get()) is not None:
            screen.extend(item[1])
        return bytes(screen)

    assert asyncio.run(owner()) == b"/ # while true; do :; done\r\n^C\r\n/ # echo $?\r\n130\r\n/ # exit 0\r\n"


def test_keys_typed_while_a_command_runs_wait_in_a_bounded_buffer() -> None:
    async def owner() -> bytes:
        session = terminal_session(Limits(tty_input_bytes=16))
        screen = bytearray()
        await screen_until(session, screen, b"/ # ")
        session.send(b"while true; do :; done\r")
        await screen_until(session, screen, b"done\r\n")
        session.send(b"echo typed-ahead-and-cut\r" * 1000)   # 25 kB while nobody reads
        await asyncio.sleep(0.2)
        session.send(b"\x03")
        await screen_until(session, screen, b"^C\r\n/ # ")
        session.send(b"exit 3\r")
        assert await session.wait() == 3
        return bytes(screen)

    screen = asyncio.run(owner())
    assert b"typed-ahead" not in screen   # Ctrl-C flushes what was typed ahead


def test_many_writers_wait_for_room_together() -> None:
    async def main(io: SessionIO) -> int:
        async def write(writer: Writer, mark: bytes) -> None:
            for _ in range(32):   # 2 MB in all, far past the channel's window
                await writer.write(mark * 65536)

        await asyncio.gather(write(io.stdout, b"a"), write(io.stderr, b"b"), write(io.stdout, b"c"))
        return 0

    async def owner() -> tuple[int, int, int]:
        session = Session("writers", main, Budget(Limits(output_bytes=None)))
        session.start()
        out, err, code = await asyncio.wait_for(collect(session), 30)
        return len(out), len(err), code

    assert asyncio.run(owner()) == (2 * 32 * 65536, 32 * 65536, 0)


def test_a_pool_runs_its_next_sessions_on_a_kept_thread_that_keeps_nothing_of_the_last() -> None:
    """A finished session's thread and loop run the pool's next session when it left nothing on the loop; each
    session still starts from a fresh context and its own CPU clock, and kill_all ends the kept threads."""
    marker: contextvars.ContextVar[str] = contextvars.ContextVar("marker", default="fresh")
    seen: list[tuple[int, asyncio.AbstractEventLoop, str, float]] = []

    async def main(io: SessionIO) -> int:
        seen.append((threading.get_ident(), asyncio.get_running_loop(), marker.get(), io.budget.cpu_used()))
        marker.set("set by a session")
        deadline = time.thread_time() + 0.05
        while time.thread_time() < deadline:   # some CPU, counted against this session only
            pass
        return 0

    async def owner() -> None:
        pool = SessionPool(4)
        for _ in range(3):
            session = pool.start("s", main, Budget())
            assert await session.wait() == 0
            session.join()
        assert len({ident for ident, *_ in seen}) == 1 and len({id(loop) for _, loop, *_ in seen}) == 1
        assert [m for _, _, m, _ in seen] == ["fresh"] * 3 and all(cpu < 0.04 for *_, cpu in seen)
        kept = next(t for t in threading.enumerate() if t.ident == seen[0][0])
        pool.kill_all()
        kept.join(5)
        assert not kept.is_alive()

    asyncio.run(owner())


def test_a_session_that_leaves_work_on_its_loop_takes_the_loop_and_its_thread_with_it() -> None:
    """What a session leaves running (a task it started, a timer) never runs into the next session: that loop is
    closed with the session, as a thread per session's always was, and the next session gets a new thread."""
    ran_later: list[str] = []

    async def leaves_a_task(io: SessionIO) -> int:
        async def later() -> None:
            await asyncio.sleep(0.2)
            ran_later.append("task")
        asyncio.get_running_loop().create_task(later())
        return 0

    async def leaves_a_timer(io: SessionIO) -> int:
        asyncio.get_running_loop().call_later(0.2, ran_later.append, "timer")
        return 0

    async def quick(io: SessionIO) -> int:
        await asyncio.sleep(0.5)   # long enough for anything left behind to have run, were it on this loop
        return threading.get_ident()

    async def owner() -> None:
        pool = SessionPool(4)
        for leaves in (leaves_a_task, leaves_a_timer):
            first = pool.start("leaves", leaves, Budget())
            assert await first.wait() == 0
            first.join()
            assert first._loop is not None and first._loop.is_closed()
            second = pool.start("next", quick, Budget())
            await second.wait()
            assert second._loop is not first._loop and not second._loop.is_closed()
        assert ran_later == []
        pool.kill_all()

    asyncio.run(owner())
