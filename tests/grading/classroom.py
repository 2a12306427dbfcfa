"""One class of submissions for the grading tests: solutions, blanks, plausible mistakes, and submissions written
to break or cheat the grader. Graded once per test session by `svclab grade` (conftest.py)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from svclab.grading.submissions import SOLUTIONS, submit

REPO = Path(__file__).resolve().parents[2]
ASSIGNMENTS = sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir())
Edit = tuple[str, str, str]


@dataclass
class Case:
    assignment: str
    edits: list[Edit] | None            # None: the release untouched (a blank submission)
    lost: set[str] | None               # the test cells that must lose their points; None: every one
    extra: list[tuple[str, str]] = field(default_factory=list)  # cells of the learner's own: (after grade_id, code)
    failed: str | None = None           # what failed.csv must say about it (None: not listed)


DNS_SVC = 'db_manifests = """\napiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  selector:\n    app: db\n  ports:\n  - name: http\n    port: 8080\n---'

# Plausible wrong answers (each made by editing a solution's answer cell), and the cells each must lose.
MISTAKES: dict[str, Case] = {
    "ps1-wrong-selector": Case("ps1-clusterip", [("q1-answer", "    app: web\n  ports:", "    app: webapp\n  ports:")], {"q1-selector", "q1-hidden"}),
    "ps1-pod-ip": Case("ps1-clusterip", [("q2-answer", "web_ips = found.addresses", 'web_ips = list(lab.pods("app=web")["ip"])')], {"q2-range", "q2-now", "q2-hidden"}),
    "ps1-no-affinity": Case("ps1-clusterip", [("q3-answer", "  sessionAffinity: ClientIP\n  sessionAffinityConfig:\n    clientIP:\n      timeoutSeconds: 600\n", "")],
                            {"q3-manifest", "q3-counts", "q3-hidden"}),
    "ps1-infinite-loop": Case("ps1-clusterip", [("q3-answer", "web_sticky = ", "while True:\n    pass\nweb_sticky = ")], {"q3-manifest", "q3-counts", "q3-hidden"}),
    "ps2-no-cluster-ip-none": Case("ps2-headless", [("q1-answer", "  clusterIP: None\n  selector:\n    app: cache", "  selector:\n    app: cache")],
                                   {"q1-headless", "q1-hidden-a", "q1-hidden-srv", "q2-prediction", "q2-hidden"}),
    "ps2-slice-unlabelled": Case("ps2-headless", [("q3-answer", "  labels:\n    kubernetes.io/service-name: legacy-db\n", "")], {"q3-slice", "q3-hidden"}),
    "ps2-unnamed-port": Case("ps2-headless", [("q1-answer", "  - name: redis\n    port: 6379", "  - port: 6379")], {"q1-port", "q1-hidden-srv"}),
    "ps3-servicename-clusterip": Case("ps3-statefulset-dns", [("q1-answer", 'db_manifests = """', DNS_SVC), ("q1-answer", "serviceName: db-headless", "serviceName: db")],
                                      {"q1-servicename", "q2-ip", "q2-hidden", "q3-prediction", "q3-after", "q3-hidden"}),
    "ps3-unnamed-port": Case("ps3-statefulset-dns", [("q1-answer", "        - name: http\n          containerPort: 8080", "        - containerPort: 8080")], {"q1-ports"}),
    # The lookup of the Service's name happens to list db-0 first; the method is wrong whatever the order.
    "ps3-service-lookup": Case("ps3-statefulset-dns", [("q2-answer", "db0_lookup = lab.nslookup(db0_fqdn)", 'db0_lookup = lab.nslookup("db-headless")')], {"q2-ip"}),
    "ps4-read-selects-primary": Case("ps4-mixed-pattern", [("q1-answer", "    app: mysql\n    role: replica\n", "    app: mysql\n")],
                                     {"q1-selector", "q1-hidden", "q3-prediction", "q3-counts", "q3-hidden"}),
    "ps4-writes-to-read-service": Case("ps4-mixed-pattern", [("q2-answer", 'write_host = "mysql-0.mysql-headless"', 'write_host = "mysql-read"')], {"q2-write", "q2-hidden"}),
    "ps5-not-nodeport": Case("ps5-service-types", [("q1-answer", "  type: NodePort\n", ""), ("q1-answer", "    nodePort: 30080\n", "")], {"q1-type", "q1-hidden"}),
    "ps5-short-externalname": Case("ps5-service-types", [("q2-answer", '"web-nodeport.ps5.svc.cluster.local"', '"web-nodeport"')], {"q2-alias", "q2-prediction", "q2-hidden"}),
    # Every scenario wrong (one wrong scenario costs only its point: tests/grading/test_exercise_roundtrip.py).
    "ps5-wrong-choice": Case("ps5-service-types", [("q4-answer", 'other pods": "ClusterIP"', 'other pods": "ExternalName"'), ("q4-answer", 'by name": "Headless"', 'by name": "NodePort"'),
                                                   ("q4-answer", 'extraPortMappings": "NodePort"', 'extraPortMappings": "ClusterIP"'), ("q4-answer", 'DNS name": "ExternalName"', 'DNS name": "Headless"')], {"q4-hidden"}),
    "ps6-read-selects-primary": Case("ps6-capstone", [("manifests-answer", "{app: shop, tier: db, role: replica}", "{app: shop, tier: db}")], {"q6-reads", "q6-hidden"}),
    "ps6-api-no-affinity": Case("ps6-capstone", [("manifests-answer", "  sessionAffinity: ClientIP\n", "")], {"q2-api", "q2-hidden"}),
    # ps7 q3: an ExternalName whose target is the short name `ledger.ps7`: a CNAME target is never searched, so the auditor
    # still gets no address.
    "ps7-short-externalname": Case("ps7-debugging", [("q3-fix", "externalName: ledger.ps7.svc.cluster.local", "externalName: ledger.ps7")], {"q3-ledger", "q3-hidden"}),
    "ps6-servicename-read": Case("ps6-capstone", [("manifests-answer", "serviceName: db-headless", "serviceName: db-read")], {"q4-identity", "q4-hidden", "q5-writes", "q5-hidden"}),
}


