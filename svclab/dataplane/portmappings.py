"""Which host ports the embedded cluster maps: kind's ``extraPortMappings`` read from ``kind/cluster.yaml``, or what
``SVCLAB_HOST_PORTS`` asks for (see svclab.dataplane.hostports, which listens on them).

Reading the kind config takes PyYAML (~12 ms to import and parse), which a cluster's start need not wait for:
- a new state directory's mappings are resolved by `svclab up`'s helper process while the daemon imports the cluster,
  as its certificates are (svclab.cluster.handover), and the daemon takes them when they were read from the very
  config file it would read, byte for byte (same path, same SHA-256 of its content, same cluster name);
- the daemon keeps the mappings it used in the state directory (``kindports.json``, 0600) under that same key, so a
  restart reads them from there; an edited kind config has another hash and is read again, with PyYAML.
A missing config gives the built-in mapping, a broken one the built-in mapping too, exactly as reading it would:
the cache only ever holds what reading that content gave. This module imports neither asyncio nor PyYAML (until a
config has to be read), so `svclab up`'s helper can use it."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Callable

from svclab.records import MutableRecord

Obj = dict[str, Any]

ENV = "SVCLAB_HOST_PORTS"
KIND_CONFIG = Path(__file__).resolve().parents[2] / "kind" / "cluster.yaml"
# kind/cluster.yaml's mapping, for an install without the kind/ folder beside the package.
BUILTIN_MAPPINGS = ({"containerPort": 30080, "hostPort": 30080, "listenAddress": "127.0.0.1", "protocol": "TCP", "node": 0},)
CACHE_FILE = "kindports.json"   # in the state directory, 0600: the mappings a config's content gave
OFF = ("", "off", "none", "0", "false", "no")


class SettingError(ValueError):
    pass


class PortMapping(MutableRecord):
    """One host port → a node's container port, and what listening on it gave (`ok`, `message`). (Written out, as the
    dataclass it was: the same constructor, repr and equality, without the decorator's compilation at start.)"""

    _fields = ("host_port", "container_port", "node", "listen_address", "protocol", "ok", "message")

    def __init__(self, host_port: int, container_port: int, node: str, listen_address: str = "127.0.0.1", protocol: str = "TCP",
                 ok: bool = False, message: str = "") -> None:
        self.host_port = host_port
        self.container_port = container_port
        self.node = node
        self.listen_address = listen_address
        self.protocol = protocol
        self.ok = ok
        self.message = message



def kind_node_names(config: Obj, cluster: str) -> list[str]:
    """The node names kind gives ``nodes:`` in order: <name>-control-plane[N], <name>-worker[N]."""
    counts = {"control-plane": 0, "worker": 0}
    found = []
    for node in config.get("nodes") or [{"role": "control-plane"}]:
        role = node.get("role", "control-plane")
        counts[role] = counts.get(role, 0) + 1
        found.append(f"{cluster}-{role}" + (str(counts[role]) if counts[role] > 1 else ""))
    return found


def _builtin() -> tuple[Obj, list[tuple[int, Obj]]]:
    return {"nodes": [{"role": "control-plane"}]}, [(int(m["node"]), m) for m in BUILTIN_MAPPINGS]


def parse_kind_mappings(cluster: str, text: str | None) -> list[PortMapping]:
    """Every ``extraPortMappings`` entry of a kind config's text (None: no config), with the node it belongs to."""
    if text is None:
        config, entries = _builtin()
    else:
        import yaml  # here, not at the top: a cluster without host ports, or whose mappings are known, never loads PyYAML

        try:
            config = yaml.safe_load(text) or {}
            entries = [(index, m) for index, node in enumerate(config.get("nodes") or []) for m in node.get("extraPortMappings") or []]
        except (yaml.YAMLError, AttributeError, TypeError):
            config, entries = _builtin()
    names = kind_node_names(config, cluster)
    found = []
    for index, entry in entries:
        container = int(entry.get("containerPort") or 0)
        found.append(PortMapping(int(entry.get("hostPort") or container), container, names[index],
                                 str(entry.get("listenAddress") or "0.0.0.0"), str(entry.get("protocol") or "TCP").upper()))
    return found


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _text(content: bytes | None) -> str | None:
    try:
        return None if content is None else content.decode()
    except UnicodeDecodeError:
        return None   # what read_text() raised (a ValueError): the built-in mapping


