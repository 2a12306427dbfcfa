"""The kind backend, kept thin: the commands it runs, running them, and the kubeconfig context kind writes.

Nothing here emulates kind. ``plan_up``/``plan_down`` return the exact command lines; ``up``/``down``
run those same lines with :mod:`subprocess`. kind merges a context ``kind-<name>`` into the user's
kubeconfig (the first existing file of ``$KUBECONFIG``, or ``~/.kube/config``); svclab reads it from
there, never writes the user's file, and copies that one context into a kubeconfig of its own
(:func:`select_context`) so lessons cannot talk to another cluster by accident.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import yaml

from svclab.cluster.kubeconfig import context_server, read_kubeconfig, write_kubeconfig
from svclab.version import KIND_NODE_IMAGE, KIND_VERSION

DEFAULT_NAME = "svclab"
WAIT = "120s"
KIND_DIR = Path(__file__).resolve().parent.parent.parent / "kind"
NODE_IMAGE_REPOSITORY = "kindest/node"


class KindError(RuntimeError):
    """A kind-backend failure, worded as one line a learner can act on."""


# --- files: the cluster config and the image list ------------------------------------------------


def default_config_path() -> Path:
    return KIND_DIR / "cluster.yaml"


def default_images_path() -> Path:
    return KIND_DIR / "images.txt"


def read_images(path: Path) -> list[str]:
    """The image references of an images.txt: one a line, ``#`` starts a comment."""
    images: list[str] = []
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            images.append(line)
    return images


def image_repository(image: str) -> str:
    """``busybox:1.36.1`` -> ``busybox``; a registry port (``host:5000/x``) is not a tag."""
    ref = image.split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        ref = ref[: len(ref) - len(last)] + last.split(":", 1)[0]
    return ref


def is_node_image(image: str) -> bool:
    return image_repository(image) in (NODE_IMAGE_REPOSITORY, f"docker.io/{NODE_IMAGE_REPOSITORY}")


def config_node_images(config_path: Path) -> list[str]:
    """The node images a kind config asks for (kind's default when a node names none)."""
    config: dict[str, Any] = yaml.safe_load(config_path.read_text()) or {}
    return [str(node.get("image") or KIND_NODE_IMAGE) for node in config.get("nodes") or [{}]]


# --- plans: the exact command lines ---------------------------------------------------------------


def context_name(name: str = DEFAULT_NAME) -> str:
    """The kubeconfig context kind writes for cluster ``name``."""
    return f"kind-{name}"


def plan_create(config_path: Path | str, name: str = DEFAULT_NAME) -> list[str]:
    return ["kind", "create", "cluster", "--name", name, "--config", str(config_path), "--wait", WAIT]


def plan_load(images: Sequence[str], name: str = DEFAULT_NAME) -> list[list[str]]:
    """One ``kind load docker-image`` per image; the node image is the nodes themselves, not loaded."""
    return [["kind", "load", "docker-image", image, "--name", name] for image in images if not is_node_image(image)]


def plan_wait(name: str = DEFAULT_NAME) -> list[str]:
    return ["kubectl", "--context", context_name(name), "wait", "--for=condition=Ready", "nodes", "--all", f"--timeout={WAIT}"]


def plan_up(config_path: Path | str, images: Sequence[str], name: str = DEFAULT_NAME) -> list[list[str]]:
    """create the cluster, load the course's images into its nodes, wait until every node is Ready."""
    return [plan_create(config_path, name), *plan_load(images, name), plan_wait(name)]


def plan_down(name: str = DEFAULT_NAME) -> list[list[str]]:
    return [["kind", "delete", "cluster", "--name", name]]


def format_command(argv: Sequence[str]) -> str:
    return shlex.join(argv)


# --- running commands -------------------------------------------------------------------------------


@dataclass
class Runner:
    """Where binaries are looked up and how commands run (tests pass a PATH of fake executables)."""

    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    python_executable: str = field(default_factory=lambda: sys.executable)
    out: TextIO = field(default_factory=lambda: sys.stdout)

    def which(self, binary: str) -> str | None:
        return shutil.which(binary, path=self.env.get("PATH", os.defpath))

    def kubectl(self) -> str | None:
        """The venv's kubectl (next to the Python running svclab) first, then the one on PATH."""
        local = Path(self.python_executable).parent / "kubectl"
        if local.is_file() and os.access(local, os.X_OK):
            return str(local)
        return self.which("kubectl")

    def resolve(self, binary: str) -> str:
        found = self.kubectl() if binary == "kubectl" else self.which(binary)
        if found is None:
            raise KindError(missing_message(binary))
        return found

    def capture(self, argv: Sequence[str], timeout: float = 30) -> subprocess.CompletedProcess[str]:
        """Run quietly and return the result, whatever the exit code."""
        command = [self.resolve(argv[0]), *argv[1:]]
        try:
            return subprocess.run(command, env=dict(self.env), capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return subprocess.CompletedProcess(command, 124, "", f"timed out after {timeout:g}s")

    def run(self, argv: Sequence[str]) -> None:
        """Echo the command, run it with its output shown, raise a one-line KindError on failure."""
        command = [self.resolve(argv[0]), *argv[1:]]
        print(f"$ {format_command(argv)}", file=self.out, flush=True)
        with subprocess.Popen(command, env=dict(self.env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True) as process:
            assert process.stdout is not None
            for line in process.stdout:  # streamed line by line, so kind's progress shows as it happens
                self.out.write(line)
                self.out.flush()
        code = process.returncode
        if code != 0:
            raise KindError(f"`{format_command(argv)}` failed with exit code {code} (its output is above)")


def missing_message(binary: str) -> str:
    if binary == "kind":
        return f"kind: not found on PATH — install kind {KIND_VERSION} (https://kind.sigs.k8s.io/docs/user/quick-start/#installation), or use the embedded backend: svclab up"
    if binary == "kubectl":
        return "kubectl: not found — `make setup` installs it into .venv/bin; or put kubectl on PATH"
    return f"{binary}: not found on PATH"


def container_engine(runner: Runner) -> str:
    """docker or podman, whichever is installed and whose engine answers; else a clear KindError."""
    found = [binary for binary in ("docker", "podman") if runner.which(binary)]
    if not found:
        raise KindError("docker: not found — the kind backend needs Docker or podman; the embedded backend works without it (svclab up)")
    for binary in found:
        if runner.capture([binary, "info"]).returncode == 0:
            return binary
    raise KindError(f"{found[0]}: installed but its engine is not answering (`{found[0]} info` failed) — start Docker, or use the embedded backend (svclab up)")


def existing_clusters(runner: Runner) -> list[str]:
    """``kind get clusters``: one name a line (it says "No kind clusters found." on stderr when none)."""
    result = runner.capture(["kind", "get", "clusters"])
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        raise KindError(f"`kind get clusters` failed (exit code {result.returncode}): {lines[-1] if lines else 'no output'}")
    return [line.strip() for line in result.stdout.splitlines() if line.strip()]


def image_present(runner: Runner, engine: str, image: str) -> bool:
    return runner.capture([engine, "image", "inspect", image]).returncode == 0


# --- kubeconfig: find kind's context, check it, select it for svclab -------------------------------


def kubeconfig_paths(env: Mapping[str, str]) -> list[Path]:
    """The files kubectl (and kind) consider: ``$KUBECONFIG``'s list, else ``~/.kube/config``."""
    seen: list[str] = []
    for part in env.get("KUBECONFIG", "").split(os.pathsep):
        if part and part not in seen:
            seen.append(part)
    if seen:
        return [Path(p) for p in seen]
    home = env.get("HOME") or str(Path.home())
    return [Path(home) / ".kube" / "config"]


def kind_kubeconfig_path(env: Mapping[str, str]) -> Path:
    """The file kind merges its context into: the only path, else the first that exists, else the last."""
    paths = kubeconfig_paths(env)
    if len(paths) == 1:
        return paths[0]
    return next((p for p in paths if p.is_file()), paths[-1])


@dataclass(frozen=True)
class KindContext:
    name: str
    server: str
    path: Path


def _entry(config: dict[str, Any], section: str, name: str | None) -> dict[str, Any] | None:
    entry = next((e for e in config.get(section) or [] if isinstance(e, dict) and e.get("name") == name), None)
    return entry if isinstance(entry, dict) else None


def find_context(name: str = DEFAULT_NAME, env: Mapping[str, str] | None = None) -> KindContext:
    """Find ``kind-<name>`` in the user's kubeconfig files (first file defining it wins, as in kubectl)."""
    env = os.environ if env is None else env
    wanted = context_name(name)
    searched = kubeconfig_paths(env)
    for path in searched:
        if not path.is_file():
            continue
        try:
            config = read_kubeconfig(path)
        except (OSError, yaml.YAMLError) as exc:
            raise KindError(f"cannot read kubeconfig {path}: {exc}") from exc
        if _entry(config, "contexts", wanted) is None:
            continue
        server = context_server(config, wanted)
        if not server:
            raise KindError(f"context {wanted} in {path} names no cluster server — recreate it: svclab kind down && svclab kind up")
        return KindContext(wanted, server, path)
    where = ", ".join(str(p) for p in searched)
    raise KindError(f"no context {wanted} in {where} — create the cluster with: svclab kind up")


def select_context(name: str = DEFAULT_NAME, dest: Path | None = None, env: Mapping[str, str] | None = None) -> KindContext:
    """Copy kind's context (its cluster and user too) into ``dest``, a kubeconfig that holds only it.

    The user's kubeconfig is only read: its other contexts and its current-context stay as they are.
    ``dest`` (mode 0600) has ``current-context: kind-<name>``, so ``KUBECONFIG=dest kubectl ...``
    reaches this cluster and nothing else.
    """
    env = os.environ if env is None else env
    found = find_context(name, env)
    config = read_kubeconfig(found.path)
    context = _entry(config, "contexts", found.name)
    assert context is not None
    inner = context.get("context") or {}
    cluster = _entry(config, "clusters", inner.get("cluster"))
    user = _entry(config, "users", inner.get("user"))
    if cluster is None or user is None:
        raise KindError(f"context {found.name} in {found.path} refers to a cluster or user that is not there — recreate it: svclab kind down && svclab kind up")
    selected: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [cluster],
        "users": [user],
        "contexts": [context],
        "current-context": found.name,
        "preferences": {},
    }
    write_kubeconfig(dest if dest is not None else svclab_kubeconfig_path(name, env), selected)
    return found


def svclab_kubeconfig_path(name: str = DEFAULT_NAME, env: Mapping[str, str] | None = None) -> Path:
    """Where svclab keeps its one-context copy: ``$SVCLAB_STATE_DIR/kind-<name>.kubeconfig``."""
    env = os.environ if env is None else env
    return state_dir_from_env(env) / f"{context_name(name)}.kubeconfig"


def state_dir_from_env(env: Mapping[str, str]) -> Path:
    """svclab's one rule for which state directory (:mod:`svclab.cluster.locate`)."""
    from svclab.cluster.locate import locate

    return locate(env).state_dir


def answers(name: str = DEFAULT_NAME, runner: Runner | None = None, timeout: str = "5s") -> bool:
    """Does the API server behind ``kind-<name>`` say ``ok`` on /readyz (asked with the real kubectl)?"""
    runner = runner or Runner()
    try:
        find_context(name, runner.env)
        result = runner.capture(["kubectl", "--context", context_name(name), "get", "--raw", "/readyz", f"--request-timeout={timeout}"])
    except KindError:
        return False
    return result.returncode == 0 and result.stdout.strip() == "ok"


# --- up / down ----------------------------------------------------------------------------------------


def up(
    dry_run: bool = False,
    name: str = DEFAULT_NAME,
    config_path: Path | str | None = None,
    images_path: Path | None = None,
    dest: Path | None = None,
    runner: Runner | None = None,
) -> list[list[str]]:
    """Create (or reuse) the kind cluster, load the course images, wait for Ready nodes, select its context.

    With ``dry_run`` only print the commands. Returns the planned commands either way.
    """
    runner = runner or Runner()
    config = Path(config_path) if config_path is not None else default_config_path()
    images = read_images(images_path or default_images_path())
    plan = plan_up(display_path(config), images, name)
    if dry_run:
        for argv in plan:
            print(format_command(argv), file=runner.out)
        return plan
    if not config.is_file():
        raise KindError(f"kind config not found: {config}")
    runner.resolve("kind")
    runner.resolve("kubectl")
    engine = container_engine(runner)
    create, *loads, wait = plan
    if name in existing_clusters(runner):
        print(f"kind cluster {name!r} exists already; reusing it (svclab kind down deletes it)", file=runner.out)
    else:
        runner.run(create)
    for argv in loads:
        image = argv[3]
        if image_present(runner, engine, image):
            runner.run(argv)
        else:
            print(f"skipping {image}: not in the local {engine} images, so the nodes will pull it when first used (for offline use: {engine} pull {image}, then svclab kind up again)", file=runner.out)
    runner.run(wait)
    target = dest if dest is not None else svclab_kubeconfig_path(name, runner.env)
    found = select_context(name, target, runner.env)
    print(f"kind cluster {name!r} is ready: context {found.name} ({found.server}) from {found.path}", file=runner.out)
    print(f"export KUBECONFIG={target}", file=runner.out)
    return plan


def down(name: str = DEFAULT_NAME, dest: Path | None = None, runner: Runner | None = None) -> bool:
    """Delete the kind cluster (kind removes its context from the user's kubeconfig); True when it existed."""
    runner = runner or Runner()
    runner.resolve("kind")
    container_engine(runner)
    target = dest if dest is not None else svclab_kubeconfig_path(name, runner.env)
    existed = name in existing_clusters(runner)
    if existed:
        for argv in plan_down(name):
            runner.run(argv)
    target.unlink(missing_ok=True)
    return existed


def display_path(path: Path) -> str:
    """``kind/cluster.yaml`` when it lies under the working directory, else the absolute path."""
    absolute = path.resolve()
    try:
        return str(absolute.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(absolute)
