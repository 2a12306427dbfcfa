"""Fixtures for the classroom hub tests: a folder every test user can enter, real system users, and the
interpreter their servers run."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.classroom.hub import REPO, SystemUsers, readable_by_others


@pytest.fixture(scope="module")
def place() -> Iterator[Path]:
    """A folder every test user can enter (pytest's tmp_path is private to root)."""
    blocked = readable_by_others(REPO)
    if blocked is not None:
        pytest.skip(f"other users cannot enter {blocked}, so learners' servers could not import svclab from this checkout")
    folder = Path(tempfile.mkdtemp(prefix="svclab-classroom-"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def users(place: Path) -> Iterator[tuple[SystemUsers, dict[str, str]]]:
    tag = secrets.token_hex(2)
    accounts = SystemUsers(place / "home")
    accounts.homes.mkdir(mode=0o755)
    roster = {f"sl{tag}-teacher": "instructor", f"sl{tag}-alice": "learner", f"sl{tag}-bob": "learner"}
    try:
        for name in roster:
            accounts.add(name)
        yield accounts, roster
    finally:
        accounts.remove_all()
