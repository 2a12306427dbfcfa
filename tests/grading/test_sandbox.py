"""The sandbox a grading kernel runs in, proven from inside it (svclab.grading.sandbox, forked by the zygote):
it is an unprivileged user of its own, sees neither solutions/ nor the course nor the repository's history,
can write nothing but its own /tmp (not the editable install in the repository, not the venv), cannot signal
the grader's processes, and leaves nothing running once its user's processes are killed."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from svclab.grading import kernels, sandbox

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(os.getuid() != 0, reason="confining a kernel as another user needs root (CI runs as root)")


@pytest.fixture(scope="module")
def user() -> Iterator[tuple[str, int, int]]:
    """A sandbox user of our own (other graders on this machine hold theirs)."""
    name, uid, gid, lock = sandbox.claim_user()
    yield name, uid, gid
    os.close(lock)


@pytest.fixture(scope="module")
def zygote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[kernels.ZygoteClient]:
    log = tmp_path_factory.mktemp("zygote") / "zygote.log"
    client = kernels.ZygoteClient(str(log))
    client.wait_ready()
    yield client
    client.close()


def spec_for(root: Path, user: tuple[str, int, int]) -> sandbox.Spec:
    name, uid, gid = user
    root.mkdir(mode=0o700, parents=True)
    return sandbox.Spec(uid=uid, gid=gid, user=name, root=str(root), binds=sandbox.default_binds(),
                        env={"HOME": "{tmp}/home", "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"})


def probe(zygote: kernels.ZygoteClient, user: tuple[str, int, int], tmp_path: Path, secrets: list[str], protected: list[str]) -> dict[str, object]:
    tmp_path.mkdir(exist_ok=True)
    result = tmp_path / "result.json"
    code = zygote.run("probe", spec=spec_for(tmp_path / "root", user).to_json(), secrets=secrets, protected=protected, result=str(result))
    assert code == 0
    return json.loads(result.read_text())


def test_a_confined_process_reads_no_secret_and_writes_no_install(zygote: kernels.ZygoteClient, user: tuple[str, int, int], tmp_path: Path) -> None:
    course = tmp_path / "course"
    (course / "submitted" / "ada" / "ps1-clusterip").mkdir(parents=True)
    (course / "gradebook.db").write_text("hidden tests live here")
    (course / "submitted" / "ada" / "ps1-clusterip" / "ps1-clusterip.ipynb").write_text("{}")
    secrets = [str(REPO / "solutions"), str(REPO / "solutions" / "ps1-clusterip" / "ps1-clusterip.ipynb"), str(course / "gradebook.db"),
               str(course / "submitted" / "ada" / "ps1-clusterip" / "ps1-clusterip.ipynb"), str(REPO / ".git"), str(REPO / "tests"),
               str(REPO / "nbgrader_config.py")]
    import svclab

    protected = [str(Path(svclab.__file__).parent), str(Path(svclab.__file__).parent / "grading" / "ps1.py"), str(Path(sys.prefix)),
                 str(Path(sys.prefix) / "bin"), str(REPO), "/usr", "/etc"]
    report = probe(zygote, user, tmp_path, secrets, protected)
    assert report.get("error") is None
    assert report["violations"] == []
    assert report["uid"] == user[1] != 0 and report["cwd"] == "/tmp/work"
    # the probe's own checks can fail: it does see what it may (the package it imports)
    found = probe(zygote, user, tmp_path / "again", [str(Path(svclab.__file__).parent / "grading" / "ps1.py")], [])
    assert found["violations"] == [f"can read {Path(svclab.__file__).parent / 'grading' / 'ps1.py'}"]


def test_killing_the_sandbox_user_ends_whatever_it_left_running(zygote: kernels.ZygoteClient, user: tuple[str, int, int]) -> None:
    _, uid, gid = user
    pid = os.fork()
    if pid == 0:  # as the sandbox user, in a session of its own, as a learner's detached daemon would be
        try:
            os.setsid()
            os.setgid(gid)
            os.setuid(uid)
            time.sleep(60)
        finally:
            os._exit(0)
    time.sleep(0.2)
    assert zygote.run("killuser", uid=uid) == 0
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == 9


def test_the_grader_refuses_to_grade_without_a_sandbox_unless_told(tmp_path: Path) -> None:
    from svclab.grading import loop

    pid = os.fork()
    if pid == 0:  # as an ordinary user
        code = 0
        try:
            os.setgid(65534)
            os.setuid(65534)
            try:
                loop.check_sandbox(True)
            except SystemExit as exc:
                code = 3 if "needs root" in str(exc) and "--no-sandbox" in str(exc) else 4
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 3
