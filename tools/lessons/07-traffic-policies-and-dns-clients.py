# Lesson 07 source: run `.venv/bin/python tools/build_notebooks.py 07` to rebuild notebooks/07-traffic-policies-and-dns-clients.ipynb.

# %% [markdown]
# # Traffic Policies and DNS from the Client's Side
#
# Two things decide where a connection to a Service really ends up, and both live outside the Service's
# selector. One is the node: kube-proxy on the node a packet enters may send it across the cluster or
# only to Pods on that node, and may rewrite its source address on the way. The other is the client: its
# resolver decides how many DNS queries a name costs, which of several addresses it tries first, and how
# long it believes an answer. This lesson reads the first in the nodes' rules and the second in the
# Pods' resolver configuration.
#
# Sources: [Virtual IPs and Service Proxies: traffic
# policies](https://kubernetes.io/docs/reference/networking/virtual-ips/#traffic-policies),
# [Using Source IP](https://kubernetes.io/docs/tutorials/services/source-ip/),
# [Service Internal Traffic Policy](https://kubernetes.io/docs/concepts/services-networking/service-traffic-policy/),
# [DNS for Services and Pods](https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/),
# [EndpointSlices](https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/), and
# kube-proxy's [`proxier.go`](https://github.com/kubernetes/kubernetes/blob/v1.35.0/pkg/proxy/iptables/proxier.go).

# %% [markdown]
# With `externalTrafficPolicy: Local`, only nodes that run a Pod of the Service accept outside traffic for
# it, and they keep the client's address:
#
# ```mermaid
# flowchart LR
#     ext["outside client<br/>203.0.113.7"] -->|"NodePort"| w1["svclab-worker<br/>(runs a web Pod)"]
#     ext -->|"NodePort"| cp["svclab-control-plane<br/>(no web Pod)"]
#     w1 -->|"Cluster: any Pod, source = node IP<br/>Local: its own Pod, source = 203.0.113.7"| pod1["web Pod"]
#     cp -->|"Cluster: a Pod elsewhere, source = node IP"| pod1
#     cp -.->|"Local: DROP"| x["nothing"]
# ```

# %%
from svclab import lab

lab.connect("traffic")
lab.reset()

# %% [markdown]
# ## Two Pods, three Services
#
# Two web Pods, which the scheduler spreads over the two workers, and three Services in front of them
# that differ only in their traffic policies: `web-cluster` (the defaults), `web-local`
# (`externalTrafficPolicy: Local`) and `web-internal` (`internalTrafficPolicy: Local`).

# %%
lab.apply("""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
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
---
apiVersion: v1
kind: Service
metadata:
  name: web-cluster
spec:
  type: NodePort
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web-local
spec:
  type: NodePort
  externalTrafficPolicy: Local
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web-internal
spec:
  internalTrafficPolicy: Local
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
""")
pods = lab.wait_pods("app=web", total=2)
pods[["name", "ip", "node"]]

# %% [markdown]
# ## externalTrafficPolicy: what each node does with outside traffic
#
# "External" traffic is traffic that arrives at a node port (or a load balancer's address) from outside
# the cluster. With the default policy, `Cluster`, every node accepts it and forwards it to any Pod of the
# Service, on any node. To make the reply come back the same way, the node masquerades the connection:
# the Pod sees the node's address, and the client's is lost. `Local` changes both halves: a node forwards
# only to Pods *on that node*, so no masquerade is needed and the Pod sees the real client address; a node
# without such a Pod drops the traffic.
#
# Before you run the next cell: the control-plane node runs no web Pod. What do its rules do with a
# connection to `web-local`'s node port?

# %%
nodes = [n.metadata.name for n in lab.session().core.list_node().items]


