"""Build the lesson notebooks from their sources in tools/lessons/, run them, and commit the outputs.

    .venv/bin/python tools/build_notebooks.py                 # every lesson: build, execute, write
    .venv/bin/python tools/build_notebooks.py 02 03           # only lessons whose file names start so
    .venv/bin/python tools/build_notebooks.py --no-execute    # build without running (no outputs)

A lesson source is a Python file in the "percent" format: `# %% [markdown]` starts a markdown cell
(its lines are comments; the leading `# ` is removed), `# %%` starts a code cell. Lines before the
first marker are the source file's own notes and are not copied. The script adds a navigation line
at the end of every lesson and writes `notebooks/README.md`, the index.

Execution uses a fresh, seeded embedded cluster in each kernel (`SVCLAB_FRESH=1 SVCLAB_SEED=0`), so
IPs, pod-name suffixes and load-balancing draws repeat exactly and `pytest --nbval` can compare the
committed outputs. A lesson that raises, or writes anything to stderr, is not written.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "tools" / "lessons"
NOTEBOOKS = ROOT / "notebooks"
MARKER = re.compile(r"^# %%(?P<kind> \[markdown\])?\s*$")
KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def parse_lesson(text: str) -> list[tuple[str, str]]:
    """The (kind, source) cells of a percent-format lesson file."""
    cells: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        match = MARKER.match(line)
        if match:
            cells.append(("markdown" if match.group("kind") else "code", []))
        elif cells:
            kind, lines = cells[-1]
            if kind == "markdown":
                if line.strip() and not line.startswith("#"):
                    raise ValueError(f"markdown line is not a comment: {line!r}")
                line = line[2:] if line.startswith("# ") else line[1:]
            lines.append(line)
    return [(kind, "\n".join(lines).strip("\n")) for kind, lines in cells if "".join(lines).strip()]


def title_of(cells: list[tuple[str, str]]) -> str:
    for kind, source in cells:
        if kind == "markdown" and source.startswith("# "):
            return source.splitlines()[0][2:].strip()
    raise ValueError("a lesson must open with a '# Title' markdown cell")


def navigation(index: int, stems: list[str], titles: list[str]) -> str:
    parts = []
    if index > 0:
        parts.append(f"[< {titles[index - 1]}]({stems[index - 1]}.ipynb)")
    parts.append("[Contents](README.md)")
    if index + 1 < len(stems):
        parts.append(f"[{titles[index + 1]} >]({stems[index + 1]}.ipynb)")
    return "<!--NAVIGATION-->\n" + " | ".join(parts)


def build(cells: list[tuple[str, str]], nav: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": KERNEL, "language_info": {"name": "python"}}
    for kind, source in cells:
        nb.cells.append(nbformat.v4.new_markdown_cell(source) if kind == "markdown" else nbformat.v4.new_code_cell(source))
    nb.cells.append(nbformat.v4.new_markdown_cell(nav))
    for i, cell in enumerate(nb.cells):  # stable ids: rebuilding an unchanged lesson changes nothing
        cell["id"] = f"c{i:03d}"
    return nb


def problems(nb: nbformat.NotebookNode) -> list[str]:
    """Errors and stderr in the outputs: neither may be committed."""
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                found.append(f"cell {i}: {out.ename}: {out.evalue}")
            elif out.output_type == "stream" and out.name == "stderr":
                found.append(f"cell {i}: stderr: {out.text[:300]}")
    return found


def execute(nb: nbformat.NotebookNode, timeout: int = 300) -> None:
    os.environ.update({"SVCLAB_FRESH": "1", "SVCLAB_SEED": "0"})
    os.environ.pop("SVCLAB_BACKEND", None)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}, record_timing=False)
    client.execute()
    nb.metadata = {"kernelspec": KERNEL, "language_info": nb.metadata.get("language_info", {"name": "python"})}


EXERCISE = re.compile(r"^Exercise: `exercises/(ps\d+-[\w-]+)/`", re.M)


def exercise_of(cells: list[tuple[str, str]]) -> str | None:
    """The exercise a lesson names in its "Exercise: `exercises/psN-…/`" line (lesson 06's is ps7)."""
    for kind, source in cells:
        found = EXERCISE.search(source) if kind == "markdown" else None
        if found:
            return found.group(1)
    return None


def write_index(stems: list[str], titles: list[str], exercises: list[str | None]) -> None:
    lines = [
        "# svclab lessons",
        "",
        "How Pods find each other in Kubernetes: ClusterIP and headless Services, StatefulSet DNS, the",
        "mixed-Service pattern, the other Service types, debugging a Service, and traffic policies and DNS",
        "clients. Start JupyterLab with `make lab` (the embedded cluster) or `make lab SVCLAB_BACKEND=kind`",
        "and open the lessons in order. Each one ends with a pointer to its graded exercise in `exercises/`;",
        "`exercises/ps6-capstone/` comes after them all.",
        "",
        "| | lesson | exercise |",
        "|---|---|---|",
    ]
    for stem, title, named in zip(stems, titles, exercises):
        exercise = f"`exercises/{named}/`" if named else "—"
        lines.append(f"| {stem[:2]} | [{title}]({stem}.ipynb) | {exercise} |")
    lines += [
        "",
        "The outputs are committed: they come from a fresh embedded cluster seeded with 0, so they read",
        "the same on GitHub as on your screen when you run the lessons with `SVCLAB_FRESH=1 SVCLAB_SEED=0`.",
        "On kind, or on a long-running embedded cluster, IPs and pod names will differ; the behaviour will not.",
        "",
        "Rebuild and re-run them all with `.venv/bin/python tools/build_notebooks.py`; check them with",
        "`SVCLAB_FRESH=1 SVCLAB_SEED=0 .venv/bin/python -m pytest --nbval notebooks/ --sanitize-with notebooks/nbval-sanitize.cfg -p no:cacheprovider`.",
        "",
    ]
    (NOTEBOOKS / "README.md").write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="lesson file name prefixes, e.g. 02")
    parser.add_argument("--no-execute", action="store_true", help="write the notebooks without outputs")
    args = parser.parse_args(argv)
    sources = sorted(LESSONS.glob("[0-9][0-9]-*.py"))
    stems = [p.stem for p in sources]
    lessons = [parse_lesson(p.read_text()) for p in sources]
    titles = [title_of(cells) for cells in lessons]
    NOTEBOOKS.mkdir(exist_ok=True)
    failed = 0
    for i, (stem, cells) in enumerate(zip(stems, lessons)):
        if args.only and not any(stem.startswith(prefix) for prefix in args.only):
            continue
        nb = build(cells, navigation(i, stems, titles))
        started = time.monotonic()
        if not args.no_execute:
            execute(nb)
            bad = problems(nb)
            if bad:
                failed += 1
                print(f"{stem}: NOT written\n  " + "\n  ".join(bad), file=sys.stderr)
                continue
        nbformat.validate(nb)
        nbformat.write(nb, NOTEBOOKS / f"{stem}.ipynb")
        print(f"{stem}.ipynb: {len(nb.cells)} cells, {time.monotonic() - started:.1f}s")
    write_index(stems, titles, [exercise_of(cells) for cells in lessons])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
