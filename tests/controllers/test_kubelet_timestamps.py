"""The kubelet reads a timestamp as strptime("%Y-%m-%dT%H:%M:%SZ") does, value or ValueError, while not loading
strptime for the store's own timestamps (its first use is ~3 ms of a cluster's start)."""

from __future__ import annotations

import random
from datetime import datetime, timezone

from svclab.controllers.kubelet import _ts_seconds


def strptime_seconds(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()


def outcome(read: object, text: str) -> object:
    try:
        return read(text)  # type: ignore[operator]
    except ValueError:
        return ValueError


def test_every_timestamp_reads_as_strptime_reads_it() -> None:
    draw = random.Random(14)
    texts = ["2027-01-15T08:00:00Z", "2024-02-29T23:59:59Z", "2023-02-29T00:00:00Z", "2024-1-01T00:00:00Z", "2024-01-01T0:0:0Z",
             "2024-01-01T00:00:60Z", "2024-01-01T24:00:00Z", "2024-01-01T00:00:00", "2024-01-01 00:00:00Z", "", "0000-01-01T00:00:00Z",
             "٢٠٢٤-01-01T00:00:00Z"]
    texts += ["%04d-%02d-%02dT%02d:%02d:%02dZ" % (draw.randint(1, 9999), draw.randint(0, 13), draw.randint(0, 32), draw.randint(0, 25),
                                                draw.randint(0, 61), draw.randint(0, 62)) for _ in range(3000)]
    for text in texts:
        assert outcome(_ts_seconds, text) == outcome(strptime_seconds, text), text