def external_path(node: str, service: str) -> dict[str, object]:
    """Where the node's rules send outside traffic for the Service's node port, read from its iptables."""
    nat = lab.node_rules(node, service, table="nat").frame()
    ext = nat[nat["chain"].str.startswith("KUBE-EXT")]
    dropped = any("DROP" in line for line in lab.node_rules(node, service, table="filter").lines("filter"))
    endpoints = nat[nat["chain"].str.startswith(("KUBE-SVC", "KUBE-SVL")) & nat["jump"].str.startswith("KUBE-SEP")]
    local = ext["jump"].str.startswith("KUBE-SVL").any()
    return {
        "node": node, "Service": service,
        "Pods on this node": int((lab.pods("app=web")["node"] == node).sum()),
        "outside traffic goes to": "DROP" if dropped else ("KUBE-SVL: this node's Pods" if local else "KUBE-SVC: every Pod"),
        "endpoints reachable": 0 if dropped else int(endpoints[endpoints["chain"].str.startswith("KUBE-SVL" if local else "KUBE-SVC")]["jump"].nunique()),
        "source address": "-" if dropped else ("kept" if not (ext["jump"].eq("KUBE-MARK-MASQ") & ext["matches"].eq("")).any() else "masqueraded to the node"),
    }


import pandas as pd

pd.DataFrame(external_path(node, service) for service in ["web-cluster", "web-local"] for node in nodes)

# %% [markdown]
# The rows come from the rules themselves. With `Cluster`, every node's `KUBE-EXT` chain starts with an
# unconditional `KUBE-MARK-MASQ` and jumps to the Service's `KUBE-SVC` chain, with both endpoints in it.
# With `Local`, a worker's `KUBE-EXT` chain jumps to `KUBE-SVL-…`, which lists only that node's endpoint,
# and nothing marks the connection for masquerade. The control-plane node has no endpoint, so kube-proxy
# writes a `DROP` rule for the node port into the `filter` table: the connection is silently dropped and
# the client times out. Here are those rules, on a worker and on the control-plane node:

# %%
worker = pods.loc[0, "node"]
[line for line in lab.node_rules(worker, "web-local", table="nat").lines() if line.startswith(("-A KUBE-EXT", "-A KUBE-SVL"))]

# %%
lab.node_rules("svclab-control-plane", "web-local", table="filter").lines("filter")

# %% [markdown]
# Two consequences follow. First, whatever sends outside traffic to the nodes must know which of them have
# a local Pod: a cloud load balancer learns it from the `healthCheckNodePort` that kube-proxy serves for
# every `LoadBalancer` Service with policy `Local`. Second, spreading is per node, not per Pod: a node with
# one Pod and a node with ten get the same share from the balancer.
#
# One rule of `KUBE-EXT` is worth a second look: `-s 10.244.0.0/16 … "pod traffic for … external
# destinations" -j KUBE-SVC-…`. A *Pod* that connects to a node port is sent to the whole Service, even under
# `Local`, so that in-cluster clients are not dropped by the policy meant for outside ones.
#
# On kind, `lab.from_host` in lesson 05 or `curl` from your machine shows the source address: the Pod's
# `/clientip` page answers with the node's address under `Cluster`, and with Docker's gateway `172.18.0.1`
# (the "outside client" as the node sees it) under `Local`. The embedded cluster's host ports do the same;
# its Pods, when they call a node port themselves, always see their own address, without the masquerade a
# real node applies under `Cluster`.

# %% [markdown]
# ## Session affinity behind a NAT
#
# `sessionAffinity: ClientIP` pins by source address, in `recent` lists (lesson 01) kept by the kernel of
# *each node*. Two things weaken it for clients outside the cluster:
#
# * every address translation before the node merges clients: behind a proxy, a corporate NAT, or a load
#   balancer that does not preserve the client address, all users share one address and land on one Pod
#   (from your own machine, kind's Docker port mapping makes every connection come from `172.18.0.1`);
# * the lists are per node: a client whose connections an outside load balancer spreads over several nodes
#   is pinned separately on each, possibly to different Pods.
#
# `externalTrafficPolicy: Local` keeps the real client address, which helps the first problem, but a
# client still sticks to a Pod only as long as its traffic enters through the same node.

# %% [markdown]
# ## internalTrafficPolicy: Local
#
# The same idea for traffic from inside the cluster: with `internalTrafficPolicy: Local`, a connection to
# the ClusterIP goes only to a Pod on the client's own node. It suits per-node agents (a log collector or
# a cache run as a DaemonSet), where crossing to another node defeats the purpose. A node with no such
# Pod drops the connection rather than falling back to another node.

# %%
pd.DataFrame({
    "node": node,
    "Pods on this node": int((pods["node"] == node).sum()),
    "ClusterIP traffic goes to": "; ".join(sorted({line.split(" -j ")[-1].split(" ")[0] for line in lab.node_rules(node, "web-internal").lines("nat") if line.startswith("-A KUBE-SERVICES")} or {"-"})),
    "filter rule": "; ".join(line.split('--comment "')[1].split('"')[0] for line in lab.node_rules(node, "web-internal").lines("filter") if "--comment" in line and "portals" not in line) or "-",
} for node in nodes)

