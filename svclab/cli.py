"""`svclab`: start and stop the embedded cluster, print its environment, and more."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from svclab.cluster import control
from svclab.dataplane.cli import add_iptables_save, report_host_ports


def _state_dir(args: argparse.Namespace) -> Path:
    """--state-dir, else svclab's one rule for which cluster (svclab.cluster.locate; README, "Which cluster")."""
    if args.state_dir:
        return Path(args.state_dir).absolute()
    from svclab.cluster.locate import locate

    return locate().state_dir


def _chosen_by(args: argparse.Namespace) -> str:
    from svclab.cluster.locate import locate

    return "--state-dir" if args.state_dir else locate().source


def cmd_up(args: argparse.Namespace) -> int:
    state_dir = _state_dir(args)
    info = control.up(state_dir, seed=args.seed, pod_start_seconds=args.pod_start_seconds, name=args.name, fork=True)
    print(f"svclab cluster {info.name!r} is up: API {info.api}, DNS {info.dns} (pid {info.pid})")
    print(f"export KUBECONFIG={info.kubeconfig}")
    report_host_ports(state_dir)
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    from svclab.course import launch

    state_dir = _state_dir(args)
    stopped = launch.down(state_dir)
    if stopped:
        print(f"stopped {' and '.join(stopped)}")
    else:
        print(f"nothing of svclab's is running in {state_dir}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from svclab.course import server

    state_dir = _state_dir(args)
    info = control.read_info(state_dir)
    lab_server = server.read(state_dir)
    if info is None or not control.answers(info):
        if args.json:
            print(json.dumps({"running": False, "state_dir": str(state_dir), "chosen_by": _chosen_by(args)}))
        else:
            print(f"no svclab cluster is running in {state_dir} (chosen by {_chosen_by(args)})")
        return 1
    if args.json:
        print(json.dumps({"running": True, "api": info.api, "dns": info.dns, "pid": info.pid, "name": info.name, "kubeconfig": str(info.kubeconfig),
                          "state_dir": str(state_dir), "chosen_by": _chosen_by(args), "jupyterlab_port": lab_server.port if lab_server else None}))
    else:
        print(f"svclab cluster {info.name!r} is running: API {info.api}, DNS {info.dns}, pid {info.pid}, kubeconfig {info.kubeconfig}")
        print(f"chosen by {_chosen_by(args)}")
        if lab_server is not None:
            print(f"JupyterLab serves the course on port {lab_server.port} (pid {lab_server.pid})")
    return 0


def cmd_env(args: argparse.Namespace) -> int:
    state_dir = _state_dir(args)
    info = control.read_info(state_dir)
    if info is None:
        print(f"# no svclab cluster is running in {state_dir}; start one with: svclab up", file=sys.stdout)
        return 1
    print(f"export KUBECONFIG={info.kubeconfig}")
    return 0


def cmd_lab(args: argparse.Namespace) -> int:
    from svclab.cluster.backend import chosen_backend_name
    from svclab.course import launch

    backend = args.backend or chosen_backend_name()
    launch.run(_state_dir(args), args.port, backend, open_browser=args.open_browser)
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    """Empty the cluster: every namespace a learner made, and everything in `default` a fresh cluster lacks."""
    from kubernetes import config as kube_config

    from svclab.cluster.backend import backend_from_env
    from svclab.lab import resetting

    state_dir = _state_dir(args)
    backend = backend_from_env({**os.environ, "SVCLAB_STATE_DIR": str(state_dir)})
    if not backend.is_running():
        print(f"no svclab cluster is running in {state_dir}: nothing to reset")
        return 1
    api = kube_config.new_client_from_config(config_file=str(backend.kubeconfig()), context=backend.context())
    try:
        removed = resetting.reset_cluster(api)
    finally:
        api.close()
    namespaces = [r.split("/", 1)[1] for r in removed if r.startswith("namespace/")]
    others = len(removed) - len(namespaces)
    print(f"svclab: the cluster is empty again: deleted {len(namespaces)} namespace(s)"
          + (f" ({', '.join(namespaces)})" if namespaces else "") + f" and {others} object(s) in default")
    return 0


# --- `svclab kind up|down` and `svclab doctor` ---------------------------------------------------------


def cmd_kind_up(args: argparse.Namespace) -> int:
    from svclab.cluster import kind

    dest = Path(args.state_dir) / f"{kind.context_name(args.name)}.kubeconfig" if args.state_dir else None
    kind.up(dry_run=args.dry_run, name=args.name, config_path=args.config, images_path=Path(args.images) if args.images else None, dest=dest)
    return 0


def cmd_kind_down(args: argparse.Namespace) -> int:
    from svclab.cluster import kind

    dest = Path(args.state_dir) / f"{kind.context_name(args.name)}.kubeconfig" if args.state_dir else None
    if kind.down(name=args.name, dest=dest):
        print(f"kind cluster {args.name!r} deleted")
    else:
        print(f"no kind cluster named {args.name!r}")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from svclab import doctor

    report = doctor.diagnose(state_dir=Path(args.state_dir) if args.state_dir else None)
    print(report.to_json() if args.json else report.render())
    return 0 if report.can_run else 1


def add_kind_and_doctor(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    kind_parser = sub.add_parser("kind", help="create or delete the kind cluster (needs Docker or podman and kind)")
    kind_sub = kind_parser.add_subparsers(dest="kind_command", required=True)
    state_help = "where svclab keeps its copy of the kind-<name> context (default: svclab's rule, see the README's 'Which cluster')"
    kind_up = kind_sub.add_parser("up", help="kind create cluster, load the course images, wait for Ready nodes")
    kind_up.add_argument("--dry-run", action="store_true", help="print the exact commands and run nothing")
    kind_up.add_argument("--name", default="svclab", help="kind cluster name (context kind-<name>)")
    kind_up.add_argument("--config", help="kind cluster config (default: kind/cluster.yaml)")
    kind_up.add_argument("--images", help="image list to load (default: kind/images.txt)")
    kind_up.add_argument("--state-dir", help=state_help)
    kind_up.set_defaults(func=cmd_kind_up)
    kind_down = kind_sub.add_parser("down", help="kind delete cluster")
    kind_down.add_argument("--name", default="svclab", help="kind cluster name")
    kind_down.add_argument("--state-dir", help=state_help)
    kind_down.set_defaults(func=cmd_kind_down)
    doctor_parser = sub.add_parser("doctor", help="check Python, kubectl, Docker, kind and the lab port; exit 0 when the chosen backend can run")
    doctor_parser.add_argument("--json", action="store_true", help="the report as JSON")
    doctor_parser.add_argument("--state-dir", help="the embedded cluster's state directory to look at")
    doctor_parser.set_defaults(func=cmd_doctor)


def cmd_grade(args: argparse.Namespace) -> int:
    from svclab.grading import loop

    return loop.run(args)


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line. Given the ARGV it will parse, the `grade` command's options (the grading
    loop's module, imported for them) are left out when no word of ARGV could select that command, so
    `svclab up` starts its cluster without loading the grader."""
    parser = argparse.ArgumentParser(prog="svclab", description="svclab: a Kubernetes Service discovery course and its embedded cluster")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_state(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--state-dir", help="where the cluster keeps its kubeconfig, state and log (default: $SVCLAB_STATE_DIR, else the "
                       "svclab state dir $KUBECONFIG names, else this checkout's .svclab/lab; see the README's 'Which cluster')")
        return p

    up = with_state(sub.add_parser("up", help="start the embedded cluster in the background"))
    up.add_argument("--seed", type=int, default=0, help="seed for ClusterIPs, names and load-balancing draws")
    up.add_argument("--pod-start-seconds", type=float, default=1.0, help="how long a pod takes to start")
    up.add_argument("--name", default="svclab", help="cluster name (nodes are <name>-control-plane, <name>-worker, ...)")
    up.set_defaults(func=cmd_up)
    with_state(sub.add_parser("down", help="stop what `svclab lab` started: JupyterLab (and its kernels) and the embedded cluster")).set_defaults(func=cmd_down)
    with_state(sub.add_parser("reset", help="empty the cluster: delete every namespace you made and everything in default")).set_defaults(func=cmd_reset)
    lab_parser = with_state(sub.add_parser("lab", help="start the cluster and JupyterLab on the course (what `make lab` runs)"))
    lab_parser.add_argument("--port", type=int, default=int(os.environ.get("LAB_PORT") or 8888), help="JupyterLab's port (default: $LAB_PORT or 8888)")
    lab_parser.add_argument("--backend", choices=("embedded", "kind"), help="default: $SVCLAB_BACKEND, else embedded")
    lab_parser.add_argument("--open-browser", action="store_true", help="open the course in a browser")
    lab_parser.set_defaults(func=cmd_lab)
    status = with_state(sub.add_parser("status", help="is a cluster running?"))
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_status)
    with_state(sub.add_parser("env", help="print `export KUBECONFIG=...` for the running cluster")).set_defaults(func=cmd_env)
    grade = sub.add_parser("grade", help="autograde a folder of submissions (<student>/<assignment>/*.ipynb): feedback and grades.csv")
    if argv is None or "grade" in argv:
        from svclab.grading.loop import add_arguments as add_grade_arguments

        add_grade_arguments(grade)  # svclab.grading.loop owns its options
    grade.set_defaults(func=cmd_grade)
    add_kind_and_doctor(sub)
    add_iptables_save(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    try:
        return int(args.func(args))
    except Exception as exc:  # a one-line message for svclab's own errors; a traceback for bugs
        from svclab.lab.errors import LabError

        if not isinstance(exc, (RuntimeError, LabError)):
            raise
        print(f"svclab: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
