# Lesson 06 source: run `.venv/bin/python tools/build_notebooks.py 06` to rebuild notebooks/06-debugging-services.ipynb.

# %% [markdown]
# # Debugging Services
#
# "The Service does not work" is one of the most common messages in any Kubernetes channel, and it
# almost never means that Kubernetes is broken. It means one link in a chain is missing: the name does
# not resolve, the Service selects no Pods, the Pods it selects are not ready, or the port it forwards to
# is not the port the application listens on. Each link can be checked on its own, in a fixed order,
# and the answer to each check points at the next one. This lesson breaks a working Service five
# different ways and follows the official checklist through each.
#
# Sources: [Debug Services](https://kubernetes.io/docs/tasks/debug/debug-application/debug-service/) (the
# checklist this lesson follows), [Service](https://kubernetes.io/docs/concepts/services-networking/service/),
# [Configure Liveness, Readiness and Startup
# Probes](https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/),
# and kube-proxy's [`proxier.go`](https://github.com/kubernetes/kubernetes/blob/v1.35.0/pkg/proxy/iptables/proxier.go).

# %% [markdown]
# The checklist, as a decision path. Each box is one question you can ask the cluster; the first "no"
# is where the fault is.
#
# ```mermaid
# flowchart TD
#     exists{"Does the Service exist<br/>in this namespace?"} -- no --> fixns["wrong name or namespace:<br/>use name.namespace"]
#     exists -- yes --> dns{"Does its name resolve<br/>from a Pod?"}
#     dns -- no --> fixdns["a DNS problem: does<br/>kubernetes.default resolve?"]
#     dns -- yes --> ip{"Does ClusterIP:port<br/>answer?"}
#     ip -- yes --> app["the Service works:<br/>look at the client"]
#     ip -- no --> eps{"Does it have<br/>ready endpoints?"}
#     eps -- "none at all" --> sel["selector matches<br/>no Pod's labels"]
#     eps -- "all not ready" --> ready["readiness probe fails"]
#     eps -- "ready, but no port" --> named["named targetPort<br/>not on the Pod"]
#     eps -- yes --> direct{"Does a Pod answer<br/>on its IP and targetPort?"}
#     direct -- no --> port["targetPort is not what<br/>the app listens on"]
#     direct -- yes --> kp["kube-proxy: read<br/>the node's rules"]
# ```

# %%
from svclab import lab

lab.connect("debug")
lab.reset()
lab.reset("debug-backend")

# %% [markdown]
# ## A working Service to compare with
#
# Three web Pods listen on 8080, on a container port *named* `http`, and `web` forwards its port 80 to
# them. Every broken Service below is a copy of this one with one thing changed.

# %%
lab.apply("""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web, tier: frontend}
    spec:
      containers:
      - name: web
        image: registry.k8s.io/e2e-test-images/agnhost:2.52
        args: ["netexec", "--http-port=8080"]
        ports:
        - name: http
          containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: http
""")
pods = lab.wait_pods("app=web", total=3)
lab.client_pod()
lab.http_get("http://web/hostname")

# %% [markdown]
# ## The checklist as one function
#
# Each step of the Debug Services page is a question with a short answer, so we ask them all at once and
# look at the answers side by side. The function is nothing but the calls you have used in every lesson:
# `lab.services()` (does it exist, what does it select), `lab.nslookup` (does the name resolve, from the
# client Pod), `lab.http_get` (does the ClusterIP answer, and does a selected Pod answer on its own IP),
# and `lab.endpoint_slices` (what the EndpointSlice controller made of the selector).

# %%
import pandas as pd


def checklist(name: str, port: int = 80, namespace: str = "debug") -> pd.Series:
    """The Debug Services questions for one Service, asked from the `client` Pod in namespace `debug`."""
    services = lab.services(namespace).set_index("name")
    if name not in services.index:
        return pd.Series({"Service exists": f"no Service {name} in {namespace}",
                          "name resolves": ", ".join(lab.nslookup(f"{name}.{namespace}.svc.cluster.local").addresses) or "NXDOMAIN"}, name=name)
    svc = services.loc[name]
    slices = lab.endpoint_slices(name, namespace)
    selected = lab.pods(svc["selector"], namespace) if svc["selector"] else pd.DataFrame(columns=["ip"])
    first = selected["ip"].iloc[0] if len(selected) else None
    target = lab.session().core.read_namespaced_service(name, namespace).spec.ports[0].target_port
    return pd.Series({
        "Service exists": f"yes, selector {svc['selector']}, port {svc['ports']} -> targetPort {target}",
        "name resolves": ", ".join(lab.nslookup(f"{name}.{namespace}.svc.cluster.local").addresses) or "NXDOMAIN",
        "ClusterIP:port answers": str(lab.http_get(f"http://{svc['cluster_ip']}:{port}/hostname")).strip(),
        "Pods the selector matches": len(selected),
        "endpoints ready / listed": f"{int(slices['ready'].sum())} / {len(slices)}",
        "endpoint ports": ", ".join(sorted(set(slices["ports"]))) or "-",
        "a selected Pod answers on 8080": str(lab.http_get(f"http://{first}:8080/hostname")).strip() if first else "-",
    }, name=name)