# %% [markdown]
# On each worker, the ClusterIP jumps to a `KUBE-SVL` chain with that node's one endpoint; on the
# control-plane node the rule is a `DROP` with the comment `has no local endpoints`. On kind, a client Pod
# on a node without a web Pod would see its connections to `web-internal` hang. The embedded cluster
# models this policy in the node rules shown here, but its Pods' own connections do not apply it: from
# a Pod, `web-internal` balances over both web Pods like an ordinary Service.

# %% [markdown]
# ## How many queries a name costs
#
# Every Pod's `/etc/resolv.conf` says `options ndots:5` and lists three search domains. A resolver that
# follows these rules (glibc's and musl's do) tries a name with fewer than five dots with each search
# domain appended *first*, and the name as written last; and each try is two queries, A and AAAA, sent
# together. The embedded cluster's DNS server keeps no query log to count them, so we derive the queries
# from the Pod's own resolver configuration, by the resolvers' rule
# ([musl `name_from_dns_search`](https://git.musl-libc.org/cgit/musl/tree/src/network/lookup_name.c),
# [glibc `__res_context_search`](https://github.com/bminor/glibc/blob/master/resolv/res_query.c)),
# and ask the DNS server which try first gets an answer:

# %%
lab.client_pod()
conf = lab.exec_in("client", "cat /etc/resolv.conf").stdout
search = next(line.split()[1:] for line in conf.splitlines() if line.startswith("search"))
ndots = int(conf.split("ndots:")[1].split()[0])


def tries(name: str) -> tuple[int, str]:
    """How many names a glibc/musl resolver asks for, in order, until one exists; and that name."""
    searched = [f"{name}.{domain}." for domain in search]
    ordered = [name] if name.endswith(".") else searched + [f"{name}."] if name.count(".") < ndots else [f"{name}."] + searched
    for count, candidate in enumerate(ordered, 1):
        if lab.nslookup(candidate).ok:
            return count, candidate
    return len(ordered), "none: NXDOMAIN"


names = ["web-cluster", "web-cluster.traffic", "web-cluster.traffic.svc.cluster.local", "www.example.com", "www.example.com."]
queries = pd.DataFrame({"name": n, "dots": n.rstrip(".").count("."), "tries": t, "queries (A + AAAA)": 2 * t, "answered by": a} for n, (t, a) in ((n, tries(n)) for n in names))
queries

# %% [markdown]
# A Service name in the same namespace costs one try. Anything outside the cluster costs four: three
# NXDOMAIN round trips through the search list before the real name, eight queries for one lookup, all of
# them answered by CoreDNS (the misses are cached too, but only for 30 seconds). Surprisingly, so does the
# *full* name of a Service written without a trailing dot: `…svc.cluster.local` has four dots, fewer than
# five. A trailing dot makes the
# name absolute and skips the search list. For Pods that mostly talk to outside names, lower `ndots` in the
# Pod's `dnsConfig`:

# %%
lab.apply("""
apiVersion: v1
kind: Pod
metadata:
  name: few-dots
  labels: {app: few-dots}
spec:
  dnsConfig:
    options:
    - name: ndots
      value: "1"
  containers:
  - name: client
    image: busybox:1.36.1
    command: ["sleep", "infinity"]
""")
lab.wait_pods("app=few-dots", total=1)
lab.exec_in("few-dots", "cat /etc/resolv.conf")

# %% [markdown]
# The kubelet merged the Pod's option into the cluster's defaults (same name: the Pod's value wins). With
# `ndots:1`, `www.example.com` is tried as written first. The price: a dotted in-cluster name such as
# `web-cluster.traffic` is now also tried as written first (one wasted query pair), so write such names in
# full.

