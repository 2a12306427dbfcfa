"""`python -m svclab.cluster.daemon`: one embedded cluster as a background process (what `svclab up` starts).

The daemon locks its state directory before anything else (even before importing the cluster), so of
several started at once all but one exit within milliseconds with EXIT_BUSY. A state it cannot read
makes it exit with EXIT_UNREADABLE after one line on stderr naming the file.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from svclab.cluster import owner
from svclab.cluster.daemonprotocol import EXIT_BUSY, EXIT_UNREADABLE, READY, host_ports_setting
from svclab.cluster.statelock import StateDirBusy, StateLock

if TYPE_CHECKING:
    from svclab.cluster.embedded import ClusterConfig



async def serve(config: "ClusterConfig", lock: StateLock | None = None, exit_with_pid: int | None = None,
                ready_fd: int | None = None) -> None:
    from svclab.cluster.embedded import EmbeddedCluster

    cluster = EmbeddedCluster(config)
    cluster.state_lock = lock
    try:
        await cluster.start_async()
        if ready_fd is not None:  # `svclab up` waits on the other end (svclab.cluster.control.up)
            _say_ready(ready_fd)
        cluster.api.load_request_modules()  # while the first client starts (svclab.apiserver.app.REQUEST_MODULES)
    finally:
        gc.enable()   # off since main(): the start's garbage is collected now, while the first client starts
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if exit_with_pid is not None:  # the kernel or server that asked for this cluster: end with it
        owner.watch(exit_with_pid, stop.set)
    await stop.wait()
    if config.state_dir:
        (config.state_dir / "cluster.json").unlink(missing_ok=True)
    await cluster.stop_async()


def _say_ready(fd: int) -> None:
    try:
        os.write(fd, READY)
    except OSError:  # the caller is gone: the cluster serves anyway
        pass
    finally:
        os.close(fd)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="svclab-cluster")
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pod-start-seconds", type=float, default=1.0)
    parser.add_argument("--pod-stop-seconds", type=float, default=0.5)
    parser.add_argument("--name", default="svclab")
    parser.add_argument("--exit-with-pid", type=int, default=None, help="stop when this process ends (see svclab.cluster.owner)")
    parser.add_argument("--ready-fd", type=int, default=None, help="write a line on this descriptor once serving, then close it")
    parser.add_argument("--certs-fd", type=int, default=None,
                        help="read the certificates (when the state directory has none) and the host-port mappings from this descriptor "
                        "(svclab.cluster.handover)")
    args = parser.parse_args(argv)
    try:
        lock = StateLock.acquire(args.state_dir)
    except StateDirBusy as busy:
        print(f"svclab: {busy}", file=sys.stderr)
        sys.exit(EXIT_BUSY)
    logging.basicConfig(filename=str(args.state_dir / "cluster.log"), level=logging.WARNING)

    gc.disable()  # the cluster's imports make ~50,000 objects that live as long as the process: no collection
    from svclab.cluster.embedded import ClusterConfig  # could free any of them (~100 collections, ~15 ms)
    from svclab.cluster.kubeconfig import write_private
    from svclab.state.sqlite_log import UnreadableState

    gc.freeze()  # and later full collections skip them (shorter pauses while serving)
    # The collector stays off until the cluster serves (serve): the start's ~20 young collections (~2 ms) wait until
    # READY is said, when the first client is still starting; the start makes a few MB at most.

    token_file = args.state_dir / "token"
    config = ClusterConfig(
        name=args.name,
        seed=args.seed,
        pod_start_seconds=args.pod_start_seconds,
        pod_stop_seconds=args.pod_stop_seconds,
        state_dir=args.state_dir,
        host_ports=host_ports_setting(),  # svclab.dataplane.hostports
        certs_fd=args.certs_fd,
    )
    if token_file.exists():
        config.token = token_file.read_text().strip()
    else:
        write_private(token_file, config.token + "\n")
    try:
        asyncio.run(serve(config, lock, args.exit_with_pid, args.ready_fd))
    except UnreadableState as exc:
        print(f"svclab: {exc}", file=sys.stderr, flush=True)
        sys.exit(EXIT_UNREADABLE)


if __name__ == "__main__":
    main()
