"""The committed lesson notebooks: they render to HTML with what each lesson promises, their outputs are
clean, they match their sources in tools/lessons/, and every image they run is pinned.

(`pytest --nbval notebooks/` re-runs them and compares the outputs; these tests only read the files.)"""

from __future__ import annotations

import importlib.util
import re
from functools import lru_cache
from pathlib import Path

import nbformat
import pytest
from nbconvert import HTMLExporter

from svclab import lab

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
EXPECTED = [
    "00-setup", "01-clusterip", "02-headless", "03-statefulset-dns", "04-mixed-pattern", "05-service-types-and-dns",
    "06-debugging-services", "07-traffic-policies-and-dns-clients",
]
WITH_PLOTS = {"01-clusterip", "04-mixed-pattern"}
# Lesson NN's graded exercise (ps6 is the capstone, after all the lessons; lessons 06 and 07 share ps7, in two parts).
EXERCISES = {"01": "ps1", "02": "ps2", "03": "ps3", "04": "ps4", "05": "ps5", "06": "ps7", "07": "ps7"}
# Lessons that read kube-proxy's rules with lab.node_rules (issue 12: the dataplane, walked through).
WITH_NODE_RULES = {"01-clusterip", "05-service-types-and-dns", "06-debugging-services", "07-traffic-policies-and-dns-clients"}
IMAGE = re.compile(r"""(?:image:\s*|image=)["']?([\w./:@-]+)""")


def _builder():  # tools/ is not a package: load the build script by path
    spec = importlib.util.spec_from_file_location("build_notebooks", ROOT / "tools" / "build_notebooks.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@lru_cache(maxsize=None)
def html(stem: str) -> str:
    body, _ = HTMLExporter().from_notebook_node(nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4))
    return body


def notebook(stem: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)


def test_the_eight_lessons_are_there() -> None:
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("stem", EXPECTED)
def test_renders_with_title_diagram_prediction_and_live_summary(stem: str) -> None:
    page = html(stem)
    nb = notebook(stem)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert re.search(r'class="[^"]*mermaid', page) and "flowchart" in page, "the mermaid diagram is missing"
    assert "Before you run" in page, "no prediction question"
    summary = page.index("What you saw")
    assert 'class="dataframe' in page[summary:], "the summary table must be a live DataFrame"
    first_code = next(c for c in nb.cells if c.cell_type == "code").source
    assert first_code.startswith("from svclab import lab") and "lab.connect(" in first_code


@pytest.mark.parametrize("stem", sorted(WITH_PLOTS))
def test_load_balancing_lessons_carry_a_png_plot(stem: str) -> None:
    assert "data:image/png;base64," in html(stem)


@pytest.mark.parametrize("stem", [s for s in EXPECTED if s[:2] in EXERCISES])
def test_points_to_its_exercise(stem: str) -> None:
    assert re.search(rf"Exercise: <code>exercises/{EXERCISES[stem[:2]]}-[\w-]+/</code>", html(stem))


def test_the_index_and_the_start_page_pair_lessons_with_the_same_exercises(tmp_path: Path) -> None:
    from svclab.course import folder

    index = (ROOT / "notebooks" / "README.md").read_text()
    for stem in EXPECTED[1:]:
        row = next(line for line in index.splitlines() if f"({stem}.ipynb)" in line)
        wanted = EXERCISES.get(stem[:2])
        assert (f"`exercises/{wanted}-" in row) if wanted else row.endswith("| — |"), row
        entry = next(e for e in folder.lessons(ROOT) if e.path == f"notebooks/{stem}.ipynb")
        assert entry.exercise == wanted


@pytest.mark.parametrize("stem", EXPECTED[1:])
def test_every_lesson_links_to_its_sources(stem: str) -> None:
    intro = notebook(stem).cells[0].source
    assert "Sources:" in intro and re.search(r"\]\(https://(kubernetes\.io|github\.com)/", intro), "the opening cell must link its sources"


@pytest.mark.parametrize("stem", sorted(WITH_NODE_RULES))
def test_dataplane_lessons_show_kube_proxy_chains_live(stem: str) -> None:
    nb = notebook(stem)
    assert any("lab.node_rules(" in c.source for c in nb.cells if c.cell_type == "code")
    outputs = "".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert re.search(r"KUBE-(SVC|SVL|EXT)-[A-Z2-7]{16}|has no (local )?endpoints\\?\" .* -j (REJECT|DROP)", outputs), "no kube-proxy rule in the outputs"
    assert "pkg/proxy/iptables/proxier.go" in "".join(c.source for c in nb.cells if c.cell_type == "markdown")


@pytest.mark.parametrize("stem", EXPECTED)
def test_committed_outputs_have_no_errors_or_stderr(stem: str) -> None:
    nb = notebook(stem)
    assert _builder().problems(nb) == []
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "every code cell must have been run"


@pytest.mark.parametrize("stem", EXPECTED)
def test_notebook_matches_its_source(stem: str) -> None:
    builder = _builder()
    sources = sorted((ROOT / "tools" / "lessons").glob("[0-9][0-9]-*.py"))
    lessons = [builder.parse_lesson(p.read_text()) for p in sources]
    i = [p.stem for p in sources].index(stem)
    built = builder.build(lessons[i], builder.navigation(i, [p.stem for p in sources], [builder.title_of(c) for c in lessons]))
    committed = notebook(stem)
    assert [(c.cell_type, c.source) for c in committed.cells] == [(c.cell_type, c.source) for c in built.cells], (
        f"notebooks/{stem}.ipynb is stale: run tools/build_notebooks.py {stem[:2]}"
    )


def _pinned_images() -> set[str]:
    listed = ROOT / "kind" / "images.txt"
    return {line.strip() for line in listed.read_text().splitlines() if line.strip() and not line.startswith("#")}


@pytest.mark.parametrize("stem", EXPECTED)
def test_every_image_a_lesson_runs_is_pinned(stem: str) -> None:
    nb = notebook(stem)
    texts = [c.source for c in nb.cells if c.cell_type == "code"]
    texts += [o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    images = {m for text in texts for m in IMAGE.findall(text)} | {lab.CLIENT_IMAGE, lab.DNSUTILS_IMAGE}
    allowed = _pinned_images()
    for image in images:
        assert ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest"), f"{image} is not pinned"
        assert image in allowed, f"{image} is not listed in kind/images.txt"