# %% [markdown]
# ## dnsPolicy: whose resolver configuration a Pod gets
#
# | `dnsPolicy` | `/etc/resolv.conf` of the Pod |
# |---|---|
# | `ClusterFirst` (the default) | `kube-dns`'s address, the cluster search list, `ndots:5`; plus what `dnsConfig` adds |
# | `Default` | the node's own resolver configuration: no cluster names at all (the name is historical: it is *not* the default) |
# | `ClusterFirstWithHostNet` | like `ClusterFirst`, for Pods with `hostNetwork: true` (which would otherwise get `Default`) |
# | `None` | only what `dnsConfig` says: nameservers, searches, options |
#
# A Pod with `dnsPolicy: Default` gets the kind node's file, which points at Docker's DNS forwarder:

# %%
lab.apply("""
apiVersion: v1
kind: Pod
metadata:
  name: node-dns
  labels: {app: node-dns}
spec:
  dnsPolicy: Default
  containers:
  - name: client
    image: busybox:1.36.1
    command: ["sleep", "infinity"]
""")
lab.wait_pods("app=node-dns", total=1)
lab.exec_in("node-dns", "cat /etc/resolv.conf")

# %% [markdown]
# ## Who caches the answer
#
# CoreDNS hands out its answers with a TTL of 30 seconds (the `cache 30` line of kind's Corefile), but what
# a client does with the TTL is up to the client:
#
# | client | caches DNS answers? |
# |---|---|
# | C programs using glibc or musl (`getaddrinfo`) | no, each call asks again (unless the host runs `nscd` or `systemd-resolved`, which containers rarely do) |
# | Go's `net` package | no cache; each dial resolves the name again ([Name Resolution](https://pkg.go.dev/net#hdr-Name_Resolution)) |
# | Java (`InetAddress`) | yes: `networkaddress.cache.ttl`, 30 seconds by default, *ignoring the record's TTL*; failures for 10 seconds ([InetAddress caching](https://docs.oracle.com/en/java/javase/21/docs/api/java.base/java/net/InetAddress.html)) |
# | connection pools, HTTP keep-alive, gRPC channels | the strongest cache of all: the connection stays on the Pod it reached, whatever DNS says later |
#
# So after a StatefulSet Pod moves (lesson 03), a Go client sees the new IP at once, a Java client within
# 30 seconds, and a pooled connection only when it reconnects.

# %% [markdown]
# ## Why round robin may not round
#
# CoreDNS shuffles the A records of a headless Service (lesson 02), yet many clients connect to the same
# Pod every time. glibc's `getaddrinfo` *sorts* the addresses it returns by RFC 6724; its rule 9, "longest
# matching prefix", applies to IPv4 destinations in the client's own subnet
# ([`sysdeps/posix/getaddrinfo.c`](https://github.com/bminor/glibc/blob/master/sysdeps/posix/getaddrinfo.c),
# `rfc3484_sort`). "The client's own subnet" is the prefix on its interface; here it is a `/24`, the
# node's Pod range:

# %%
lab.exec_in("client", "ip -4 addr show eth0")

# %% [markdown]
# So a glibc client puts the Pods whose addresses are in its own `/24`, the ones on its node, ahead of the
# others in every answer, and the shuffle is undone: with a web Pod on the client's node, that Pod gets
# nearly every new connection. (Where a network plugin gives Pods a `/32` instead, rule 9 has nothing to
# compare and the order survives.) busybox 1.36.1, as the official image builds it, is linked against glibc,
# so on kind its `wget` behaves this way too, and lesson 02's 100 requests can come out as one Pod.
# Go's resolver applies rule 9 to IPv6 only, because of exactly this problem
# ([`src/net/addrselect.go`](https://github.com/golang/go/blob/master/src/net/addrselect.go)), and musl
# (Alpine images) does not sort IPv4 either. The embedded cluster's resolver resolves as musl does and
# keeps CoreDNS's shuffled order, which is why lesson 02 shows a spread there. Whether your application
# balances over a headless Service is a property of its resolver, not of the Service.

# %% [markdown]
# ## Per-Pod names without a StatefulSet
#
# The per-Pod names of lesson 03 do not need a StatefulSet: any Pod that sets `hostname` and `subdomain`,
# with a headless Service of the subdomain's name selecting it, gets
# `<hostname>.<subdomain>.<namespace>.svc.cluster.local`
# ([Pod's hostname and subdomain fields](https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#pod-s-hostname-and-subdomain-fields)).

