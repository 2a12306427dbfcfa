"""kind/images.txt: pinned tags, and every image the course's manifests use is listed."""

from __future__ import annotations

import json
from pathlib import Path

from kind_image_refs import image_refs, normalize, refs_in_text
from svclab import version
from svclab.cluster import kind

REPO = Path(__file__).resolve().parents[2]
IMAGES = kind.read_images(kind.default_images_path())


def test_every_image_is_pinned_by_tag() -> None:
    assert IMAGES
    for image in IMAGES:
        assert not normalize(image).endswith(":latest"), f"{image} is not pinned (no tag means :latest)"


def test_no_duplicates() -> None:
    assert len({normalize(i) for i in IMAGES}) == len(IMAGES)


def test_the_course_images_and_the_node_image_are_listed() -> None:
    listed = {normalize(i) for i in IMAGES}
    for image in ("registry.k8s.io/e2e-test-images/agnhost:2.52", "busybox:1.36.1", version.KIND_NODE_IMAGE):
        assert normalize(image) in listed
    for image in kind.config_node_images(kind.default_config_path()):
        assert normalize(image) in listed, f"the node image {image} of kind/cluster.yaml is not in images.txt"


def test_every_image_used_under_notebooks_solutions_and_svclab_is_listed() -> None:
    listed = {normalize(i) for i in IMAGES}
    used = image_refs([REPO / "notebooks", REPO / "solutions", REPO / "svclab"])
    missing = {ref: [str(p.relative_to(REPO)) for p in paths] for ref, paths in used.items() if normalize(ref) not in listed}
    assert not missing, f"images used but not in kind/images.txt (kind nodes could not run them offline): {missing}"


# --- the scanner itself, so the test above can fail ------------------------------------------------


def test_scanner_finds_image_fields_in_every_kind_of_file(tmp_path: Path) -> None:
    (tmp_path / "web.yaml").write_text("spec:\n  containers:\n  - name: web\n    image: registry.k8s.io/e2e-test-images/agnhost:2.52\n    args: [netexec]\n")
    (tmp_path / "lesson.ipynb").write_text(json.dumps({"cells": [{"cell_type": "code", "source": ["manifest = '''\n", "    - image: 'nginx:1.27'\n", "'''\n"]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    (tmp_path / "helpers.py").write_text('def pod(image: str) -> str:\n    return f"""\n  image: {image}\n"""\nCLIENT = """\n  image: "busybox:1.36.1"\n"""\n')
    (tmp_path / "run.md").write_text("kubectl run client --image=curlimages/curl:8.11.0 --restart=Never\n")
    found = image_refs([tmp_path])
    assert set(found) == {"registry.k8s.io/e2e-test-images/agnhost:2.52", "nginx:1.27", "busybox:1.36.1", "curlimages/curl:8.11.0"}
    assert found["nginx:1.27"] == [tmp_path / "lesson.ipynb"]


def test_scanner_ignores_annotations_and_json_style_keys() -> None:
    assert refs_in_text("def f(self, image: str) -> None: ...") == ["str"]  # why .py files are read through ast
    assert refs_in_text('{"image": "x:1"}') == []
    assert refs_in_text("containers: [{name: c, image: busybox}]") == ["busybox"]


def test_normalize_makes_implicit_latest_visible() -> None:
    assert normalize("busybox") == "docker.io/library/busybox:latest"
    assert normalize("busybox:1.36.1") == "docker.io/library/busybox:1.36.1"
    assert normalize("docker.io/library/busybox:1.36.1") == "docker.io/library/busybox:1.36.1"
    assert normalize("kindest/node:v1.35.0") == "docker.io/kindest/node:v1.35.0"
    assert normalize("registry.k8s.io/pause") == "registry.k8s.io/pause:latest"
    assert normalize("localhost:5000/web:2") == "localhost:5000/web:2"
