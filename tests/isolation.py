"""A pytest plugin that keeps the suite inside its repository.

A user's fresh clone has nothing beside it, so no test may read a file that lives next to the
repository (folders beside it exist only on the project's own machines). An audit hook sees
every file Python opens during the run and refuses any path under the repository's parent folder
that is neither inside the repository nor in a temporary folder: the test that tried it fails with
a PermissionError that names the path.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def allowed_roots() -> tuple[str, ...]:
    """The repository, and the temporary folder unless the repository itself lives in it (a clone made
    under /tmp: its neighbours are then in the temporary folder too, and must stay refused)."""
    repo = str(REPO).rstrip(os.sep) + os.sep
    temp = os.path.realpath(tempfile.gettempdir()).rstrip(os.sep) + os.sep
    return (repo,) if repo.startswith(temp) else (repo, temp)


def outside_repository(path: str, parent: str, allowed: tuple[str, ...]) -> bool:
    """Is PATH beside the repository (under its parent) but neither in it nor in a temp folder?"""
    full = os.path.realpath(path) + os.sep
    return full.startswith(parent) and not full.startswith(allowed)


def _install() -> None:
    parent = str(REPO.parent).rstrip(os.sep) + os.sep
    allowed = allowed_roots()

    def hook(event: str, args: tuple[object, ...]) -> None:
        if event != "open" or not args or not isinstance(args[0], (str, bytes, os.PathLike)):
            return
        path = os.fsdecode(args[0])  # type: ignore[arg-type]
        if outside_repository(path, parent, allowed):
            raise PermissionError(f"a test read outside the repository: {path} (tests must carry their own fixtures)")

    sys.addaudithook(hook)


def pytest_configure(config: object) -> None:
    _install()
