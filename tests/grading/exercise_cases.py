"""Submissions for the exercises' own roundtrip (test_exercise_roundtrip.py): alternative correct designs that must
score full marks, predictions graded as predictions, and partial credit per scenario.

Each case is (assignment, edits of the solution's answer cells, expected score of each test cell that does not
score full marks). Every other test cell must score its full points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from svclab.grading.submissions import answers_of

Edit = tuple[str, str, str]


@dataclass
class Case:
    assignment: str
    edits: list[Edit] | None                          # None: the release untouched
    scores: dict[str, float] = field(default_factory=dict)  # grade_id -> expected score, for cells below full marks
    total: float | None = None                        # expected total (None: the maximum minus what `scores` loses)


def whole(assignment: str, grade_id: str, source: str) -> Edit:
    """Replace a whole answer cell."""
    return (grade_id, answers_of(assignment)[grade_id], source)


def _ps7_partial_fixes() -> Edit:
    solution = answers_of("ps7-debugging")["q2-answer"]
    start = solution.index("---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: payments")
    end = solution.index('"""\nlab.apply(fixes)')
    cut = solution[:start] + solution[end:]
    return ("q2-answer", solution, cut.replace('lab.wait_ready("app=payments", 2)\n', ""))


PS7_AUDITOR_SEARCHES = '''### BEGIN SOLUTION
lab.kubectl("delete pod auditor", namespace="ps7-store")
ledger_fix = """
apiVersion: v1
kind: Pod
metadata:
  name: auditor
  labels: {app: auditor}
spec:
  dnsConfig:
    searches: [ps7.svc.cluster.local]
  containers:
  - name: auditor
    image: busybox:1.36.1
    command: ["sleep", "infinity"]
"""
lab.apply(ledger_fix, namespace="ps7-store")
lab.wait_ready("app=auditor", 1, namespace="ps7-store")
### END SOLUTION
lab.http_get("http://ledger/hostname", pod="auditor", namespace="ps7-store")'''

PS7_PATCHED_POLICIES = '''### BEGIN SOLUTION
policies = None  # changed in place instead of applied
lab.kubectl(\'patch service edge -p {"spec":{"type":"LoadBalancer","externalTrafficPolicy":"Local"}}\')
lab.kubectl(\'patch service node-cache -p {"spec":{"internalTrafficPolicy":"Local"}}\')
### END SOLUTION
lab.services()'''

PS6_OWN_DESIGN = '''### BEGIN SOLUTION
app_manifests = """
apiVersion: v1
kind: Service
metadata: {name: shop-front}
spec:
  type: LoadBalancer
  selector: {tier: frontend}
  ports: [{port: 80, targetPort: http, nodePort: 31234}]
---
apiVersion: v1
kind: Service
metadata: {name: cart-api}
spec:
  selector: {tier: api}
  sessionAffinity: ClientIP
  sessionAffinityConfig: {clientIP: {timeoutSeconds: 3600}}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: store}
spec:
  clusterIP: None
  selector: {app: store}
  ports: [{name: pg, port: 5432}]
---
apiVersion: v1
kind: Service
metadata: {name: store-replicas}
spec:
  selector: {app: store, replica: "yes"}
  ports: [{name: pg, port: 5432}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: store}
spec:
  serviceName: store
  replicas: 3
  podManagementPolicy: Parallel
  selector: {matchLabels: {app: store}}
  template:
    metadata: {labels: {app: store}}
    spec:
      containers:
      - name: db
        image: registry.k8s.io/e2e-test-images/agnhost:2.52
        args: ["netexec", "--http-port=5432"]
        ports: [{name: postgres, containerPort: 5432}]
"""
lab.apply(app_manifests)
lab.wait_ready("app=store", 3)
lab.kubectl("label pod store-1 store-2 replica=yes --overwrite")
### END SOLUTION
lab.services()'''

PS6_OWN_NAMES = '''### BEGIN SOLUTION
frontend_port = 31234
api_host = "cart-api.ps6"
db_host = "store"
db_hosts = [f"store-{n}.store.ps6.svc.cluster.local" for n in range(3)]
write_host = "store-0.store"
read_host = "store-replicas"
### END SOLUTION'''


