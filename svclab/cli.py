"""`svclab`: start and stop the embedded cluster, print its environment, and more."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from svclab.cluster import control


def _state_dir(args: argparse.Namespace) -> Path:
    return Path(args.state_dir) if args.state_dir else control.default_state_dir()


def cmd_up(args: argparse.Namespace) -> int:
    state_dir = _state_dir(args)
    info = control.up(state_dir, seed=args.seed, pod_start_seconds=args.pod_start_seconds, name=args.name)
    print(f"svclab cluster {info.name!r} is up: API {info.api}, DNS {info.dns} (pid {info.pid})")
    print(f"export KUBECONFIG={info.kubeconfig}")
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    state_dir = _state_dir(args)
    if control.down(state_dir):
        print(f"svclab cluster in {state_dir} stopped")
    else:
        print(f"no svclab cluster is running in {state_dir}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    state_dir = _state_dir(args)
    info = control.read_info(state_dir)
    if info is None or not control.answers(info):
        print(f"no svclab cluster is running in {state_dir}")
        return 1
    if args.json:
        print(json.dumps({"api": info.api, "dns": info.dns, "pid": info.pid, "name": info.name, "kubeconfig": str(info.kubeconfig)}))
    else:
        print(f"svclab cluster {info.name!r} is running: API {info.api}, DNS {info.dns}, pid {info.pid}, kubeconfig {info.kubeconfig}")
    return 0


def cmd_env(args: argparse.Namespace) -> int:
    state_dir = _state_dir(args)
    info = control.read_info(state_dir)
    if info is None:
        print(f"# no svclab cluster is running in {state_dir}; start one with: svclab up", file=sys.stdout)
        return 1
    print(f"export KUBECONFIG={info.kubeconfig}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="svclab", description="svclab: a Kubernetes Service discovery course and its embedded cluster")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_state(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--state-dir", help="where the cluster keeps its kubeconfig, state and log (default: $SVCLAB_STATE_DIR or ~/.local/state/svclab/default)")
        return p

    up = with_state(sub.add_parser("up", help="start the embedded cluster in the background"))
    up.add_argument("--seed", type=int, default=0, help="seed for ClusterIPs, names and load-balancing draws")
    up.add_argument("--pod-start-seconds", type=float, default=1.0, help="how long a pod takes to start")
    up.add_argument("--name", default="svclab", help="cluster name (nodes are <name>-control-plane, <name>-worker, ...)")
    up.set_defaults(func=cmd_up)
    with_state(sub.add_parser("down", help="stop the embedded cluster")).set_defaults(func=cmd_down)
    status = with_state(sub.add_parser("status", help="is a cluster running?"))
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_status)
    with_state(sub.add_parser("env", help="print `export KUBECONFIG=...` for the running cluster")).set_defaults(func=cmd_env)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except RuntimeError as exc:
        print(f"svclab: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
