# Lesson 03 source: run `.venv/bin/python tools/build_notebooks.py 03` to rebuild notebooks/03-statefulset-dns.ipynb.

# %% [markdown]
# # StatefulSet DNS
#
# A headless Service gives you the list of Pods, but the members of a database cluster need more than
# a list. Each one has to be addressable on its own, under a name that means "replica number 1" today
# and still means it after that Pod has been rescheduled to another node with another IP. A StatefulSet
# paired with a headless Service provides such names. This lesson shows where they come from, what
# survives a restart, how the set starts its Pods, and how readiness decides which names DNS publishes.
#
# Sources: [StatefulSets](https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/),
# [DNS for Services and Pods](https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#pods),
# and the [Kubernetes DNS specification §2.4](https://github.com/kubernetes/dns/blob/master/docs/specification.md#24---records-for-a-headless-service).

# %% [markdown]
# ```mermaid
# flowchart LR
#     sts["StatefulSet web<br/>serviceName: web-headless"] -->|creates| p0["web-0<br/>hostname web-0<br/>subdomain web-headless"]
#     sts --> p1["web-1"]
#     sts --> p2["web-2"]
#     client["client Pod"] -->|"web-1.web-headless.statefulset.svc.cluster.local?"| dns["CoreDNS"]
#     dns -->|"A = web-1's IP, whatever it is now"| client
#     client -->|direct| p1
# ```

# %%
from svclab import lab

lab.connect("statefulset")
lab.reset()

# %% [markdown]
# ## A StatefulSet and its governing Service
#
# `serviceName` names the headless Service that *governs* the set: the one whose domain the Pods' names
# live under. The Service must be headless (a ClusterIP Service would give one shared address, not a
# name per Pod), and its port is named, `http`, which matters for SRV records at the end.

# %%
web = """
apiVersion: v1
kind: Service
metadata:
  name: web-headless
spec:
  clusterIP: None
  selector: {app: web}
  ports:
  - name: http
    port: 8080
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: web-headless
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: registry.k8s.io/e2e-test-images/agnhost:2.52
        args: ["netexec", "--http-port=8080"]
        ports:
        - name: http
          containerPort: 8080
"""
lab.apply(web)
pods = lab.wait_pods("app=web", total=3)
pods

# %% [markdown]
# The names are `<set>-<ordinal>`, counted from 0, with no random suffix. The StatefulSet controller
# also fills in two fields of each Pod's spec that a Deployment leaves empty: `hostname` (the Pod's
# name) and `subdomain` (the `serviceName`). Together with a matching headless Service, these two fields
# are what earns a Pod a DNS name of its own:
# `<hostname>.<subdomain>.<namespace>.svc.cluster.local`.

# %%
_ = lab.kubectl("get pods -l app=web -o custom-columns=NAME:.metadata.name,HOSTNAME:.spec.hostname,SUBDOMAIN:.spec.subdomain,IP:.status.podIP")

# %% [markdown]
# The EndpointSlice carries the hostname of each endpoint, which is how CoreDNS builds the per-Pod names:

# %%
lab.endpoint_slices("web-headless")[["address", "hostname", "pod", "ready"]]

# %% [markdown]
# Before you run the next cell: which address will `web-1.web-headless.statefulset.svc.cluster.local`
# resolve to?

# %%
lab.client_pod()
lab.nslookup("web-1.web-headless.statefulset.svc.cluster.local").records

# %% [markdown]
# Exactly `web-1`'s IP, and only that. The name reaches one particular Pod, and the Pod agrees:

# %%
lab.http_get("http://web-1.web-headless.statefulset.svc.cluster.local:8080/hostname")

# %% [markdown]
# We gave `nslookup` the full name on purpose. `web-1.web-headless` has a dot in it, so busybox's
# `nslookup` would send it without trying the search list and get `NXDOMAIN` (lesson 02). Programs that
# resolve through the C library, `wget` among them, accept the short form:

# %%
lab.http_get("http://web-1.web-headless:8080/hostname")

# %% [markdown]
# ## The name survives, the IP does not
#
# Delete `web-1`, as a node failure or an eviction would. The StatefulSet controller replaces it with a
# Pod that has the same name, the same ordinal, and the same `hostname`, though probably not the same node.
#
# Before you run the next two cells: which of name, IP and DNS name will the new `web-1` keep?

