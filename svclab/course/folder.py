"""The folder `make lab` serves: the course as a learner sees it, and its start page.

JupyterLab's root is `<state dir>/course`, a folder of links into the checkout:

    START.ipynb      the start page (written here, every `make lab`)
    notebooks/  ->   the lessons
    exercises/  ->   the exercises (the student release)
    README.md   ->   the README (the start page links to its sections), and docs/ for its picture

so lessons and exercises are both reachable, with the same relative paths as in the repository, while
the instructor's `solutions/` and the project's code stay out of the learner's file browser. (Jupyter
Server follows links inside its root and lists them; it refuses only paths that are hidden *below*
the root, so a root inside `.svclab/` is served.)

The start page is derived, not typed: the lessons and their namespaces from the notebooks' own
`lab.connect(...)` calls, the exercises from `exercises/`, the busybox cheat-sheet from the toolbox's
registry of applets.
"""

from __future__ import annotations

import json
import os
import platform
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

START = "START.ipynb"
LINKED = ("notebooks", "exercises", "README.md", "docs")
KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
# What the kernel reports when the page opens (written up front, so opening the page changes nothing in it).
LANGUAGE_INFO = {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py", "mimetype": "text/x-python",
                 "name": "python", "nbconvert_exporter": "python", "pygments_lexer": "ipython3"}
_CONNECT = re.compile(r"""lab\.connect\(\s*["']([a-z0-9][a-z0-9-]*)["']""")
_LESSON = re.compile(r"^(\d\d)-.+\.ipynb$")
_EXERCISE = re.compile(r"^Exercise: `exercises/(ps\d+)-[\w-]+/`", re.M)


@dataclass(frozen=True)
class Entry:
    path: str  # relative to the course root, e.g. notebooks/01-clusterip.ipynb
    title: str
    namespace: str | None  # the namespace its `lab.connect(...)` names
    exercise: str | None = None  # a lesson's "Exercise: `exercises/psN-…/`" line: "psN"


def _read(path: Path) -> tuple[str, str | None]:
    """A notebook's title (its first `# ` heading) and the namespace its first `lab.connect` names."""
    nb = json.loads(path.read_text())
    title, namespace = path.stem, None
    for cell in nb.get("cells", []):
        source = "".join(cell.get("source", []))
        if cell.get("cell_type") == "markdown" and title == path.stem:
            heading = next((line[2:].strip() for line in source.splitlines() if line.startswith("# ")), None)
            title = heading or title
        if cell.get("cell_type") == "code" and namespace is None:
            found = _CONNECT.search(source)
            namespace = found.group(1) if found else None
    return title, namespace


def lessons(checkout: Path) -> list[Entry]:
    found = sorted(p for p in (checkout / "notebooks").glob("*.ipynb") if _LESSON.match(p.name))
    return [Entry(f"notebooks/{p.name}", *_read(p), exercise=_exercise_named(p)) for p in found]


def _exercise_named(path: Path) -> str | None:
    """The `psN` of the lesson's "Exercise: `exercises/psN-…/`" line, if it has one."""
    for cell in json.loads(path.read_text()).get("cells", []):
        if cell.get("cell_type") == "markdown":
            found = _EXERCISE.search("".join(cell.get("source", [])))
            if found:
                return found.group(1)
    return None


def exercises(checkout: Path) -> list[Entry]:
    found = sorted((checkout / "exercises").glob("*/*.ipynb"))
    return [Entry(f"exercises/{p.parent.name}/{p.name}", *_read(p)) for p in found if ".ipynb_checkpoints" not in p.parts]


def exercise_for(lesson: Entry, all_exercises: list[Entry]) -> Entry | None:
    """The exercise a lesson names in its closing "Exercise: `exercises/psN-…/`" line (lesson 06's is
    ps7: ps6 is the capstone); a lesson without such a line has none."""
    if lesson.exercise is None:
        return None
    return next((e for e in all_exercises if Path(e.path).parent.name.startswith(f"{lesson.exercise}-")), None)


def busybox_applets() -> tuple[list[str], list[str], list[str]]:
    """What a busybox pod can run, from the toolbox's registry: the applets svclab emulates, shell
    builtins, and the commands only the other images (agnhost) add."""
    from svclab.network import tools
    from svclab.network.shell import BUILTINS

    return sorted(tools.EMULATED), sorted(BUILTINS), sorted(tools.EXTRA)