checklist("web")

# %% [markdown]
# Every answer is healthy: a ClusterIP in DNS, a reply through it, three ready endpoints with port 8080
# (the name `http` resolved to a number), and a Pod that answers directly. Keep this column in mind.

# %% [markdown]
# ## 1. A typo in the selector
#
# The most common fault of all. The manifest below was typed in a hurry:

# %%
lab.apply("""
apiVersion: v1
kind: Service
metadata:
  name: web-typo
spec:
  selector: {app: wbe}
  ports:
  - port: 80
    targetPort: http
""")
lab.http_get("http://web-typo/hostname")

# %% [markdown]
# Before you run the next cell: the name resolved (otherwise `wget` would have said `bad address`), and
# the connection was refused at once. Which line of the checklist will be the first to differ from
# `web`'s?

# %%
pd.concat([checklist("web"), checklist("web-typo")], axis=1)

# %% [markdown]
# DNS is fine (a ClusterIP Service's name resolves whether or not it has endpoints), but the selector
# matches no Pod, so the EndpointSlice controller wrote no endpoints. Compare the selector with the Pods'
# labels, `kubectl get pods --show-labels`, or ask with the selector itself, as the controller does:

# %%
_ = lab.kubectl("get pods -l app=wbe")

# %% [markdown]
# Why *refused* rather than a hang? With no endpoints, kube-proxy writes no `KUBE-SVC` chain for the
# Service. It writes a `REJECT` rule into the node's `filter` table instead, and the kernel answers the
# connection attempt with an ICMP "port unreachable", which the client reports as `Connection refused`:

# %%
client_node = lab.pods("app=client").loc[0, "node"]
print(lab.node_rules(client_node, "web-typo"))

# %% [markdown]
# Fix it by correcting the selector. The endpoints appear within a moment and the same request succeeds:

# %%
lab.apply("""
apiVersion: v1
kind: Service
metadata:
  name: web-typo
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: http
""")
lab.http_get("http://web-typo/hostname")

# %% [markdown]
# ## 2. targetPort is not the port the application listens on
#
# Here the selector is right, but `targetPort` says 9376 (the port of the Debug Services page's example
# app), while our web server listens on 8080.

# %%
lab.apply("""
apiVersion: v1
kind: Service
metadata:
  name: web-port
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 9376
""")
checklist("web-port")

# %% [markdown]
# This time there are three ready endpoints, and a Pod answers on 8080, yet the ClusterIP refuses. The
# endpoint ports give it away: `9376`. Endpoints are *addresses and ports*, and kube-proxy faithfully
# rewrites each connection to a Pod's IP and port 9376, as the node's `DNAT` rules show:

# %%
[line.split(" -j ")[1] for line in lab.node_rules(client_node, "web-port", table="nat").lines() if "DNAT" in line]

# %% [markdown]
# Nothing listens on 9376, so the Pod's kernel refuses the connection. The Pods are healthy; the Service
# points at the wrong door. `kubectl describe service` shows the same in one screen, `TargetPort` next to
# the `Endpoints`:

# %%
_ = lab.kubectl("describe service web-port")

# %% [markdown]
# ## 3. A named targetPort the Pods do not have
#
# Naming the port (`targetPort: http`) is good practice: the Pods can move to another port without the
# Service changing. But the name has to exist on the Pods. Here it is misspelt, `web-http`:

# %%
lab.apply("""
apiVersion: v1
kind: Service
metadata:
  name: web-named
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: web-http
""")
lab.endpoint_slices("web-named")[["address", "pod", "ready", "ports"]]

# %% [markdown]
# Before you run the next cell: the three Pods are listed as ready endpoints. Will the ClusterIP answer?

# %%
checklist("web-named")

# %% [markdown]
# Refused, like a Service without endpoints. The endpoints are there, but with *no ports*: the
# EndpointSlice controller looks the name up in each Pod's container ports, finds nothing, and leaves
# the port out ([`getEndpointPorts` in
# `staging/src/k8s.io/endpointslice/utils.go`](https://github.com/kubernetes/kubernetes/blob/v1.35.0/staging/src/k8s.io/endpointslice/utils.go)).
# kube-proxy matches endpoints to the Service port by port name, finds none for this port, and writes the
# same `REJECT` as for an empty Service. An empty `ports` column with ready endpoints is the signature of
# this mistake.

# %% [markdown]
# ## 4. No ready endpoints
#
# A second Deployment, `api`, has a readiness probe that passes only once `/tmp/ready` exists, as in
# lesson 03. Nobody has created the file: the application is "still starting".

