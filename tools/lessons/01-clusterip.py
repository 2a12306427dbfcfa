# Lesson 01 source: run `.venv/bin/python tools/build_notebooks.py 01` to rebuild notebooks/01-clusterip.ipynb.

# %% [markdown]
# # ClusterIP Services
#
# Most workloads are interchangeable copies: any one of three web Pods can answer a request as well
# as the others. Clients of such a workload want one address that never changes and never points at a
# dead Pod. A ClusterIP Service, the default type, provides exactly that: a virtual IP taken from the
# cluster's Service range, a DNS name that resolves to it, and per-node rules that forward every new
# connection to one of the ready Pods behind it. This lesson builds one, looks at each of those three
# parts, and measures how the connections are spread.

# %% [markdown]
# The path of one request from the `client` Pod:
#
# ```mermaid
# flowchart LR
#     client["client Pod"] -->|"1: web-service?"| dns["CoreDNS<br/>10.96.0.10"]
#     dns -->|"2: A = ClusterIP"| client
#     client -->|"3: connect ClusterIP:80"| kp{{"kube-proxy rules<br/>on the client's node"}}
#     kp -->|"4: one ready endpoint,<br/>chosen per connection"| p1["web Pod :8080"]
#     kp -.-> p2["web Pod :8080"]
#     kp -.-> p3["web Pod :8080"]
# ```
#
# DNS hands out a single address, and the choice of Pod happens later, in the kernel of the node the
# client runs on, every time a connection opens.

# %%
from svclab import lab

lab.connect("clusterip")
lab.reset()

# %% [markdown]
# ## A Deployment and its Service
#
# Three replicas of a small web server (`agnhost netexec`, a test image from the Kubernetes project) listen
# on port 8080 and answer `GET /hostname` with their Pod's name, which lets us see who served each
# request. The Service listens on port 80 and forwards to `targetPort` 8080 on every Pod whose labels
# match its `selector`. `type: ClusterIP` is written out here for clarity; it is the default.

# %%
web = """
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
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: registry.k8s.io/e2e-test-images/agnhost:2.52
        args: ["netexec", "--http-port=8080"]
        ports:
        - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web-service
spec:
  type: ClusterIP
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 8080
"""
lab.apply(web)

# %% [markdown]
# `lab.wait_pods` waits until every Pod matching a label selector is Ready and returns them as a
# table. The three Pods got IPs from the `/24`s of the two worker nodes.

# %%
pods = lab.wait_pods("app=web")
pods

# %% [markdown]
# ## The virtual IP
#
# The Service received an address from `10.96.0.0/16`. No network interface anywhere carries this
# address: it exists only as a destination that kube-proxy's rules on every node recognise and rewrite
# to a Pod's address. That is also why `ping` to a ClusterIP gets no reply, while a TCP connection to
# one of its ports does.

# %%
lab.services()

# %%
cluster_ip = lab.services().set_index("name").loc["web-service", "cluster_ip"]
cluster_ip

# %% [markdown]
# Before you run the next cell: the client will look up `web-service`. How many addresses will the
# answer hold: one, or three? And will they be Pod IPs?

# %%
lookup = lab.nslookup("web-service")
lookup

# %% [markdown]
# One address, the ClusterIP, and never a Pod IP: the DNS server knows the Service, not the Pods behind
# it. (The `** server can't find` lines come from the search list busybox walks through; lesson 02
# explains them. They do not mean the lookup failed.) The parsed answer as a table:

# %%
lookup.records

# %% [markdown]
# ## EndpointSlices: who is behind the IP
#
# The Service object does not list its Pods. The EndpointSlice controller watches Pods that match the
# selector and writes their addresses, ports and readiness into EndpointSlice objects labelled
# `kubernetes.io/service-name: web-service`. kube-proxy programs its rules from these slices, and
# CoreDNS reads them too, so they are the place to look when a Service "does not work".

# %%
lab.endpoint_slices("web-service")

# %% [markdown]
# `kubectl describe` shows the same thing from the Service's side: its IP, the port mapping and the
# endpoints it forwards to.

# %%
_ = lab.kubectl("describe service web-service")

# %% [markdown]
# ## How connections are spread
#
# kube-proxy (in its default `iptables` mode on kind) picks one ready endpoint at random for each new
# connection, each with equal probability. `lab.count_backends` runs a `wget` loop in the client Pod,
# 300 requests with a fresh connection each, and counts which Pod answered.

# %%
spread = lab.count_backends("http://web-service/hostname", 300)
spread

# %%
lab.plot_backends({"no affinity": spread}, title="300 requests to web-service")