def cases() -> dict[str, Case]:
    return {
        # ps1: the belief "ClusterIP DNS returns pod IPs" costs the prediction (2 points) even when the lookup is then
        # recorded right, and everything in question 2 when the learner records pod IPs too.
        "ps1-predicts-pod-ips": Case("ps1-clusterip", [("q2-predict", "predicted_count = 1", "predicted_count = 3"),
                                                       ("q2-predict", "predicted_kind = \"the Service's virtual IP\"", 'predicted_kind = "pod IPs"')],
                                     {"q2-prediction": 0}),
        "ps1-believes-pod-ips": Case("ps1-clusterip", [("q2-predict", "predicted_count = 1", "predicted_count = 3"),
                                                       ("q2-predict", "predicted_kind = \"the Service's virtual IP\"", 'predicted_kind = "pod IPs"'),
                                                       ("q2-answer", "web_ips = found.addresses", 'web_ips = list(lab.pods("app=web")["ip"])')],
                                     {"q2-prediction": 0, "q2-range": 0, "q2-now": 0, "q2-hidden": 0}),
        # Half a prediction right: half its points.
        "ps1-half-prediction": Case("ps1-clusterip", [("q2-predict", "predicted_count = 1", "predicted_count = 3")], {"q2-prediction": 1}),
        # ps5 q4: the other correct designs score full marks; one wrong scenario costs its point only.
        "ps5-alternatives": Case("ps5-service-types", [("q4-answer", 'extraPortMappings": "NodePort"', 'extraPortMappings": "LoadBalancer"'),
                                                       ("q4-answer", 'DNS name": "ExternalName"', 'DNS name": "Service without selector + EndpointSlice"')]),
        "ps5-one-scenario-wrong": Case("ps5-service-types", [("q4-answer", 'by name": "Headless"', 'by name": "ClusterIP"')], {"q4-hidden": 3}),
        # ps6: a LoadBalancer on node port 30080 is a NodePort too; a design with names and a port of its own scores full marks.
        "ps6-loadbalancer": Case("ps6-capstone", [("manifests-answer", "  type: NodePort\n", "  type: LoadBalancer\n")]),
        "ps6-own-design": Case("ps6-capstone", [whole("ps6-capstone", "manifests-answer", PS6_OWN_DESIGN),
                                                whole("ps6-capstone", "names-answer", PS6_OWN_NAMES)]),
        # ps6: a wrong prediction for one name costs one point of three.
        "ps6-one-prediction-wrong": Case("ps6-capstone", [("q7-predict", '"db_host": 3', '"db_host": 1')], {"q7-prediction": 2}),
        # ps3: the restart is graded on what is promised; skipping it loses the hidden check only.
        "ps3-no-restart": Case("ps3-statefulset-dns", [("q3-answer", 'lab.kubectl("delete pod db-0")\n', "")], {"q3-hidden": 0}),
        # ps7: perfect, blank, and partial (3 of 5 findings right, 3 of 5 Services fixed).
        "ps7-perfect": Case("ps7-debugging", []),
        "ps7-blank": Case("ps7-debugging", None, total=0),
        "ps7-partial": Case("ps7-debugging", [("q1-answer", '"catalog": "targetPort"', '"catalog": "named port"'),
                                                       ("q1-answer", '"payments": "readiness"', '"payments": "dns"'), _ps7_partial_fixes()],
                            {"q1-hidden": 3, "q2-payments": 0, "q2-inventory": 0, "q2-hidden": 3}),
        # ps7 q3-q5, other correct designs: the auditor pod searches ps7 itself (instead of an ExternalName in ps7-store), edge is
        # changed in place with kubectl patch (edge made a LoadBalancer, which has node ports too), the crawler's ndots is 2
        # (www.example.com has 2 dots).
        "ps7-alternatives": Case("ps7-debugging", [whole("ps7-debugging", "q3-fix", PS7_AUDITOR_SEARCHES),
                                                   whole("ps7-debugging", "q4-answer", PS7_PATCHED_POLICIES),
                                                   ("q5-answer", '{name: ndots, value: "1"}', '{name: ndots, value: "2"}')]),
        # ps7 q3-q5, plausible mistakes, each costing its own points: "namespaces isolate traffic" (half the q3 prediction), the layer
        # taken for the connection, edge left with the Cluster policy (its checks, and the parts of the prediction the rules then
        # contradict: 3 nodes forward, masqueraded), a lookup believed to cost one try, a crawler with the default ndots:5.
        "ps7-mistakes": Case("ps7-debugging", [("q3-predict", "predicted_ip_answers = True", "predicted_ip_answers = False"),
                                               ("q3-answer", 'ledger_layer = "name"', 'ledger_layer = "connection"'),
                                               ("q4-answer", "  externalTrafficPolicy: Local\n", ""),
                                               ("q5-predict", "predicted_queries = 8", "predicted_queries = 2"),
                                               ("q5-answer", '  dnsConfig:\n    options:\n    - {name: ndots, value: "1"}\n', "")],
                             {"q3-prediction": 1, "q3-layer": 0, "q4-edge": 0, "q4-hidden": 0, "q4-prediction": 1, "q5-prediction": 1, "q5-crawler": 0}),
    }
