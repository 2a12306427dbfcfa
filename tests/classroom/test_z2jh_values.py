"""classroom/z2jh-values.yaml against the Zero to JupyterHub chart's own values schema (chart 4.4.0, in
tests/fixtures/z2jh), merged over the chart's defaults as `helm install -f` does. Offline: nothing is
deployed; this proves the structure and types helm would check, and the sizes the README derives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "tests" / "fixtures" / "z2jh"
VALUES = REPO / "classroom" / "z2jh-values.yaml"


def merged(defaults: Any, override: Any) -> Any:
    """Helm's merge of user values over chart values: maps merge key by key, everything else is replaced."""
    if isinstance(defaults, dict) and isinstance(override, dict):
        return {**defaults, **{k: merged(defaults.get(k), v) for k, v in override.items()}}
    return override


def errors(values: dict[str, Any]) -> list[str]:
    schema = yaml.safe_load((CHART / "values.schema.json").read_text())
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    validator = jsonschema.Draft7Validator(schema)
    return sorted(f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(merged(defaults, values)))


def bytes_of(spec: str) -> int:
    units = {"K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
    return int(float(spec[:-1]) * units[spec[-1]]) if spec[-1] in units else int(spec)


def test_the_values_pass_the_chart_schema() -> None:
    assert errors(yaml.safe_load(VALUES.read_text())) == []


def test_the_schema_catches_a_misspelt_key() -> None:
    """The check can fail: the chart's schema refuses keys it does not know."""
    values = yaml.safe_load(VALUES.read_text())
    values["singleuser"]["memory"]["guarantees"] = values["singleuser"]["memory"].pop("guarantee")
    assert any("guarantees" in e for e in errors(values))


def test_sizes_and_culling_follow_the_recipe() -> None:
    values = yaml.safe_load(VALUES.read_text())
    memory = values["singleuser"]["memory"]
    # ~330 MiB measured per learner with one kernel (classroom/README.md): the guarantee covers it, the limit a
    # second kernel too; the same per-learner limit as the one-machine recipe.
    assert 330 * 1024**2 < bytes_of(memory["guarantee"]) < bytes_of(memory["limit"])
    recipe = (REPO / "classroom" / "jupyterhub_config.py").read_text()
    assert f'os.environ.get("SVCLAB_MEM_LIMIT", "{memory["limit"]}")' in recipe
    assert values["cull"]["enabled"] and values["cull"]["timeout"] == 3600
    assert values["singleuser"]["extraEnv"]["SVCLAB_CLUSTER_EXIT_WITH"] == "parent"
    mounts = {m["name"]: m["mountPath"] for m in values["singleuser"]["storage"]["extraVolumeMounts"]}
    assert mounts["nbgrader-exchange"] == values["singleuser"]["extraEnv"]["SVCLAB_EXCHANGE"]
    compile(values["hub"]["extraConfig"]["svclab-roles"], "extraConfig", "exec")  # the hub's Python parses


@pytest.mark.parametrize("path", ["singleuser.memory.limit", "cull.timeout"])
def test_wrong_types_are_refused(path: str) -> None:
    values = yaml.safe_load(VALUES.read_text())
    section, *keys = path.split(".")
    target = values[section]
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = {"not": "a scalar"}
    assert any(path in e for e in errors(values))
