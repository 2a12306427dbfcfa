"""Fake `docker`, `kind` and `kubectl` executables (small shell scripts that record their argv and
print what the real tools print) on a controlled PATH, for the kind orchestration and the doctor."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from svclab.cluster import kind

PRELUDE = """#!/bin/sh
PATH=/usr/bin:/bin
export PATH
printf '%s\\n' "$(basename "$0") $*" >> "$FAKE_STATE/calls"
"""

FAKE_DOCKER = PRELUDE + r"""
case "$1" in
  info)
    if [ -e "$FAKE_STATE/engine-down" ]; then
      echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2
      exit 1
    fi
    echo "Server Version: 28.5.1"; echo "Storage Driver: overlay2" ;;
  image)
    if grep -qxF "$3" "$FAKE_STATE/local-images" 2>/dev/null; then echo "[{\"RepoTags\": [\"$3\"]}]"; else echo "Error: No such image: $3" >&2; exit 1; fi ;;
  *) echo "fake docker: unexpected $*" >&2; exit 2 ;;
esac
"""

FAKE_KIND = PRELUDE + r"""
name=kind
prev=
for arg in "$@"; do [ "$prev" = "--name" ] && name="$arg"; prev="$arg"; done
case "$1 $2" in
  "version "*|"version") echo "kind ${FAKE_KIND_VERSION:-v0.31.0} go1.25.5 linux/amd64" ;;
  "get clusters")
    if [ -s "$FAKE_STATE/clusters" ]; then cat "$FAKE_STATE/clusters"; else echo "No kind clusters found." >&2; fi ;;
  "create cluster")
    if grep -qxF "$name" "$FAKE_STATE/clusters" 2>/dev/null; then
      echo "ERROR: failed to create cluster: node(s) already exist for a cluster with the name \"$name\"" >&2; exit 1
    fi
    [ -e "$FAKE_STATE/create-fails" ] && { echo "ERROR: failed to create cluster: could not find a log line that matches \"Reached target .*Multi-User System.*\"" >&2; exit 1; }
    echo "Creating cluster \"$name\" ..."
    echo " ✓ Ensuring node image (kindest/node:v1.35.0) 🖼"
    echo "$name" >> "$FAKE_STATE/clusters"
    [ -e "$FAKE_STATE/kubeconfig-after-create" ] && cp "$FAKE_STATE/kubeconfig-after-create" "${KUBECONFIG:-$HOME/.kube/config}"
    echo "Set kubectl context to \"kind-$name\"" ;;
  "load docker-image")
    echo "Image: \"$3\" with ID \"sha256:0123abcd\" not yet present on node \"$name-worker\", loading..." ;;
  "delete cluster")
    echo "Deleting cluster \"$name\" ..."
    grep -vxF "$name" "$FAKE_STATE/clusters" > "$FAKE_STATE/clusters.new" 2>/dev/null
    mv "$FAKE_STATE/clusters.new" "$FAKE_STATE/clusters" ;;
  *) echo "fake kind: unexpected $*" >&2; exit 2 ;;
esac
"""

FAKE_KUBECTL = PRELUDE + r"""
case "$*" in
  "version --client -o json")
    printf '{"clientVersion": {"major": "1", "minor": "%s", "gitVersion": "v1.%s.0"}}\n' "${FAKE_KUBECTL_MINOR:-35}" "${FAKE_KUBECTL_MINOR:-35}" ;;
  *" wait --for=condition=Ready nodes --all "*)
    for n in svclab-control-plane svclab-worker svclab-worker2; do echo "node/$n condition met"; done ;;
  *" get --raw /readyz "*)
    if [ -e "$FAKE_STATE/apiserver-up" ]; then echo ok; else echo "The connection to the server 127.0.0.1:41234 was refused - did you specify the right host or port?" >&2; exit 1; fi ;;
  *) echo "fake kubectl: unexpected $*" >&2; exit 2 ;;
esac
"""

FAKES = {"docker": FAKE_DOCKER, "kind": FAKE_KIND, "kubectl": FAKE_KUBECTL}


@dataclass
class FakeTools:
    """A PATH holding only the chosen fakes, the state they share, and an env for svclab."""

    root: Path
    bin: Path
    state: Path
    kubeconfig: Path
    env: dict[str, str] = field(default_factory=dict)
    out: io.StringIO = field(default_factory=io.StringIO)

    def install(self, *names: str) -> None:
        for name in names:
            path = self.bin / name
            path.write_text(FAKES[name])
            path.chmod(0o755)

    def remove(self, name: str) -> None:
        (self.bin / name).unlink()

    def calls(self) -> list[list[str]]:
        log = self.state / "calls"
        return [line.split() for line in log.read_text().splitlines()] if log.exists() else []

    def runner(self) -> kind.Runner:
        # A python_executable with no kubectl beside it, so kubectl comes from the fake PATH.
        return kind.Runner(env=self.env, python_executable=str(self.root / "no-venv" / "python"), out=self.out)


# --- kubeconfig files like kind's ---------------------------------------------------------------------

SERVER = "https://127.0.0.1:41234"


def kind_entries(name: str = "svclab", server: str | None = SERVER) -> dict[str, list[dict[str, Any]]]:
    """What kind merges in (pkg/cluster/internal/kubeconfig): cluster, user and context all named kind-<name>."""
    ctx = f"kind-{name}"
    cluster: dict[str, Any] = {"certificate-authority-data": "Q0E="}
    if server is not None:
        cluster["server"] = server
    return {
        "clusters": [{"name": ctx, "cluster": cluster}],
        "users": [{"name": ctx, "user": {"client-certificate-data": "Q0VSVA==", "client-key-data": "S0VZ"}}],
        "contexts": [{"name": ctx, "context": {"cluster": ctx, "user": ctx}}],
    }


def user_config(current: str = "work", with_kind: bool = True, **kind_args: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "work", "cluster": {"server": "https://k8s.example.com"}}],
        "users": [{"name": "me", "user": {"token": "secret-work-token"}}],
        "contexts": [{"name": "work", "context": {"cluster": "work", "user": "me", "namespace": "team"}}],
        "current-context": current,
        "preferences": {},
    }
    if with_kind:
        for section, entries in kind_entries(**kind_args).items():
            config[section] += entries
    return config


def write(path: Path, config: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path
