"""classroom/grading/*.yaml, the Kubernetes Jobs that grade a class in shards, checked offline:

- against the Job schema: each manifest goes through the official client's `V1Job` model (generated from the
  Kubernetes OpenAPI schema; pydantic, `extra="forbid"`) and back, so a misspelt field, a wrong type or a
  missing required field fails; plus the rules the API server's Job validation adds for Indexed Jobs
  (pkg/apis/batch/validation/validation.go, v1.35);
- as commands: the container's `sh -c` line is run by a real `sh` with the Job controller's
  JOB_COMPLETION_INDEX for every index, and what it would exec is parsed by `svclab grade`'s own parser:
  N shards that cover every index once, folders the merge Job reads.
"""

from __future__ import annotations

import argparse
import copy
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes.client import ApiClient, V1Job

from svclab.grading import loop

REPO = Path(__file__).resolve().parents[2]
GRADE, MERGE = REPO / "classroom" / "grading" / "grade-job.yaml", REPO / "classroom" / "grading" / "merge-job.yaml"
MAX_INDEXED = 100_000  # validation.go: completions and parallelism of an Indexed Job "must be less than or equal to 100000"


def schema_errors(doc: dict[str, Any]) -> list[str]:
    """Empty when `doc` is a valid batch/v1 Job, else what is wrong."""
    try:
        job = V1Job.from_dict(doc)
    except Exception as exc:  # noqa: BLE001 - pydantic's ValidationError names the field and the type
        return [str(exc).splitlines()[0] + ": " + " ".join(str(exc).splitlines()[1:3])]
    errors = []
    back = ApiClient().sanitize_for_serialization(job)
    if back != doc:
        errors.append(f"fields the Job schema does not have, or of another type: {sorted(differences(doc, back))}")
    if (doc.get("apiVersion"), doc.get("kind")) != ("batch/v1", "Job"):
        errors.append("not a batch/v1 Job")
    spec = doc.get("spec") or {}
    pod = ((spec.get("template") or {}).get("spec")) or {}
    if spec.get("completionMode") == "Indexed":
        if spec.get("completions") is None:
            errors.append("spec.completions: Required value: when completion mode is Indexed")
        for name in ("completions", "parallelism"):
            if (spec.get(name) or 0) > MAX_INDEXED:
                errors.append(f"spec.{name}: must be less than or equal to {MAX_INDEXED} when completion mode is Indexed")
    elif spec.get("backoffLimitPerIndex") is not None:
        errors.append("spec.backoffLimitPerIndex: requires indexed completion mode")
    if pod.get("restartPolicy") not in ("OnFailure", "Never"):
        errors.append(f"spec.template.spec.restartPolicy: Unsupported value: {pod.get('restartPolicy')!r}: supported values: \"OnFailure\", \"Never\"")
    mounts = {m["name"] for c in pod.get("containers", []) for m in c.get("volumeMounts", [])}
    if not mounts <= {v["name"] for v in pod.get("volumes", [])}:
        errors.append("a volumeMount names no volume of the pod")
    return errors


def differences(a: Any, b: Any, path: str = "") -> set[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        return {d for k in set(a) | set(b) for d in differences(a.get(k), b.get(k), f"{path}.{k}")}
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return {d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{i}]")}
    return set() if a == b else {path or "."}


def load(path: Path) -> dict[str, Any]:
    [doc] = list(yaml.safe_load_all(path.read_text()))
    return doc


@pytest.mark.parametrize("path", [GRADE, MERGE], ids=["grade-job", "merge-job"])
def test_the_jobs_pass_the_job_schema(path: Path) -> None:
    assert schema_errors(load(path)) == []


def test_the_schema_check_can_fail() -> None:
    job = load(GRADE)
    misspelt = copy.deepcopy(job)
    misspelt["spec"]["completion"] = misspelt["spec"].pop("completions")
    assert any("completion" in e for e in schema_errors(misspelt))
    wrong_type = copy.deepcopy(job)
    wrong_type["spec"]["parallelism"] = "six"
    assert any("parallelism" in e for e in schema_errors(wrong_type))
    always = copy.deepcopy(job)
    always["spec"]["template"]["spec"]["restartPolicy"] = "Always"
    assert any("restartPolicy: Unsupported value" in e for e in schema_errors(always))
    unnamed = copy.deepcopy(job)
    del unnamed["spec"]["template"]["spec"]["containers"][0]["name"]
    assert any("name" in e for e in schema_errors(unnamed))


def container(doc: dict[str, Any]) -> dict[str, Any]:
    [found] = doc["spec"]["template"]["spec"]["containers"]
    return found


def argv_of(doc: dict[str, Any], index: int | None) -> list[str]:
    """What the container's command would exec, run by a real sh with the pod's environment."""
    main = container(doc)
    assert main["command"] == ["sh", "-c"]
    [line] = main["args"]
    svclab = "exec /opt/svclab/.venv/bin/svclab "
    assert svclab in line
    script = line.replace("chmod 0700 /course &&", "").replace(svclab, "exec printf '%s\\n' ")
    env = {e["name"]: e["value"] for e in main.get("env", [])}
    if index is not None:  # the Job controller sets it in each pod of an Indexed Job
        env["JOB_COMPLETION_INDEX"] = str(index)
    run = subprocess.run(["sh", "-c", script], env={"PATH": "/usr/bin:/bin", **env}, capture_output=True, text=True, check=True,
                         cwd="/")
    return run.stdout.splitlines()


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    loop.add_arguments(parser)
    return parser.parse_args(argv)


def test_the_indexed_job_runs_every_shard_once_into_the_folders_the_merge_reads() -> None:
    job, merge = load(GRADE), load(MERGE)
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed" and spec["completions"] == spec["parallelism"]
    shards = [parse(argv_of(job, i)[1:]) for i in range(spec["completions"])]
    assert [a.shard for a in shards] == [(i, spec["completions"]) for i in range(spec["completions"])]
    assert {str(a.submitted) for a in shards} == {"/course/submitted"}
    outs = [str(a.out) for a in shards]
    assert len(set(outs)) == len(outs) and all(o.startswith("/course/shards/") for o in outs)
    assert all(a.jobs <= int(container(job)["resources"]["requests"]["cpu"]) for a in shards)  # a worker per requested core

    merged = parse(argv_of(merge, None)[1:])
    assert [str(p) for p in merged.merge] == ["/course/shards/*"]  # sh leaves the glob as is where no shard exists yet
    assert str(merged.out) == "/course" and "/course/shards/" + "0" in outs
    volume = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in job["spec"]["template"]["spec"]["volumes"]}
    assert volume == {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in merge["spec"]["template"]["spec"]["volumes"]}


def test_shard_numbers_out_of_range_are_refused() -> None:
    with pytest.raises(SystemExit):
        parse(["submitted", "--shard", "6/6"])
    with pytest.raises(SystemExit):
        parse(["submitted", "--shard", "one/6"])
