"""The embedded cluster's DNS: CoreDNS's kubernetes plugin as kind configures it."""

from svclab.dns.records import resolve
from svclab.dns.resolvconf import resolv_conf
from svclab.dns.server import DNSServer
from svclab.dns.view import ClusterView, StaticView

__all__ = ["ClusterView", "DNSServer", "StaticView", "resolv_conf", "resolve"]
