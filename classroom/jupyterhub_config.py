"""JupyterHub for an svclab class on one machine (see classroom/README.md).

    sudo .venv/bin/jupyterhub -f classroom/jupyterhub_config.py

Run as root from the checkout whose `.venv` has svclab installed with the `classroom` extra: every user's
server runs as that user's system account (LocalProcessSpawner) from this same environment, in a memory
cgroup of its own (ClassroomSpawner). Settings come from the environment, with these defaults:

    SVCLAB_CLASSROOM_ROOT  /srv/svclab          hub state (hub/, 0700) and the nbgrader exchange (exchange/, 1777)
    SVCLAB_ROSTER          $ROOT/roster.txt     one "username role" per line, role instructor or learner
    SVCLAB_HUB_BIND_URL    http://:8000         where learners connect (put TLS in front for a real class)
    SVCLAB_MEM_LIMIT       768M                 per learner: server + kernels + embedded clusters together
    SVCLAB_INSTRUCTOR_MEM_LIMIT  2G             per instructor (formgrader autogrades in their server)
    SVCLAB_CULL_TIMEOUT    3600                 seconds without activity before a server is stopped
    SVCLAB_CULL_EVERY      300                  how often the culler looks
    SVCLAB_SERVER_PYTHON   the hub's python     the interpreter users' servers and kernels run
"""

from __future__ import annotations

import os
import pwd
import shutil
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - provided by traitlets when JupyterHub loads this file

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent  # the environment the hub runs from serves every user too
# The interpreter users' servers run: the hub's own unless this says otherwise (it must be one every user can
# run, with svclab importable: install the environment outside any private home, e.g. /opt/svclab).
SERVER_PYTHON = os.environ.get("SVCLAB_SERVER_PYTHON", sys.executable)
sys.path.insert(0, str(HERE))  # for ClassroomSpawner

ROOT = Path(os.environ.get("SVCLAB_CLASSROOM_ROOT", "/srv/svclab"))
ROSTER = Path(os.environ.get("SVCLAB_ROSTER", str(ROOT / "roster.txt")))
EXCHANGE = ROOT / "exchange"
HUB_STATE = ROOT / "hub"
ROLES = ("instructor", "learner")


def read_roster(path: Path) -> dict[str, str]:
    """`username role` per line; blank lines and # comments ignored. A bad line stops the hub with its number."""
    roster: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if len(fields) != 2 or fields[1] not in ROLES:
            raise SystemExit(f"{path}:{number}: expected 'username instructor|learner', got {line!r}")
        roster[fields[0]] = fields[1]
    return roster


ROSTER_USERS = read_roster(ROSTER)
INSTRUCTORS = sorted(u for u, role in ROSTER_USERS.items() if role == "instructor")
LEARNERS = sorted(u for u, role in ROSTER_USERS.items() if role == "learner")

# --- directories: the hub's state private, the exchange shared ---------------------------------------------
ROOT.mkdir(mode=0o755, parents=True, exist_ok=True)
HUB_STATE.mkdir(mode=0o700, exist_ok=True)
os.chmod(HUB_STATE, 0o700)
# nbgrader's exchange: everyone may create entries (instructors their course folder, learners their
# submissions in the course's inbound, which nbgrader makes 2733 so no learner can list another's);
# sticky, so nobody removes what another user put there.
EXCHANGE.mkdir(exist_ok=True)
os.chmod(EXCHANGE, 0o1777)

# --- the hub ----------------------------------------------------------------------------------------------
c.JupyterHub.bind_url = os.environ.get("SVCLAB_HUB_BIND_URL", "http://:8000")
c.JupyterHub.db_url = f"sqlite:///{HUB_STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(HUB_STATE / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(HUB_STATE / "jupyterhub-proxy.pid")
_proxy = shutil.which("configurable-http-proxy", path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
if _proxy:
    c.ConfigurableHTTPProxy.command = [_proxy]

# Who may log in, and who teaches. On one machine, PAM (JupyterHub's default) checks system passwords.
c.Authenticator.allowed_users = set(ROSTER_USERS)
c.Authenticator.admin_users = set(INSTRUCTORS)
c.JupyterHub.load_groups = {"instructors": {"users": INSTRUCTORS}, "learners": {"users": LEARNERS}}

# --- each user's server -------------------------------------------------------------------------------------
c.JupyterHub.spawner_class = "classroom_spawner.ClassroomSpawner"
c.Spawner.cmd = [SERVER_PYTHON, "-m", "jupyterhub.singleuser"]
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = "/lab"


def byte_spec(value: str) -> int | str:
    """Bytes, or a number with a suffix K, M, G, T (JupyterHub's ByteSpecification)."""
    return int(value) if value.isdigit() else value


c.Spawner.mem_limit = byte_spec(os.environ.get("SVCLAB_MEM_LIMIT", "768M"))  # sized in classroom/README.md
INSTRUCTOR_MEM_LIMIT = byte_spec(os.environ.get("SVCLAB_INSTRUCTOR_MEM_LIMIT", "2G"))
c.Spawner.http_timeout = 120  # first start of JupyterLab on a busy machine
c.Spawner.start_timeout = 120


def classroom_environment(spawner) -> None:  # type: ignore[no-untyped-def]
    """Per role: which Jupyter config (formgrader for instructors; assignment list for learners).
    For everyone: where the exchange is, and a cluster that lives as long as the user's server."""
    name = spawner.user.name
    role = ROSTER_USERS.get(name, "learner")
    state = Path(pwd.getpwnam(name).pw_dir) / ".local" / "state" / "svclab" / "default"
    if role == "instructor":
        spawner.mem_limit = INSTRUCTOR_MEM_LIMIT
    spawner.environment.update({
        "JUPYTER_CONFIG_PATH": str(HERE / "jupyter" / role),
        "SVCLAB_EXCHANGE": str(EXCHANGE),
        "SVCLAB_STATE_DIR": str(state),
        "KUBECONFIG": str(state / "kubeconfig"),  # kubectl in a terminal: the same cluster as the notebooks
        "SVCLAB_CLUSTER_EXIT_WITH": "parent",  # a kernel's cluster ends with the server (stop, cull, crash)
        "PATH": os.pathsep.join([str(Path(SERVER_PYTHON).parent), str(BIN), "/usr/local/bin", "/usr/bin", "/bin"]),
    })


c.Spawner.pre_spawn_hook = classroom_environment

# --- idle culling: a hub service with only the rights it needs ------------------------------------------------
CULL_TIMEOUT = int(os.environ.get("SVCLAB_CULL_TIMEOUT", "3600"))
CULL_EVERY = int(os.environ.get("SVCLAB_CULL_EVERY", "300"))
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={CULL_TIMEOUT}", f"--cull-every={CULL_EVERY}"],
    }
]
c.JupyterHub.load_roles = [
    {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }
]