def secrets_probe(paths: dict[str, str]) -> str:
    """A learner cell that tries every way to the grader's secrets and install; prints one line per try."""
    return textwrap.dedent(f"""
        import os, glob, signal, json
        def attempt(label, action):
            try:
                result = action()
            except BaseException as exc:
                print("DENIED", label, type(exc).__name__)
            else:
                print("GOT", label, repr(result)[:60])
        def read(path):
            return os.listdir(path) if os.path.isdir(path) else open(path, "rb").read(64)
        def write(path):
            with open(path, "a") as f:
                f.write("# cheated\\n")
            return path
        for label, path in {paths!r}.items():
            attempt("read " + label, lambda path=path: read(path))
        attempt("read answers.txt (a symlink to the solution)", lambda: read("answers.txt"))
        for label, path in [("svclab/grading/ps1.py", {paths['install_module']!r}), ("the repository", {paths['repo'] + '/cheat.txt'!r}),
                            ("the venv", {paths['site_packages'] + '/cheat.pth'!r}), ("the course folder", {paths['course'] + '/cheat.txt'!r})]:
            attempt("write " + label, lambda path=path: write(path))
        info = json.load(open(os.path.join(os.environ["SVCLAB_STATE_DIR"], "cluster.json")))
        attempt("kill the cluster's process", lambda: os.kill(info["pid"], signal.SIGKILL))
        attempt("kill the kernel's parent", lambda: os.kill(os.getppid(), signal.SIGKILL))
        attempt("read the cluster's environment", lambda: open(f"/proc/{{info['pid']}}/environ", "rb").read(64))
        stolen = None
        try:
            stolen = json.load(open({paths['solution']!r}))
        except BaseException:
            pass
        if stolen:  # it could read the solution: use its answers
            for cell in stolen["cells"]:
                if cell["metadata"].get("nbgrader", {{}}).get("solution"):
                    exec("".join(cell["source"]))
        """).strip()


REBIND = textwrap.dedent("""
    import contextlib, svclab.grading as package, svclab.grading.core as core, svclab.grading.expect as expect_module
    import svclab.grading.answers as answers_module
    from svclab.grading import ps1
    for name in dir(ps1):
        if name.startswith("q"):
            setattr(ps1, name, lambda: print("✔ passed"))
    grade = ps1
    proving = lambda title: contextlib.nullcontext()
    core.proving = package.proving = proving
    expect_module.that = lambda *args, **kwargs: None
    answer = answers_module.answer = lambda *args, **kwargs: "10.96.0.1"
    class Anything:
        def __getattr__(self, name):
            return lambda *args, **kwargs: {"web": 100}
    live = Anything()
    """).strip()

