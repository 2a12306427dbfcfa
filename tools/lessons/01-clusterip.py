# Lesson 01 source: run `.venv/bin/python tools/build_notebooks.py 01` to rebuild notebooks/01-clusterip.ipynb.

# %% [markdown]
# # ClusterIP Services
#
# Most workloads are interchangeable copies: any one of three web Pods can answer a request as well
# as the others. Clients of such a workload want one address that never changes and never points at a
# dead Pod. A ClusterIP Service, the default type, provides exactly that: a virtual IP taken from the
# cluster's Service range, a DNS name that resolves to it, and per-node rules that forward every new
# connection to one of the ready Pods behind it. This lesson builds one, looks at each of those three
# parts, measures how the connections are spread, and reads the rules that spread them.
#
# Sources: [Service](https://kubernetes.io/docs/concepts/services-networking/service/) and [Virtual IPs
# and Service Proxies](https://kubernetes.io/docs/reference/networking/virtual-ips/) in the Kubernetes
# documentation; the DNS records from the [Kubernetes DNS specification
# §2.3](https://github.com/kubernetes/dns/blob/master/docs/specification.md#23---records-for-a-service-with-clusterip).

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
# The Service received an address from `10.96.0.0/16`. In kube-proxy's `iptables` mode, kind's
# default, no network interface carries this address: it exists only as a destination that the rules
# on every node recognise and rewrite to a Pod's address. That is why `ping` to a ClusterIP gets no
# reply there, while a TCP connection to one of its ports does. (In `ipvs` mode kube-proxy does bind
# every ClusterIP to a dummy interface, `kube-ipvs0`, on each node, so the address is local to the node
# and a ping may be answered; see [Virtual IPs and Service
# Proxies](https://kubernetes.io/docs/reference/networking/virtual-ips/#proxy-mode-ipvs).)

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
# ## What kube-proxy wrote on the node
#
# Where does that "random" come from? kube-proxy runs on every node, watches Services and
# EndpointSlices, and writes the node's `nat` table so the kernel rewrites each new connection's
# destination. `lab.node_rules(node, service)` shows the rules of one node as `iptables-save` prints
# them, cut down to what one Service's traffic meets. On kind it runs `iptables-save` inside the node
# container (`docker exec svclab-worker iptables-save -t nat`), so you read the kernel's real rules. The
# embedded cluster has no kernel: it computes the same rules from the same Services and EndpointSlices
# with kube-proxy's algorithm
# ([`pkg/proxy/iptables/proxier.go`](https://github.com/kubernetes/kubernetes/blob/v1.35.0/pkg/proxy/iptables/proxier.go),
# v1.35), including the chain names, which are hashes of the Service and endpoint names.
#
# The client Pod runs on this node, so these are the rules its connections meet:

# %%
client_node = lab.pods("app=client").loc[0, "node"]
rules = lab.node_rules(client_node, "web-service", table="nat")
print(rules)

# %% [markdown]
# Read it from the top. Every packet a Pod sends passes `PREROUTING` (the node's own processes pass
# `OUTPUT`), which jumps to `KUBE-SERVICES`. There one rule per Service port matches the ClusterIP and
# port (`-d 10.96.…/32 … --dport 80`) and jumps to the Service's chain, `KUBE-SVC-…`. That chain holds
# one rule per ready endpoint, and each endpoint's own chain, `KUBE-SEP-…`, ends in a `DNAT` to the Pod's
# IP and `targetPort`. As a table, in the order a packet meets them:

# %%
walk = rules.frame()
walk[walk["chain"].str.startswith(("KUBE-SERVICES", "KUBE-SVC", "KUBE-SEP"))][["chain", "#", "jump", "probability", "comment"]]

# %% [markdown]
# Before you run the next cell: the first endpoint rule matches with probability 1/3, the second with
# 1/2, the third always. Does that favour the last Pod?
#
# No: the rules are tried in order, and a rule is only reached when the ones above it did not match. The
# second rule sees the 2/3 of connections the first left over and takes half of them; the third gets what
# remains. Multiplying it out, each endpoint's share is exactly 1/3, which is what we measured:

# %%
import pandas as pd

draws = walk[walk["chain"].str.startswith("KUBE-SVC") & walk["comment"].str.contains("->")].copy()
draws["probability"] = draws["probability"].fillna(1.0)
draws["left over"] = (1 - draws["probability"]).cumprod().shift(fill_value=1.0)
draws["share"] = draws["left over"] * draws["probability"]
draws["pod"] = draws["comment"].str.split("-> ").str[1].str.split(":").str[0].map(pods.set_index("ip")["name"])
draws["measured (300 requests)"] = draws["pod"].map(spread / spread.sum()).round(3)
draws[["pod", "probability", "left over", "share", "measured (300 requests)"]].round(3)

# %% [markdown]
# Two more details in those rules are about *masquerading* (rewriting the source address too):
#
# * `! -s 10.244.0.0/16 … -j KUBE-MARK-MASQ` in the `KUBE-SVC` chain: a connection to the ClusterIP that
#   does not come from a Pod (a process on the node itself, for example) is marked, and the
#   `KUBE-POSTROUTING` chain masquerades marked packets to the node's address, so the reply comes back
#   through this node and can be un-rewritten. Pod-to-Service traffic is not marked: the web Pod sees
#   the client Pod's real IP.
# * `-s 10.244.x.y/32 -j KUBE-MARK-MASQ` in each `KUBE-SEP` chain: a Pod that reaches *itself* through
#   the Service ("hairpin") is masqueraded, or it would receive its own packet with its own source
#   address and drop the reply.
#
# A Service with no ready endpoints gets no `KUBE-SVC` chain at all. kube-proxy writes a `REJECT` rule
# into the `filter` table instead, which is why such a connection is *refused* at once rather than
# hanging; lesson 06 meets it while debugging.

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
# All of them went to one Pod. The node's rules show how: each `KUBE-SEP` chain now *records* the
# client's source address in a kernel list named after the chain (`-m recent --set --name KUBE-SEP-…
# --rsource`), and the Service's chain first checks those lists (`-m recent --rcheck --seconds 10800
# --reap`) before any random draw. A client seen within the timeout goes straight back to its endpoint:

# %%
[line for line in lab.node_rules(client_node, "web-service", table="nat").lines() if "recent" in line]

# %% [markdown]
# The key is the client's *IP address*, so a second client Pod, with an address of its own, gets its own
# draw. It may land on the same Pod or another; either way it then stays there:

# %%
lab.client_pod("client2")
lab.count_backends("http://web-service/hostname", 100, pod="client2")

# %% [markdown]
# Affinity by source IP is coarse. Every Pod on the far side of a NAT, or behind one proxy, shares a
# single IP and therefore a single backend; and for clients outside the cluster the node may masquerade
# the source before the `recent` check sees it (lesson 07). Use it when you must, and prefer stateless
# Pods. The [Service documentation](https://kubernetes.io/docs/reference/networking/virtual-ips/#session-affinity)
# describes the field.

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
