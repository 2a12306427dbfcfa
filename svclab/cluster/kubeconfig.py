"""Kubeconfig files: written for the embedded cluster (mode 0600), read and merged for kind contexts."""

from __future__ import annotations

import json
import os
import re
import secrets
from pathlib import Path
from typing import Any

from svclab.validation.govalue import go_json

# A plain YAML scalar that every YAML 1.1 and 1.2 reader takes as this very string (no bool, number, null,
# indicator or space); any other string is written double-quoted, JSON's escapes being YAML's too.
_PLAIN = re.compile(r"[A-Za-z_/](?:[A-Za-z0-9_./:=+-]*[A-Za-z0-9_./=+-])?")   # (not ending in ":", a mapping key)
_RESOLVED = re.compile(r"(?i:y|n|yes|no|true|false|on|off|null|~)|[-+]?\.?(inf|nan)", re.IGNORECASE)


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
    """Write atomically with mode 0600 (never readable by other users, not even for an instant): into a new file of
    a random name beside it (created exclusively, as tempfile.mkstemp does; the tempfile module, with shutil and the
    compression modules it imports, is ~2 ms of a cluster's start), then renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
            break
        except FileExistsError:
            continue
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


_SURROGATE_PAIR = re.compile(r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})")


def _quoted(text: str) -> str:
    """A double-quoted YAML scalar: JSON's escapes (YAML has them all), a character beyond the BMP as YAML's \\U
    escape rather than JSON's surrogate pair (which YAML does not join)."""
    return _SURROGATE_PAIR.sub(lambda m: "\\U%08x" % (0x10000 + ((int(m[1], 16) - 0xD800) << 10) + int(m[2], 16) - 0xDC00),
                               json.dumps(text))


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value if _PLAIN.fullmatch(value) and not _RESOLVED.fullmatch(value) else _quoted(value)
    if value is None or isinstance(value, (bool, int)):
        return go_json(value)   # null, true/false, digits: JSON's scalars read the same in YAML
    raise TypeError(f"not a kubeconfig value: {value!r}")


def _block(value: Any, indent: str) -> list[str]:
    """`value` (a dict or a list) in YAML's block style, as yaml.safe_dump(sort_keys=False) writes it."""
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{indent}{_scalar(key)}:")
                lines += _block(item, indent + ("  " if isinstance(item, dict) else ""))
            else:
                lines.append(f"{indent}{_scalar(key)}: {_flow(item)}")
    else:
        for item in value:
            if isinstance(item, (dict, list)) and item:
                inner = _block(item, indent + "  ")
                lines.append(f"{indent}- {inner[0][len(indent) + 2:]}")
                lines += inner[1:]
            else:
                lines.append(f"{indent}- {_flow(item)}")
    return lines


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def dump_yaml(config: dict[str, Any]) -> str:
    """A kubeconfig as YAML without PyYAML (the daemon writes one as it starts; PyYAML is a 10 ms import)."""
    return "\n".join(_block(config, "")) + "\n"


def write_kubeconfig(path: Path, config: dict[str, Any]) -> None:
    try:
        text = dump_yaml(config)
    except TypeError:   # a value the small writer does not write (a float, a date in a merged kind kubeconfig)
        import yaml

        text = yaml.safe_dump(config, sort_keys=False)
    write_private(path, text)


def read_kubeconfig(path: Path) -> dict[str, Any]:
    text = path.read_text()
    import yaml

    return yaml.safe_load(text) or {}


def contexts(config: dict[str, Any]) -> list[str]:
    return [c["name"] for c in config.get("contexts") or []]


def context_server(config: dict[str, Any], context: str) -> str | None:
    ctx = next((c for c in config.get("contexts") or [] if c["name"] == context), None)
    if ctx is None:
        return None
    cluster_name = ctx["context"].get("cluster")
    cluster = next((c for c in config.get("clusters") or [] if c["name"] == cluster_name), None)
    return cluster["cluster"].get("server") if cluster else None