# %% [markdown]
# Each Pod served roughly a third. The split is never exactly even, since every connection is an
# independent draw, but no Pod is favoured. Note that the unit is a *connection*: a client that keeps
# one long-lived connection (HTTP keep-alive, a database pool, gRPC) stays on the Pod it first reached.

# %% [markdown]
# ## Session affinity
#
# Some applications keep per-user state in memory and want a client to return to the same Pod.
# `sessionAffinity: ClientIP` makes kube-proxy remember, per client source IP, which endpoint it chose,
# and reuse that choice while the client keeps coming back within `timeoutSeconds`. We apply the
# Service again with only `sessionAffinity` added and let the API server fill in the timeout:

# %%
sticky = """
apiVersion: v1
kind: Service
metadata:
  name: web-service
spec:
  selector:
    app: web
  sessionAffinity: ClientIP
  ports:
  - port: 80
    targetPort: 8080
"""
lab.apply(sticky)
_ = lab.kubectl("get service web-service -o jsonpath={.spec.sessionAffinityConfig}")

# %% [markdown]
# The default timeout is 10800 seconds, three hours; write
# `sessionAffinityConfig: {clientIP: {timeoutSeconds: N}}` to choose another (1 to 86400). The
# ClusterIP did not change when we re-applied the Service:

# %%
lab.services()

# %% [markdown]
# Before you run the next cell: the same 300 requests again, from the same client. How many Pods will
# answer now?

# %%
pinned = lab.count_backends("http://web-service/hostname", 300)
lab.plot_backends({"no affinity": spread, "sessionAffinity: ClientIP": pinned}, title="300 requests to web-service")

# %% [markdown]
# All of them went to one Pod. The key is the client's *IP address*, so a second client Pod, with an
# address of its own, gets its own draw. It may land on the same Pod or another; either way it then
# stays there:

# %%
lab.client_pod("client2")
lab.count_backends("http://web-service/hostname", 100, pod="client2")

# %% [markdown]
# Affinity by source IP is coarse. Every Pod on the far side of a NAT, or behind one proxy, shares a
# single IP and therefore a single backend. Use it when you must, and prefer stateless Pods.

# %% [markdown]
# ## The address outlives the Pods
#
# Now for the property that makes the ClusterIP worth having: Pods come and go, the address stays.
# First we scale the Deployment to five replicas:

# %%
lab.kubectl("scale deployment web --replicas=5")
lab.wait_pods("app=web", total=5)

# %% [markdown]
# Then we delete every web Pod at once, as a crash or a node failure might. The Deployment's
# ReplicaSet notices the missing Pods and creates new ones, with new names and new IPs.

# %%
lab.kubectl("delete pods -l app=web")
after = lab.wait_pods("app=web", total=5)
after

# %% [markdown]
# Before you run the next cell: which of these has changed since the start of the lesson: the
# ClusterIP, the DNS answer for `web-service`, the EndpointSlice's addresses?

# %%
lab.nslookup("web-service").addresses, lab.endpoint_slices("web-service")["address"].tolist()

# %% [markdown]
# The DNS answer is still the same ClusterIP, while the EndpointSlice already lists the five new Pod
# IPs. Clients that cached the name, or the address, never notice. The requests follow the new Pods.
# All of them land on one Pod, because affinity is still switched on: the client's old entry pointed
# at a Pod that no longer exists, so kube-proxy drew a new one and pinned the client to it.

# %%
lab.count_backends("http://web-service/hostname", 50)

# %% [markdown]
# ## What you saw
#
# Each row is read from the cluster or computed from the requests made above.

# %%
import pandas as pd

pd.DataFrame([
    ("ClusterIP of web-service", cluster_ip, lab.services().set_index("name").loc["web-service", "cluster_ip"]),
    ("DNS answer for web-service", ", ".join(lookup.addresses), ", ".join(lab.nslookup("web-service").addresses)),
    ("Pods behind it (EndpointSlice)", len(pods), len(lab.endpoint_slices("web-service"))),
    ("Pods that answered 300 requests, no affinity", spread.size, "-"),
    ("Pods that answered 300 requests, ClientIP affinity", pinned.size, "-"),
    ("IPs of the first three Pods still in use", len(pods), len(set(pods["ip"]) & set(after["ip"]))),
], columns=["what", "at the start", "after scaling and deleting Pods"])

# %% [markdown]
# Exercise: `exercises/ps1-clusterip/` asks you to write a ClusterIP Service for a Deployment, check
# what DNS answers for its name, and switch on session affinity.