# %%
lab.apply("""
apiVersion: v1
kind: Service
metadata:
  name: web-peers
spec:
  clusterIP: None
  selector: {app: web}
  ports:
  - name: http
    port: 8080
---
apiVersion: v1
kind: Pod
metadata:
  name: solo
  labels: {app: web}
spec:
  hostname: solo
  subdomain: web-peers
  containers:
  - name: web
    image: registry.k8s.io/e2e-test-images/agnhost:2.52
    args: ["netexec", "--http-port=8080"]
""")
lab.wait_pods("app=web", total=3)
lab.exec_in("solo", "hostname -f")

# %% [markdown]
# Before you run the next cell: the two Deployment Pods have no `hostname`. What name does each of them
# get under the headless Service?

# %%
lab.dig("+noall", "+answer", "SRV", "_http._tcp.web-peers.traffic.svc.cluster.local")

# %% [markdown]
# Every endpoint needs a name for its SRV record, so an endpoint without a hostname is named by its
# address with dashes: CoreDNS's `endpointHostname` in
# [`plugin/kubernetes/kubernetes.go`](https://github.com/coredns/coredns/blob/v1.13.1/plugin/kubernetes/kubernetes.go),
# the "unique, system-assigned identifier" of the [DNS specification
# §2.1](https://github.com/kubernetes/dns/blob/master/docs/specification.md#21---definitions). Those names
# resolve like any other:

# %%
dashed = pods.loc[0, "ip"].replace(".", "-") + ".web-peers.traffic.svc.cluster.local"
lab.dig("+noall", "+answer", dashed)

# %% [markdown]
# ## EndpointSlices: limits and conditions
#
# The EndpointSlice controller puts at most 100 endpoints in one slice (its `--max-endpoints-per-slice`
# flag, up to 1000) and starts another slice beyond that, so a change to one Pod of a large Service
# rewrites one small object, not a list of thousands. The embedded cluster does not split: it writes one
# slice per set of ports, whatever the size.
#
# Each endpoint carries three conditions:
#
# | condition | meaning | who reads it |
# |---|---|---|
# | `ready` | the Pod is Ready and not terminating (or the Service has `publishNotReadyAddresses`) | DNS, kube-proxy, most consumers |
# | `serving` | the Pod is Ready, whether or not it is terminating | kube-proxy, when no endpoint is `ready` |
# | `terminating` | the Pod is being deleted | anyone draining connections |
#
# A Pod that is shutting down becomes `ready: false` at once, so no new client gets it, but stays
# `serving: true` while it passes its readiness probe. kube-proxy uses such endpoints only when nothing
# else is left, so a Service whose every Pod is terminating keeps answering until the end
# ([terminating endpoints](https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/#conditions)).
# The conditions of `web-peers` now:

# %%
slices = lab.session().discovery.list_namespaced_endpoint_slice("traffic", label_selector="kubernetes.io/service-name=web-peers").items
pd.DataFrame({"address": e.addresses[0], "hostname": e.hostname, "ready": e.conditions.ready, "serving": e.conditions.serving,
              "terminating": e.conditions.terminating} for s in slices for e in s.endpoints)

# %% [markdown]
# ## What you saw
#
# The names of this lesson, as DNS answers them now, and what each node does with outside traffic for
# `web-local` now that `solo`, which carries the label `app: web` too, runs on one of the workers:

# %%
lab.dns_table(["web-peers", f"solo.web-peers.traffic.svc.cluster.local", dashed, "web-cluster", "web-local", "web-internal"])

# %%
pd.DataFrame(external_path(node, "web-local") for node in nodes)

# %% [markdown]
# | setting | where | effect |
# |---|---|---|
# | `externalTrafficPolicy: Local` | Service | node ports only to this node's Pods; client address kept; nodes without a Pod drop |
# | `internalTrafficPolicy: Local` | Service | ClusterIP only to Pods on the client's node; none there: dropped |
# | `ndots`, `searches`, `nameservers` | Pod `dnsConfig` | how many queries a name costs, and where they go |
# | `dnsPolicy` | Pod | whose resolver configuration the Pod starts from |
# | `hostname` + `subdomain` | Pod | a per-Pod DNS name under a headless Service |
#
# Exercise: `exercises/ps7-debugging/`, part 2: predict what the nodes' rules do with a Service's traffic
# once you set its policies (question 4), and what a lookup costs, then make a Pod whose lookups of outside
# names cost one try (question 5). The course's last assignment, `exercises/ps6-capstone/`, asks you to
# design the Services for a small application from its requirements.