# %%
old_ip = pods.set_index("name").loc["web-1", "ip"]
lab.kubectl("delete pod web-1")
after = lab.wait_pods("app=web", total=3)
after

# %%
new_ip = after.set_index("name").loc["web-1", "ip"]
answer = lab.nslookup("web-1.web-headless.statefulset.svc.cluster.local").addresses
{"old IP": old_ip, "new IP": new_ip, "DNS answer now": answer}

# %% [markdown]
# The name came back and the DNS record followed the new IP at once: the EndpointSlice was updated as
# soon as the new Pod was Ready. A client that stored the *name* `web-1.web-headless` keeps working. A
# client that stored the old IP does not, and one that cached the old answer will be wrong until the
# 30-second TTL runs out.

# %% [markdown]
# ## Start-up order: OrderedReady and Parallel
#
# By default (`podManagementPolicy: OrderedReady`), a StatefulSet creates its Pods one at a time, in
# ordinal order, and creates Pod *n+1* only after Pod *n* is Running and Ready. Scaling down goes the
# other way, highest ordinal first. Databases rely on this: replica 0 can initialise the cluster
# before anyone tries to join it.
#
# To see it, this set gets a readiness probe that passes only once the file `/tmp/ready` exists in
# the container, so we decide when each Pod becomes Ready.

# %%
def probed_set(name: str, policy: str) -> str:
    """A headless Service and a 3-replica StatefulSet whose Pods are Ready once /tmp/ready exists."""
    return f"""
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  clusterIP: None
  selector: {{app: {name}}}
  ports:
  - name: http
    port: 8080
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {name}
spec:
  serviceName: {name}
  podManagementPolicy: {policy}
  replicas: 3
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: web
        image: registry.k8s.io/e2e-test-images/agnhost:2.52
        args: ["netexec", "--http-port=8080"]
        readinessProbe:
          exec:
            command: ["cat", "/tmp/ready"]
          periodSeconds: 1
"""

print(probed_set("ordered", "OrderedReady"))

# %% [markdown]
# Before you run the next cell: we ask for three replicas. How many Pods will exist two seconds later?

# %%
import time

lab.apply(probed_set("ordered", "OrderedReady"))
time.sleep(2)
lab.wait_pods("app=ordered", ready=0, total=1)

# %% [markdown]
# One. `ordered-0` is Running but not Ready, so the controller waits and `ordered-1` is not even
# created. We make `ordered-0` Ready the same way a real application signals it, by creating the file
# the probe looks for:

# %%
lab.exec_in("ordered-0", "touch /tmp/ready")
lab.wait_pods("app=ordered", ready=1, total=2)

# %% [markdown]
# `ordered-1` appeared only after `ordered-0` turned Ready, and it now blocks `ordered-2` in turn:

# %%
lab.exec_in("ordered-1", "touch /tmp/ready")
lab.wait_pods("app=ordered", ready=2, total=3)

# %% [markdown]
# `podManagementPolicy: Parallel` drops the ordering: Pods are created and deleted without waiting for one
# another. It applies to every scaling operation, not only the first creation: scaling up from 3 to 10
# creates seven Pods at once, and scaling down deletes in parallel too. It suits sets whose members find
# each other on their own. Rolling updates are not affected and still replace one Pod at a time
# ([Parallel Pod management](https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#parallel-pod-management)).

# %%
lab.apply(probed_set("parallel", "Parallel"))
time.sleep(2)
lab.wait_pods("app=parallel", ready=0, total=3)

# %% [markdown]
# ## Readiness decides what DNS publishes
#
# The three `parallel` Pods are running and have IPs, but none is Ready. Before you run the next cell:
# what will DNS answer for the Service, and for `parallel-0`'s own name?

# %%
parallel_names = ["parallel", *[f"parallel-{i}.parallel.statefulset.svc.cluster.local" for i in range(3)]]
lab.dns_table(parallel_names)

# %% [markdown]
# Nothing at all. The EndpointSlice does list the Pods, but with `ready: False`, and CoreDNS publishes
# only ready endpoints, both in the Service's answer and as per-Pod names:

# %%
lab.endpoint_slices("parallel")[["address", "hostname", "ready"]]

# %% [markdown]
# Make one Pod Ready and it appears under both names, while the other two stay hidden:

