"""`python -m svclab.cluster.daemon`: one embedded cluster as a background process (what `svclab up` starts)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
from pathlib import Path

from svclab.cluster import owner
from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster


async def serve(config: ClusterConfig, exit_with_pid: int | None = None) -> None:
    cluster = EmbeddedCluster(config)
    await cluster.start_async()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if exit_with_pid is not None:  # the kernel or server that asked for this cluster: end with it
        owner.watch(exit_with_pid, stop.set)
    await stop.wait()
    await cluster.stop_async()
    if config.state_dir:
        (config.state_dir / "cluster.json").unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="svclab-cluster")
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pod-start-seconds", type=float, default=1.0)
    parser.add_argument("--pod-stop-seconds", type=float, default=0.5)
    parser.add_argument("--name", default="svclab")
    parser.add_argument("--exit-with-pid", type=int, default=None, help="stop when this process ends (see svclab.cluster.owner)")
    args = parser.parse_args(argv)
    logging.basicConfig(filename=str(args.state_dir / "cluster.log"), level=logging.WARNING)
    token_file = args.state_dir / "token"
    config = ClusterConfig(
        name=args.name,
        seed=args.seed,
        pod_start_seconds=args.pod_start_seconds,
        pod_stop_seconds=args.pod_stop_seconds,
        state_dir=args.state_dir,
        host_ports=os.environ.get("SVCLAB_HOST_PORTS", "kind"),  # svclab.dataplane.hostports
    )
    if token_file.exists():
        config.token = token_file.read_text().strip()
    else:
        from svclab.cluster.kubeconfig import write_private

        write_private(token_file, config.token + "\n")
    asyncio.run(serve(config, args.exit_with_pid))


if __name__ == "__main__":
    main()
