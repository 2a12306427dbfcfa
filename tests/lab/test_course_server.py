"""The learner's JupyterLab configuration: nbgrader's learner extensions only where an exchange is
configured, the instructor's never; and the course folder it serves."""

from __future__ import annotations

import json
from pathlib import Path

from svclab.course import folder, server

REPO = Path(__file__).resolve().parents[2]


def test_the_default_exchange_is_nbgraders() -> None:
    from nbgrader.exchange.default.exchange import Exchange

    assert server.NBGRADER_DEFAULT_EXCHANGE == Exchange.root.default_value


def test_no_exchange_no_learner_lists_and_never_the_instructors_tools(tmp_path: Path) -> None:
    assert server.exchange_root(tmp_path) is None or server.exchange_root(tmp_path) == Path(server.NBGRADER_DEFAULT_EXCHANGE)
    server.write_learner_config(tmp_path / "config", with_exchange=False)
    extensions = json.loads((tmp_path / "config" / "jupyter_server_config.json").read_text())["ServerApp"]["jpserver_extensions"]
    assert extensions == {"nbgrader.server_extensions.assignment_list": False, "nbgrader.server_extensions.course_list": False,
                          "nbgrader.server_extensions.formgrader": False}
    disabled = json.loads((tmp_path / "config" / "labconfig" / "page_config.json").read_text())["disabledExtensions"]
    assert disabled["@jupyter/nbgrader:course-list"] and disabled["@jupyter/nbgrader:assignment-list"] and disabled["@jupyter/nbgrader:menu"]
    assert disabled["@jupyter/nbgrader:formgrader"] and disabled["@jupyter/nbgrader:create-assignment"]
    assert "@jupyter/nbgrader:validate-assignment" not in disabled


def test_a_configured_exchange_turns_the_learner_lists_on(tmp_path: Path) -> None:
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "nbgrader_config.py").write_text(f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\n")
    assert server.exchange_root(tmp_path / "course") == exchange
    server.write_learner_config(tmp_path / "config", with_exchange=True)
    extensions = json.loads((tmp_path / "config" / "jupyter_server_config.json").read_text())["ServerApp"]["jpserver_extensions"]
    assert extensions["nbgrader.server_extensions.assignment_list"] and extensions["nbgrader.server_extensions.course_list"]
    assert not extensions["nbgrader.server_extensions.formgrader"]
    disabled = json.loads((tmp_path / "config" / "labconfig" / "page_config.json").read_text())["disabledExtensions"]
    assert not disabled["@jupyter/nbgrader:course-list"] and disabled["@jupyter/nbgrader:formgrader"]
    (tmp_path / "course" / "nbgrader_config.py").write_text(f"c = get_config()\nc.Exchange.root = {str(tmp_path / 'missing')!r}\n")
    assert server.exchange_root(tmp_path / "course") is None


def test_the_course_folder_links_lessons_and_exercises_but_not_solutions(tmp_path: Path) -> None:
    page = folder.write_course(REPO, tmp_path / "course", tmp_path, tmp_path / "kubeconfig")
    assert page == tmp_path / "course" / "START.ipynb"
    names = {p.name for p in (tmp_path / "course").iterdir()}
    assert names == {"START.ipynb", "notebooks", "exercises", "README.md", "docs"}
    assert (tmp_path / "course" / "exercises" / "ps1-clusterip" / "ps1-clusterip.ipynb").is_file()
    assert (tmp_path / "course" / "notebooks").resolve() == REPO / "notebooks"
    folder.write_course(REPO, tmp_path / "course", tmp_path, tmp_path / "kubeconfig")  # again: idempotent
    assert {p.name for p in (tmp_path / "course").iterdir()} == names
    assert f"`{tmp_path}`" in page.read_text()  # the start page names the cluster it serves
