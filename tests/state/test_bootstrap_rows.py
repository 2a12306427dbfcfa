"""What a starting cluster writes does not change when the store's copies get cheaper: the revision log of a fresh
cluster (bootstrap, then a Deployment, a Service, a scale-down, each settled) is byte for byte the fixture that
`python -m tests.state.bootstrap_log` wrote at main bdb88b1, before the store's copy changes."""

from __future__ import annotations

import json
from pathlib import Path

from tests.state.bootstrap_log import ROWS, rows


def test_a_fresh_cluster_writes_exactly_the_rows_it_wrote_before(tmp_path: Path) -> None:
    expected = json.loads(ROWS.read_text())
    found = rows(tmp_path / "state")
    assert len(found) == len(expected)
    for mine, theirs in zip(found, expected):
        assert mine == theirs
