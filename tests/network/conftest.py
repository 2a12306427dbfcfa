"""Fixtures for the pod shell/tools tests (the fakes they build on are in pod_fakes.py)."""

from __future__ import annotations

import pytest

from pod_fakes import RECORDS, DNSHarness


@pytest.fixture
def records() -> dict[tuple[str, str], list[str]]:
    return dict(RECORDS)


@pytest.fixture
def harness(records: dict[tuple[str, str], list[str]]) -> DNSHarness:
    return DNSHarness(records)