def _code(names: list[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def start_page(checkout: Path, state_dir: Path, kubeconfig: Path, backend: str = "embedded") -> nbformat.NotebookNode:
    """The course index learners land on."""
    all_lessons, all_exercises = lessons(checkout), exercises(checkout)
    rows = []
    for lesson in all_lessons:
        exercise = exercise_for(lesson, all_exercises)
        practice = f"[{Path(exercise.path).parent.name}]({exercise.path}) (namespace `{exercise.namespace}`)" if exercise else "—"
        rows.append(f"| {Path(lesson.path).name[:2]} [{lesson.title}]({lesson.path}) | `{lesson.namespace or 'default'}` | {practice} |")
    paired = {exercise_for(lesson, all_exercises) for lesson in all_lessons}
    for extra in (e for e in all_exercises if e not in paired):
        rows.append(f"| *after all the lessons* | | [{Path(extra.path).parent.name}]({extra.path}) (namespace `{extra.namespace}`): {extra.title} |")
    applets, builtins, extra_tools = busybox_applets()
    cells = [
        "# svclab: Kubernetes Service discovery, hands on\n\n"
        "How Pods find each other: ClusterIP and headless Services, StatefulSet DNS, the mixed pattern, the "
        "other Service types, debugging a Service, and traffic policies and DNS clients, each tried live on a cluster "
        "of your own. Work through the lessons in order; after each one, open its exercise and call `check(\"q1\")` whenever you like: it says what passes and, in words that "
        "teach, what is wrong. Start with **[00 Setting Up the Lab](notebooks/00-setup.ipynb)**.",
        "## Lessons and exercises\n\n"
        "Each lesson works in a namespace of its own (the second column), so resetting one never disturbs another.\n\n"
        "| lesson | namespace | exercise |\n|---|---|---|\n" + "\n".join(rows),
        "## Starting over\n\n"
        "| what | how | what it does |\n|---|---|---|\n"
        "| one lesson or exercise | `lab.reset()` in its notebook | deletes the notebook's namespace with everything in it and creates it again, empty |\n"
        "| the whole cluster | `make reset` (or `svclab reset`) in a terminal | deletes every namespace you made and empties `default`; the cluster keeps running |\n"
        "| stop for today | `make down` | stops JupyterLab, its kernels and the cluster; your objects are kept and come back with the next `make lab` |\n",
        "## In a terminal\n\n"
        "*File › New › Terminal* opens a shell in which `kubectl` already talks to this course's cluster. Names like "
        "`web-service` resolve only inside the cluster, from a Pod in the lesson's namespace, so start a throw-away "
        "busybox Pod there (lesson 01's namespace is `clusterip`):\n\n"
        "```\nkubectl run test -n clusterip --rm -it --image=busybox:1.36.1 --restart=Never -- sh\n"
        "/ # nslookup web-service\n/ # wget -qO- http://web-service/hostname\n/ # exit\n```\n\n"
        f"In a terminal of your own (outside JupyterLab), first run `export KUBECONFIG={kubeconfig}`.",
        "## What the cluster's busybox can run\n\n"
        "The Pods run an emulated `busybox:1.36.1`: these applets, under an `ash`-like "
        "`sh` with pipes, `;`, `&&`, `||`, `$(...)`, `if`, `for` and `while`.\n\n"
        f"- **applets**: {_code(applets)}\n"
        f"- **shell builtins**: {_code(builtins)}\n"
        f"- **only in the other images** (agnhost, not busybox): {_code(extra_tools)}\n\n"
        "`ls /bin` lists every program of the real image; the ones not above answer that svclab does not emulate "
        "them (exit code 126). A name the image lacks answers `sh: NAME: not found`, as in a real busybox Pod.",
        "## Which cluster this is\n\n"
        f"This JupyterLab, its notebooks and its terminals use the {backend} cluster whose state is in `{state_dir}`. "
        "svclab picks a cluster by one rule, the same for notebooks, terminals, `svclab status` and `svclab doctor`: "
        "see *Which cluster* in the [README](README.md).",
    ]
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": KERNEL, "language_info": LANGUAGE_INFO | {"version": platform.python_version()}}
    nb.cells = [nbformat.v4.new_markdown_cell(text) for text in cells]
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"start{index:02d}"
        cell["metadata"] = {"editable": False, "deletable": False}
    return nb


def _link(target: Path, link: Path) -> None:
    """Point `link` at `target`, replacing whatever link was there (atomically)."""
    if link.is_symlink() and os.readlink(link) == str(target):
        return
    temporary = link.with_name(f".{link.name}.new")
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    temporary.symlink_to(target, target_is_directory=target.is_dir())
    os.replace(temporary, link)


def write_course(checkout: Path, course_dir: Path, state_dir: Path, kubeconfig: Path, backend: str = "embedded") -> Path:
    """Lay out the course folder (links and start page); returns the start page's path."""
    course_dir.mkdir(parents=True, exist_ok=True)
    for name in LINKED:
        if (checkout / name).exists():
            _link(checkout / name, course_dir / name)
    page = course_dir / START
    temporary = course_dir / f".{START}.new"
    nbformat.write(start_page(checkout, state_dir, kubeconfig, backend), temporary)
    os.replace(temporary, page)
    return page
