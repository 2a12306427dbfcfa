"""The suite cannot read beside the repository: a fresh clone has nothing there."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tests.isolation import REPO, allowed_roots, outside_repository


def test_reading_beside_the_repository_is_refused() -> None:
    beside = REPO.parent / "notes-beside-the-clone" / "anything.md"
    with pytest.raises(PermissionError, match="outside the repository"):
        beside.read_text()


def test_the_repository_and_temporary_files_stay_readable(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("ok")
    assert (tmp_path / "x").read_text() == "ok"
    assert (REPO / "README.md").read_text().startswith("#")


def test_the_rule() -> None:
    parent = "/work/"
    allowed = (str(REPO) + "/", tempfile.gettempdir() + "/")
    assert outside_repository("/work/notes/a.md", parent, allowed)
    assert not outside_repository("/etc/hosts", parent, allowed)
    assert allowed_roots()[0] == str(REPO) + "/"


def test_a_clone_in_the_temporary_folder_keeps_its_neighbours_out() -> None:
    parent = "/tmp/clone.x/"
    allowed = ("/tmp/clone.x/svclab/",)  # what allowed_roots() gives a repository under /tmp
    assert outside_repository("/tmp/clone.x/notes/a.md", parent, allowed)
    assert not outside_repository("/tmp/pytest-of-root/pytest-1/x", parent, allowed)
    assert not outside_repository("/tmp/clone.x/svclab/README.md", parent, allowed)
