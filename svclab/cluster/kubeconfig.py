"""Kubeconfig files: written for the embedded cluster (mode 0600), read and merged for kind contexts."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml


def embedded_kubeconfig(server: str, token: str, ca_data: str, context: str = "svclab", namespace: str = "default") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": {"server": server, "certificate-authority-data": ca_data}}],
        "users": [{"name": context, "user": {"token": token}}],
        "contexts": [{"name": context, "context": {"cluster": context, "user": context, "namespace": namespace}}],
        "current-context": context,
        "preferences": {},
    }


def write_private(path: Path, text: str) -> None:
    """Write atomically with mode 0600 (never readable by other users, not even for an instant)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_kubeconfig(path: Path, config: dict[str, Any]) -> None:
    write_private(path, yaml.safe_dump(config, sort_keys=False))


def read_kubeconfig(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text()) or {}


def contexts(config: dict[str, Any]) -> list[str]:
    return [c["name"] for c in config.get("contexts") or []]


def context_server(config: dict[str, Any], context: str) -> str | None:
    ctx = next((c for c in config.get("contexts") or [] if c["name"] == context), None)
    if ctx is None:
        return None
    cluster_name = ctx["context"].get("cluster")
    cluster = next((c for c in config.get("clusters") or [] if c["name"] == cluster_name), None)
    return cluster["cluster"].get("server") if cluster else None