# %%
lab.exec_in("parallel-1", "touch /tmp/ready")
lab.wait_pods("app=parallel", ready=1, total=3)
lab.dns_table(parallel_names)

# %% [markdown]
# Hiding Pods that are not ready keeps clients away from them, which is normally what you want. But
# the members of a clustered database often have to find each other *before* any of them can pass a
# readiness check, because the check itself needs a formed cluster. For them the Service can opt out:
# `publishNotReadyAddresses: true` tells the EndpointSlice controller to write every endpoint as
# `ready: true`, whatever the Pods' probes say
# ([`staging/src/k8s.io/endpointslice/utils.go`](https://github.com/kubernetes/kubernetes/blob/v1.35.0/staging/src/k8s.io/endpointslice/utils.go),
# `podToEndpoint`: `ready := service.Spec.PublishNotReadyAddresses || podutil.IsPodReady(pod)`).

# %%
lab.apply("""
apiVersion: v1
kind: Service
metadata:
  name: parallel
spec:
  clusterIP: None
  publishNotReadyAddresses: true
  selector: {app: parallel}
  ports:
  - name: http
    port: 8080
""")
lab.dns_table(parallel_names)

# %% [markdown]
# All three names resolve now, although `lab.pods` still reports two of the Pods as not Ready:

# %%
lab.pods("app=parallel")[["name", "ip", "ready"]]

# %% [markdown]
# The change is in the EndpointSlice itself, not in DNS: every endpoint is now `ready: True`.

# %%
lab.endpoint_slices("parallel")[["address", "hostname", "ready"]]

# %% [markdown]
# So the flag is not "for DNS only". Every consumer of the slices reads the same `ready`, and kube-proxy
# is one of them. Before you run the next cell: a ClusterIP Service with the same flag sits in front of
# the three `parallel` Pods, only one of which is Ready. Which Pods will answer 60 requests?

# %%
lab.apply("""
apiVersion: v1
kind: Service
metadata:
  name: parallel-vip
spec:
  publishNotReadyAddresses: true
  selector: {app: parallel}
  ports:
  - port: 8080
""")
lab.count_backends("http://parallel-vip:8080/hostname", 60)

# %% [markdown]
# All three: kube-proxy load-balanced onto two Pods whose readiness probe fails. Use the flag on the
# headless Service the members use to find each other, and give clients a separate Service without it.

# %% [markdown]
# ## SRV records for named ports
#
# A headless Service whose port has a name also gets SRV records, which tell a client the port as
# well as the host. Their name is `_<port name>._<protocol>.<service>.<namespace>.svc.cluster.local`;
# each record holds a priority, a weight, the port, and the per-Pod name to connect to. busybox 1.36's
# `nslookup` asks for them with `-type=srv`:

# %%
lab.exec_in("client", "nslookup -type=srv _http._tcp.web-headless.statefulset.svc.cluster.local")

# %% [markdown]
# `dig`, which the agnhost image contains (`lab.dig` runs it in a Pod named `dnsutils`), prints the same
# records in zone-file form, with their TTL:

# %%
lab.dig("+noall", "+answer", "SRV", "_http._tcp.web-headless.statefulset.svc.cluster.local")

# %% [markdown]
# One record per ready Pod, each with port 8080 and the Pod's stable name as target. CoreDNS gives every
# record priority 0 and splits a weight of 100 evenly among them. A ClusterIP Service with a named port
# gets a single SRV record instead, whose target is the Service's own name.

# %% [markdown]
# ## What you saw
#
# For each `web` Pod: its name in DNS, the address DNS gives for that name, and the Pod's IP according to
# the API server, compared live.

# %%
import pandas as pd

names = [f"web-{i}.web-headless.statefulset.svc.cluster.local" for i in range(3)]
dns = lab.dns_table(names)
table = pd.DataFrame({"pod": [f"web-{i}" for i in range(3)], "dns name": names, "dns answer": dns["answer"]})
table["pod ip"] = table["pod"].map(lab.pods("app=web").set_index("name")["ip"])
table["match"] = table["dns answer"] == table["pod ip"]
table

# %% [markdown]
# Exercise: `exercises/ps3-statefulset-dns/` asks you to write a StatefulSet and its governing headless
# Service so that `db-0.db-headless` resolves to Pod `db-0`, and to follow that name through a restart.
