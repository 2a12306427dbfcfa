"""IP and port allocators that hand out addresses the way a kind cluster does.

- ClusterIPs: `pkg/registry/core/service/ipallocator` — the range is split; dynamic allocations are
  drawn at random from the upper block (offset min(max(16, size/16), 256)), the lower block is kept
  for requested IPs. Draws come from a seeded generator so runs repeat.
- Pod IPs: kindnet's host-local IPAM per node /24, sequential from .2, never reusing an address
  until the range wraps (so a restarted pod gets a new IP).
- NodePorts: `portallocator`, random from the upper block of 30000-32767.
"""

from __future__ import annotations

import ipaddress
import random


class AllocationError(Exception):
    """The address or port cannot be allocated (the message is the real allocator's)."""


class RangeFull(AllocationError):
    pass


class NotInRange(AllocationError):
    pass


class AlreadyAllocated(AllocationError):
    pass


class ClusterIPAllocator:
    def __init__(self, cidr: str, rng: random.Random) -> None:
        self.network = ipaddress.ip_network(cidr)
        self.size = self.network.num_addresses - 2  # network and broadcast addresses are never used
        self.offset = min(max(16, self.size // 16), 256)
        self._rng = rng
        self._used: set[int] = set()

    def _index(self, ip: str) -> int:
        return int(ipaddress.ip_address(ip)) - int(self.network.network_address) - 1

    def contains(self, ip: str) -> bool:
        try:
            index = self._index(ip)
        except ValueError:
            return False
        return 0 <= index < self.size

    def allocate(self, ip: str) -> str:
        if not self.contains(ip):
            raise NotInRange(ip)
        index = self._index(ip)
        if index in self._used:
            raise AlreadyAllocated(ip)
        self._used.add(index)
        return ip

    def allocate_next(self) -> str:
        for lo, hi in ((self.offset, self.size), (0, self.offset)):
            free = hi - lo - sum(1 for i in self._used if lo <= i < hi)
            if free <= 0:
                continue
            start = self._rng.randrange(lo, hi)
            for step in range(hi - lo):
                index = lo + (start - lo + step) % (hi - lo)
                if index not in self._used:
                    self._used.add(index)
                    return str(self.network.network_address + index + 1)
        raise RangeFull(str(self.network))

    def release(self, ip: str | None) -> None:
        if ip and self.contains(ip):
            self._used.discard(self._index(ip))


class PodIPAllocator:
    """host-local IPAM for one node's /24: sequential from .2, round-robin over released addresses."""

    def __init__(self, cidr: str) -> None:
        self.network = ipaddress.ip_network(cidr)
        self._first = int(self.network.network_address) + 2
        self._last = int(self.network.broadcast_address) - 1
        self._next = self._first
        self._used: set[int] = set()

    def allocate_next(self) -> str:
        for _ in range(self._last - self._first + 1):
            candidate = self._next
            self._next = self._first if self._next >= self._last else self._next + 1
            if candidate not in self._used:
                self._used.add(candidate)
                return str(ipaddress.ip_address(candidate))
        raise RangeFull(str(self.network))

    def reserve(self, ip: str) -> None:
        value = int(ipaddress.ip_address(ip))
        self._used.add(value)
        if value >= self._next:
            self._next = value + 1 if value < self._last else self._first

    def release(self, ip: str | None) -> None:
        if ip:
            self._used.discard(int(ipaddress.ip_address(ip)))


class NodePortAllocator:
    def __init__(self, low: int, high: int, rng: random.Random) -> None:
        self.low, self.high = low, high
        size = high - low + 1
        self.offset = min(max(16, size // 32), 128)
        self._rng = rng
        self._used: set[int] = set()

    def allocate(self, port: int) -> int:
        if not self.low <= port <= self.high:
            raise NotInRange(str(port))
        if port in self._used:
            raise AlreadyAllocated(str(port))
        self._used.add(port)
        return port

    def allocate_next(self) -> int:
        size = self.high - self.low + 1
        for lo, hi in ((self.offset, size), (0, self.offset)):
            start = self._rng.randrange(lo, hi)
            for step in range(hi - lo):
                port = self.low + lo + (start - lo + step) % (hi - lo)
                if port not in self._used:
                    self._used.add(port)
                    return port
        raise RangeFull(f"{self.low}-{self.high}")

    def release(self, port: int | None) -> None:
        if port:
            self._used.discard(port)