def kind_mappings(cluster: str, path: Path = KIND_CONFIG) -> list[PortMapping]:
    """Every ``extraPortMappings`` entry of a kind config, with the node it belongs to (read now, with PyYAML)."""
    return parse_kind_mappings(cluster, _text(_read(path)))


def wanted(setting: str | None) -> bool:
    """Does the setting map any host port (so that the kind config's mappings are needed)?"""
    return (setting or "").strip().lower() not in OFF


def resolve(setting: str | None, cluster: str, path: Path = KIND_CONFIG,
            base: Callable[[], list[PortMapping]] | None = None) -> list[PortMapping]:
    """The mappings a setting asks for (see svclab.dataplane.hostports); a bad setting is a SettingError. `base` gives
    the kind config's mappings when they are known otherwise than by reading `path` now (known_mappings)."""
    value = (setting or "").strip().lower()
    if value in OFF:
        return []
    found = base() if base is not None else kind_mappings(cluster, path)
    if value == "kind":
        return found
    chosen = []
    for item in value.split(","):
        host, sep, container = item.strip().partition(":")
        if not sep or not host.isdigit() or not container.isdigit() or not (0 < int(host) < 65536 and 0 < int(container) < 65536):
            raise SettingError(f"{ENV}={setting!r}: expected kind, off, or HOST:CONTAINER[,HOST:CONTAINER…] (e.g. 31080:30080)")
        like = next((m for m in found if m.container_port == int(container)), None)
        node = like.node if like else f"{cluster}-control-plane"
        chosen.append(PortMapping(int(host), int(container), node, like.listen_address if like else "127.0.0.1", "TCP"))
    return chosen


# ---- known mappings: handed over by `svclab up`'s helper, or kept in the state directory ------------------------------
def _key(cluster: str, path: Path, content: bytes) -> Obj:
    return {"config": str(path), "sha256": hashlib.sha256(content).hexdigest(), "cluster": cluster}


def _entry(cluster: str, path: Path, content: bytes, mappings: list[PortMapping]) -> Obj:
    fields = ("host_port", "container_port", "node", "listen_address", "protocol")
    return {**_key(cluster, path, content), "mappings": [{name: getattr(m, name) for name in fields} for m in mappings]}


def _mappings_of(entry: Any, key: Obj) -> list[PortMapping] | None:
    """The mappings an entry (handed over or cached) holds for `key`; None when it is for another content or malformed."""
    if not isinstance(entry, dict) or any(entry.get(name) != value for name, value in key.items()):
        return None
    listed = entry.get("mappings")
    if not isinstance(listed, list):
        return None
    found = []
    for item in listed:
        if not isinstance(item, dict):
            return None
        host, container, node, address, protocol = (item.get(name) for name in ("host_port", "container_port", "node", "listen_address", "protocol"))
        if not (type(host) is int and type(container) is int and all(isinstance(v, str) for v in (node, address, protocol))):
            return None
        found.append(PortMapping(host, container, node, address, protocol))
    return found


def handover(cluster: str, path: Path = KIND_CONFIG) -> Obj | None:
    """What `svclab up`'s helper hands the daemon: the mappings of the config as it reads it now, under its key (None
    when there is no config to read: the daemon needs no PyYAML for that either)."""
    content = _read(path)
    if content is None:
        return None
    return _entry(cluster, path, content, parse_kind_mappings(cluster, _text(content)))


def known_mappings(cluster: str, path: Path = KIND_CONFIG, state_dir: Path | None = None, handed: Any = None) -> list[PortMapping]:
    """The kind config's mappings as `kind_mappings` reads them, taken from what was handed over or kept in the state
    directory when either was made from this very content; read (PyYAML) and kept otherwise."""
    content = _read(path)
    if content is None:
        return parse_kind_mappings(cluster, None)
    key = _key(cluster, path, content)
    cache = state_dir / CACHE_FILE if state_dir is not None else None
    found = _mappings_of(handed, key)
    if found is None and cache is not None:
        found = _mappings_of(_load(cache), key)
        if found is not None:
            return found
    if found is None:
        found = parse_kind_mappings(cluster, _text(content))
    if cache is not None:
        _save(cache, _entry(cluster, path, content, found))
    return found


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _save(path: Path, entry: Obj) -> None:
    """Write the entry (0600) beside and then over the cache: a reader sees the old file or the new one."""
    partial = path.with_name(path.name + ".writing")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(json.dumps(entry) + "\n")
        os.replace(partial, path)
    except OSError:   # a cache that cannot be written is read again next time
        pass
