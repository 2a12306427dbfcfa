"""The DNS server's configuration: what the Corefile's plugins were set up with.

One `ServerConfig` per zone a server block serves on port 53 (core/dnsserver Config), holding
the plugins svclab follows: kubernetes, forward, cache and loadbalance. The plugins that change no
answer (errors, health, ready, prometheus, loop, reload, log, ...) are parsed and validated but
leave nothing here except `reload`, whose interval decides when an edited Corefile takes effect.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from svclab.dns.constants import (  # noqa: F401 - the fixed values, read from here too
    DEFAULT_KUBERNETES_TTL, DEFAULT_TTL, ENV_ZONE_FILE, KUBE_DNS_IP, POD_MODE_DISABLED, POD_MODE_INSECURE, POD_MODE_VERIFIED,
    RESOLV_CONF)
from svclab.state.selectors import Requirement


@dataclass(frozen=True)
class Fall:
    """plugin/pkg/fall.F: the zones a plugin passes a NXDOMAIN on for; () is off, (".",) is all."""

    zones: tuple[str, ...] = ()

    def through(self, qname: str) -> bool:
        from svclab.dns.util import is_subdomain

        return any(is_subdomain(z, qname) for z in self.zones)


@dataclass(frozen=True)
class KubernetesConfig:
    """The kubernetes plugin's options (plugin/kubernetes/setup.go ParseStanza)."""

    zones: tuple[str, ...]
    primary_zone_index: int = 0
    ttl: int = DEFAULT_KUBERNETES_TTL
    pod_mode: str = POD_MODE_DISABLED
    fall: Fall = Fall()
    namespaces: frozenset[str] = frozenset()
    endpoint_pod_names: bool = False
    ignore_empty_service: bool = False
    no_endpoints: bool = False
    label_selector: tuple[Requirement, ...] | None = None
    namespace_label_selector: tuple[Requirement, ...] | None = None

    @property
    def primary_zone(self) -> str:
        return self.zones[self.primary_zone_index]


@dataclass(frozen=True)
class ForwardConfig:
    """forward FROM TO...: `/etc/resolv.conf` is the node's resolver (svclab's offline upstream)."""

    from_zone: str = "."
    to: tuple[str, ...] = (RESOLV_CONF,)
    ignored: tuple[str, ...] = ()  # `except` zones

    @property
    def to_node_resolver(self) -> bool:
        return RESOLV_CONF in self.to


@dataclass(frozen=True)
class CacheConfig:
    """cache [TTL] [ZONES...] { success/denial CAP [TTL [MINTTL]]; disable success|denial ZONES; ... }."""

    zones: tuple[str, ...] = (".",)
    success_ttl: int = 3600
    success_min_ttl: int = 5
    denial_ttl: int = 1800
    denial_min_ttl: int = 5
    fail_ttl: int = 5
    success_capacity: int = 10000
    denial_capacity: int = 10000
    success_except: tuple[str, ...] = ()
    denial_except: tuple[str, ...] = ()
    keepttl: bool = False


@dataclass(frozen=True)
class ReloadConfig:
    """reload [INTERVAL [JITTER]] in seconds (the jitter actually drawn is decided by the server)."""

    interval: float = 30.0
    jitter: float = 15.0


@dataclass(frozen=True)
class ServerConfig:
    """One zone of one server block, and the plugins of that block."""

    zone: str
    port: str
    transport: str = "dns"
    block: int = 0  # which server block: zones of one block share its plugin instances
    kubernetes: KubernetesConfig | None = None
    forward: ForwardConfig | None = None
    cache: CacheConfig | None = None
    loadbalance: bool = False
    reload: ReloadConfig | None = None
    plugins: tuple[str, ...] = ()  # every directive of the block, in the order CoreDNS chains them


@dataclass(frozen=True)
class Config:
    """A whole Corefile: the servers svclab answers for (those on port 53) and its text."""

    servers: tuple[ServerConfig, ...]
    corefile: str = ""
    sha512: str = ""
    keys: tuple[str, ...] = field(default=())  # every server block key, normalised (dns://.:53)

    def for_port(self, port: str = "53") -> tuple[ServerConfig, ...]:
        return tuple(s for s in self.servers if s.port == port and s.transport == "dns")

    @property
    def reload(self) -> ReloadConfig | None:
        return next((s.reload for s in self.servers if s.reload is not None), None)
