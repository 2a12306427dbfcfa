"""Find the container images the course uses: ``image:`` fields (and ``kubectl run --image``) in
YAML files, notebooks, Markdown, and string literals of Python sources."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

IMAGE_FIELD = re.compile(r"""(?:^|[\s{,\-"'])image:\s*["']?([A-Za-z0-9][A-Za-z0-9._/:@+-]*)""", re.MULTILINE)
IMAGE_FLAG = re.compile(r"""--image[= ]["']?([A-Za-z0-9][A-Za-z0-9._/:@+-]*)""")
SUFFIXES = (".yaml", ".yml", ".ipynb", ".py", ".md", ".txt", ".sh")
SKIP_DIRS = {".ipynb_checkpoints", "__pycache__", ".venv"}


def refs_in_text(text: str) -> list[str]:
    return [m.group(1).rstrip(".,") for pattern in (IMAGE_FIELD, IMAGE_FLAG) for m in pattern.finditer(text)]


def texts_of(path: Path) -> Iterator[str]:
    """The parts of a file that could hold manifests or commands."""
    raw = path.read_text(errors="replace")
    if path.suffix == ".ipynb":
        notebook = json.loads(raw)
        for cell in notebook.get("cells", []):
            source = cell.get("source", "")
            yield "".join(source) if isinstance(source, list) else str(source)
    elif path.suffix == ".py":
        # Only string literals: a parameter annotated `image: str` is not an image.
        for node in ast.walk(ast.parse(raw, filename=str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield node.value
    else:
        yield raw


def course_files(roots: Iterable[Path]) -> Iterator[Path]:
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix in SUFFIXES and not SKIP_DIRS.intersection(path.parts):
                yield path


def image_refs(roots: Iterable[Path]) -> dict[str, list[Path]]:
    """image reference -> the files that use it."""
    found: dict[str, list[Path]] = {}
    for path in course_files(roots):
        for text in texts_of(path):
            for ref in refs_in_text(text):
                found.setdefault(ref, []).append(path)
    return found


def normalize(image: str) -> str:
    """Docker's canonical form: ``busybox:1.36.1`` -> ``docker.io/library/busybox:1.36.1``; no tag -> ``:latest``."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    if ":" not in last and not digest:
        name += ":latest"
    first = name.split("/", 1)[0]
    if "/" not in name or not ("." in first or ":" in first or first == "localhost"):
        name = "docker.io/" + (name if "/" in name else "library/" + name)
    return name + ("@" + digest if digest else "")