ALWAYS_EQUAL_PORT = textwrap.dedent("""
    class Port(int):
        def __eq__(self, other):
            return True
        __hash__ = int.__hash__
    srv_port = Port(1)
    """).strip()
ALWAYS_EQUAL_CHOICES = textwrap.dedent("""
    class Same(str):
        def __eq__(self, other):
            return True
        def __ne__(self, other):
            return False
        __hash__ = str.__hash__
    choices = {scenario: Same("no idea") for scenario in grade.SCENARIOS}
    """).strip()


def adversarial(paths: dict[str, str]) -> dict[str, Case]:
    return {
        # nbgrader's markers as text in answers: graded as usual, feedback written.
        "markers-as-text": Case("ps1-clusterip", [("q1-answer", "### END SOLUTION", "# notes: ### BEGIN HIDDEN TESTS (the grader's marker)\n### END SOLUTION"),
                                                  ("q2-answer", "### END SOLUTION", 'note = "### END HIDDEN TESTS ### BEGIN SOLUTION"\n### END SOLUTION')], set()),
        # os._exit in question 3 (issue 14's ps4 case): questions 1 and 2 keep their 6 points.
        "os-exit": Case("ps4-mixed-pattern", [("q3-answer", "read_counts = ", "import os\nos._exit(1)\nread_counts = ")], {"q3-counts", "q3-hidden"},
                        failed="the kernel died while running this cell (exit code 1)"),
        # A runaway exec in a cell of the learner's own: the cluster bounds it, nothing else is lost.
        "runaway-exec": Case("ps1-clusterip", [], set(), extra=[("q2-answer", '!kubectl exec client -n ps1 -- sh -c "seq 1 inf | wc -l"')]),
        # Python that asks for 8 GiB: that cell fails with MemoryError, nothing else is lost.
        "memory-hog": Case("ps2-headless", [], set(), extra=[("q1-answer", "hog = bytearray(8 << 30)")]),
        # A loop that ignores the interrupt: the kernel is ended; questions 1 and 2 keep their points.
        "ignores-interrupt": Case("ps2-headless", [], {"q3-service", "q3-slice", "q3-hidden", "q4-misses"},
                                  extra=[("q2-hidden", "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass")],
                                  failed="did not stop when interrupted"),
        # Rebinding every grading helper in a blank notebook: still nothing.
        "rebinds-helpers": Case("ps1-clusterip", None, None, extra=[("setup", REBIND)]),
        # Reading solutions/, the gradebook and others' work, writing the install: all refused, so nothing.
        "reads-secrets": Case("ps1-clusterip", None, None, extra=[("setup", secrets_probe(paths))]),
        # An always-equal str (and int) for answers compared with ==: those cells score nothing.
        "always-equal": Case("ps5-service-types", [], {"q3-srv", "q4-shape", "q4-hidden"}, extra=[("q3-answer", ALWAYS_EQUAL_PORT), ("q4-answer", ALWAYS_EQUAL_CHOICES)]),
    }


def students() -> list[str]:
    """Every student of the class (one case each)."""
    from collections import defaultdict

    names = [f"{kind}-{a[:3]}" for a in ASSIGNMENTS for kind in ("solution", "blank")]
    return sorted([*names, *MISTAKES, *adversarial(defaultdict(str))])


def build(submitted: Path, paths: dict[str, str]) -> dict[str, Case]:
    """Write the class into `submitted`; the expectations, by student (a student submits one case)."""
    cases: dict[str, Case] = {}
    for assignment in ASSIGNMENTS:
        cases[f"solution-{assignment[:3]}"] = Case(assignment, [], set())
        cases[f"blank-{assignment[:3]}"] = Case(assignment, None, None)
    cases.update(MISTAKES)
    cases.update(adversarial(paths))
    for student, case in cases.items():
        submit(submitted, student, case.assignment, case.edits, extra=case.extra)
    (submitted / "reads-secrets" / "ps1-clusterip" / "answers.txt").symlink_to(paths["solution"])
    return cases
