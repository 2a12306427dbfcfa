"""Generate the student release, exercises/<assignment>/, from the nbgrader sources in solutions/.

    python tools/build_exercises.py              # rewrite exercises/ (what `make exercises` runs)
    python tools/build_exercises.py --out DIR    # write DIR/<assignment>/ instead (the test compares it with exercises/)

It runs `nbgrader generate_assignment` for every assignment in a scratch course root (solutions/ linked in,
a throwaway gradebook), then copies the release over. Never edit exercises/ by hand.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from svclab.grading.loop import nbgrader_env, write_worker_config  # noqa: E402


def assignments(solutions: Path) -> list[str]:
    return sorted(p.name for p in solutions.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def build(out: Path, solutions: Path = REPO / "solutions") -> list[str]:
    names = assignments(solutions)
    with tempfile.TemporaryDirectory(prefix="svclab-release-") as tmp:
        root = Path(tmp)
        write_worker_config(root, solutions, timeout=None)

        def generate(name: str) -> None:  # one gradebook per assignment, so the runs can go in parallel
            db = f"--CourseDirectory.db_url=sqlite:///{root / (name + '.db')}"
            proc = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", name, "--force", db],
                                  cwd=root, env=nbgrader_env(), capture_output=True, text=True)
            if proc.returncode != 0:
                raise SystemExit(f"nbgrader generate_assignment {name} failed:\n{proc.stdout}{proc.stderr}")

        with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            list(pool.map(generate, names))
        out.mkdir(parents=True, exist_ok=True)
        for name in names:
            target = out / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(root / "exercises" / name, target)
            for path in target.rglob("*"):
                if path.is_file():
                    path.chmod(0o644)
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "exercises")
    args = parser.parse_args()
    names = build(args.out)
    print(f"generated {len(names)} assignment(s) into {args.out}: {', '.join(names)}")


if __name__ == "__main__":
    main()