# %%
lab.apply("""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 2
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: registry.k8s.io/e2e-test-images/agnhost:2.52
        args: ["netexec", "--http-port=8080"]
        readinessProbe:
          exec:
            command: ["cat", "/tmp/ready"]
          periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  selector: {app: api}
  ports:
  - port: 80
    targetPort: 8080
""")
api_pods = lab.wait_pods("app=api", ready=0, total=2)
checklist("api")

# %% [markdown]
# The selector matches two Pods, and both are listed, but `0 / 2` are ready, so kube-proxy has nothing to
# send to and rejects, although a Pod does answer on its own IP. `kubectl get pods` shows the same from
# the Pods' side, `0/1` in the `READY` column while the status is `Running`:

# %%
_ = lab.kubectl("get pods -l app=api")

# %% [markdown]
# On kind, `kubectl describe pod` also lists the failed probes as `Unhealthy` events carrying the probe's
# error (`cat: can't open '/tmp/ready': No such file or directory`). The embedded cluster records such an
# event only when a Ready Pod turns unready, so a Pod that was never Ready shows none there.

# %% [markdown]
# The fix belongs to the application (here: create the file the probe looks for), not to the Service. As
# each Pod turns Ready, it joins the endpoints:

# %%
for pod in api_pods["name"]:
    lab.exec_in(pod, "touch /tmp/ready")
lab.wait_pods("app=api", ready=2, total=2)
checklist("api")

# %% [markdown]
# ## 5. The Service is in another namespace
#
# A Service name is resolved relative to the *client's* namespace. A `payments` Service lives in
# `debug-backend`, while our client runs in `debug`:

# %%
lab.apply("""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: payments
spec:
  replicas: 1
  selector:
    matchLabels: {app: payments}
  template:
    metadata:
      labels: {app: payments}
    spec:
      containers:
      - name: payments
        image: registry.k8s.io/e2e-test-images/agnhost:2.52
        args: ["netexec", "--http-port=8080"]
---
apiVersion: v1
kind: Service
metadata:
  name: payments
spec:
  selector: {app: payments}
  ports:
  - port: 80
    targetPort: 8080
""", namespace="debug-backend")
lab.wait_pods("app=payments", total=1, namespace="debug-backend")
lab.http_get("http://payments/hostname")

# %% [markdown]
# `bad address` is `wget`'s way of saying the *name* did not resolve: this is DNS, not connectivity. The
# first question of the checklist already answers it, because the Service does not exist where the
# client looks:

# %%
checklist("payments")

# %% [markdown]
# The search list completes `payments` to `payments.debug.svc.cluster.local`, which does not exist. Name
# the namespace, and the search list does the rest (`payments.debug-backend` gets `.svc.cluster.local`
# appended):

# %%
lab.http_get("http://payments.debug-backend/hostname")

# %% [markdown]
# ## DNS or connectivity?
#
# The two families of failure look different from the client, and telling them apart is the first
# split in the checklist:
#
# | what the client says | what failed | next question |
# |---|---|---|
# | `wget: bad address 'name'` (curl: `Could not resolve host`) | the name: no record | does the Service exist in *that* namespace? does `kubernetes.default` resolve? |
# | `Connection refused` | the connection: no endpoint for the port (REJECT), or nothing listening on targetPort | endpoints, their readiness and their ports |
# | a hang, then a timeout | packets go nowhere: a port the Service does not define, a NetworkPolicy, a dead node | the Service's `port` list; the node's rules |
#
# When a name does not resolve, check that DNS works at all by asking for a name that always exists. If
# `kubernetes.default` resolves, the cluster's DNS is fine and the fault is your name. (Full names here:
# busybox's `nslookup` does not apply the search list to a dotted name, lesson 02.)

# %%
lab.dns_table(["kubernetes.default.svc.cluster.local", "payments.debug.svc.cluster.local", "payments.debug-backend.svc.cluster.local"])

# %% [markdown]
# ## What you saw
#
# The checklist for every Service of the lesson, asked again now that the faults of scenarios 1 and 4
# have been fixed; the others are still broken, and their columns say where.

# %%
pd.concat([checklist(name) for name in ["web", "web-typo", "web-port", "web-named", "api", "payments"]], axis=1).T

# %% [markdown]
# | scenario | first answer that differs from a working Service | fix |
# |---|---|---|
# | selector typo | no Pods matched, no endpoints | correct the selector (compare with `--show-labels`) |
# | wrong targetPort | endpoint ports are not the app's port | set `targetPort` to the container port (or its name) |
# | named targetPort missing | ready endpoints, no ports | use a port name the Pods declare |
# | not ready | endpoints listed, none ready | fix the app or its readiness probe |
# | other namespace | the Service does not exist here; the name does not resolve | `name.namespace` |
#
# Exercise: `exercises/ps7-debugging/` hands you Services that do not work; find out why, with the
# checklist, and fix them (questions 1 and 2), then a client in another namespace that gets nothing from a
# Service that works: which layer fails, the name or the connection (question 3). Its part 2 goes with
# lesson 07.
