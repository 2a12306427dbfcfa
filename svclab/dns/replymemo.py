"""The replies a DNS server has already worked out, given again for the same query bytes.

A pod's `wget http://web/` asks the same two questions (A and AAAA for the same name) hundreds of times in a
request loop, and the cluster between two changes answers them the same way: CoreDNS's kubernetes plugin reads
its informer caches, kind's Corefile keeps nothing for cluster.local in its `cache`, and `loadbalance` leaves a
one-record answer as it is. So a reply the engine gave without any effect beyond the query and the index
(`Engine.effects` did not move: no cache that counts TTLs down, no upstream, no draw from the loadbalance
generator, no plugin error) is kept, keyed by the query's bytes after its ID and the transport, and given again,
with the new query's ID, while the same engine serves the same index at the same generation. Any event the index
applies (`ClusterIndex.generation`), a reloaded Corefile (a new engine) or an index rebuilt from a view drops
them all.

The bytes are those the engine would have written (`tests/dns/test_dns_replymemo.py` compares them with a server
that keeps nothing, query by query, through changes). Bounded: queries up to 512 bytes, replies up to 4 KiB,
MEMO_ENTRIES of them, the oldest dropped first.
"""

from __future__ import annotations

from typing import Any

MEMO_ENTRIES = 512
MAX_QUERY_BYTES = 512
MAX_REPLY_BYTES = 4096
_SERVFAIL = 2


class ReplyMemo:
    def __init__(self, capacity: int = MEMO_ENTRIES) -> None:
        self.capacity = capacity
        self._replies: dict[tuple[bool, bytes], bytes] = {}
        self._engine: Any = None
        self._index: Any = None
        self._generation = -1
        self.hits = 0

    def _current(self, engine: Any) -> bool:
        index = engine.index
        if engine is self._engine and index is self._index and index.generation == self._generation:
            return True
        self._replies.clear()
        self._engine, self._index, self._generation = engine, index, index.generation
        return False

    def get(self, engine: Any, data: bytes, tcp: bool) -> bytes | None:
        """The reply for `data` (with its ID) when one was kept for this engine, index and generation."""
        if not self._current(engine) or len(data) > MAX_QUERY_BYTES:
            return None
        rest = self._replies.get((tcp, data[2:]))
        if rest is None:
            return None
        self.hits += 1
        return data[:2] + rest

    def put(self, engine: Any, generation: int, effects: int, data: bytes, tcp: bool, reply: bytes) -> None:
        """Keep `reply` to `data` if the engine gave it as a function of the query and the index: the index is
        the one at `generation` still and the engine's effects are what they were before it answered."""
        if (self.capacity <= 0 or engine.effects != effects or engine.index.generation != generation or not self._current(engine)
                or len(data) > MAX_QUERY_BYTES or len(reply) > MAX_REPLY_BYTES or len(reply) < 4
                or reply[:2] != data[:2] or reply[3] & 0xF == _SERVFAIL):
            return
        while len(self._replies) >= self.capacity:
            del self._replies[next(iter(self._replies))]
        self._replies[(tcp, bytes(data[2:]))] = bytes(reply[2:])
