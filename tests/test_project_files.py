"""The project's own files agree with each other: pins, the CI script, the README's commands."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent


def pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    return {name.lower(): version for name, version in (r.split("==") for r in requirements)}


def test_environment_yml_pins_match_pyproject() -> None:
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    pins = pyproject_pins()
    conda = {}
    pip: list[str] = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip = dep["pip"]
        elif "=" in dep:
            name, version = dep.split("=")
            conda[name] = version
    assert conda.pop("python") == "3.11"
    # The classroom hub's proxy is an npm package: conda-forge's build and the Makefile's npm pin agree.
    assert conda.pop("configurable-http-proxy") == re.search(r"^CHP_VERSION := (\S+)$", (REPO / "Makefile").read_text(), re.M).group(1)  # type: ignore[union-attr]
    from_pip = dict(r.split("==") for r in pip if "==" in r)
    assert {**conda, **from_pip} == pins
    assert "-e ." in pip


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.M)
    readme = (REPO / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme
