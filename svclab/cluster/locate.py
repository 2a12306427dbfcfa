"""Which cluster svclab talks to: one rule for notebooks, terminals, `svclab status` and `svclab doctor`.

A cluster is named by its state directory (its kubeconfig, token, saved objects and log live there).
The first of these that applies wins:

1. ``SVCLAB_STATE_DIR``, when it is set.
2. ``KUBECONFIG``, when it names the kubeconfig of an svclab state directory (the
   ``export KUBECONFIG=…`` line `make lab` prints); a ``KUBECONFIG`` that names any other file is
   kubectl's business and does not choose an svclab cluster.
3. The svclab checkout that holds the current directory: its ``.svclab/lab`` (what `make lab` uses).
4. The checkout the svclab package itself was installed from (``pip install -e``): its ``.svclab/lab``.
5. Otherwise (svclab installed from a wheel and run outside any checkout) a per-user directory,
   ``$XDG_STATE_HOME/svclab/default`` (``~/.local/state/svclab/default``), shared by everything that
   user runs outside a checkout, and by nothing inside one.

So two checkouts side by side never share a cluster unless told to, and a kernel that `make lab`
started (it sets ``SVCLAB_STATE_DIR`` and ``KUBECONFIG``) uses the cluster `make lab` started.
The README's section "Which cluster" says the same for learners.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

CHECKOUT_STATE = Path(".svclab") / "lab"
PACKAGE_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Located:
    state_dir: Path
    source: str  # how it was chosen, in words: "SVCLAB_STATE_DIR", "KUBECONFIG", "this checkout (/path)", ...
    ignored_kubeconfig: str | None = None  # a KUBECONFIG that names no svclab cluster (kubectl still uses it)


def is_checkout(folder: Path) -> bool:
    """Is `folder` a clone of svclab (its pyproject names the project svclab, and the package is there)?"""
    try:
        project = tomllib.loads((folder / "pyproject.toml").read_text()).get("project") or {}
    except (OSError, ValueError):
        return False
    return project.get("name") == "svclab" and (folder / "svclab" / "__init__.py").is_file()


def find_checkout(start: Path) -> Path | None:
    """The svclab checkout that holds `start` (itself or its nearest ancestor that is one)."""
    for folder in (start, *start.parents):
        if is_checkout(folder):
            return folder
    return None


def package_checkout() -> Path | None:
    """The checkout this svclab package lives in (an editable install), or None (installed from a wheel)."""
    parent = PACKAGE_DIR.parent
    return parent if is_checkout(parent) else None


def state_dir_of_kubeconfig(path: Path) -> Path | None:
    """The svclab state directory a kubeconfig file belongs to, or None when it is not svclab's.

    The embedded cluster writes ``DIR/kubeconfig`` next to its ``DIR/token``; for kind, svclab keeps its
    one-context copy as ``DIR/kind-<name>.kubeconfig``.
    """
    if path.name == "kubeconfig" and (path.parent / "token").is_file():
        return path.parent
    if path.name.startswith("kind-") and path.name.endswith(".kubeconfig") and path.is_file():
        return path.parent
    return None


def per_user_state_dir(env: Mapping[str, str]) -> Path:
    home = Path(env.get("HOME") or str(Path.home()))
    return Path(env.get("XDG_STATE_HOME") or home / ".local" / "state") / "svclab" / "default"


def locate(env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Located:
    """Apply the rule above to an environment and a working directory (default: this process's)."""
    env = os.environ if env is None else env
    here = Path.cwd() if cwd is None else cwd
    explicit = env.get("SVCLAB_STATE_DIR")
    if explicit:
        return Located(Path(explicit).expanduser().absolute(), "SVCLAB_STATE_DIR")
    ignored = None
    for part in (env.get("KUBECONFIG") or "").split(os.pathsep):
        if not part:
            continue
        named = Path(part).expanduser()
        named = named if named.is_absolute() else here / named
        found = state_dir_of_kubeconfig(named)
        if found is not None:
            return Located(found.absolute(), "KUBECONFIG")
        ignored = ignored or part
    checkout = find_checkout(here.absolute())
    if checkout is not None:
        return Located(checkout / CHECKOUT_STATE, f"the checkout you are in ({checkout})", ignored)
    checkout = package_checkout()
    if checkout is not None:
        return Located(checkout / CHECKOUT_STATE, f"the checkout svclab is installed from ({checkout})", ignored)
    return Located(per_user_state_dir(env), "the per-user default (svclab installed outside a checkout)", ignored)
