# Lesson 05 source: run `.venv/bin/python tools/build_notebooks.py 05` to rebuild notebooks/05-service-types-and-dns.ipynb.

# %% [markdown]
# # Service Types and DNS in Depth
#
# So far every client has lived inside the cluster. Sooner or later something outside needs to reach a
# Pod, or something inside needs a stable name for a system outside. The three remaining Service
# types cover these cases: NodePort opens a port on every node, LoadBalancer asks the infrastructure
# for an external address, and ExternalName is a DNS alias. They are easier to understand once you see
# that the first two *stack*, each one adding a layer on top of the one before. The lesson ends with the
# DNS records we have not met yet (reverse lookups and Pod A records) and a guide for choosing a Service.
#
# Sources: [Service types](https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types),
# [Virtual IPs and Service Proxies](https://kubernetes.io/docs/reference/networking/virtual-ips/),
# [DNS for Services and Pods](https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/),
# the [Kubernetes DNS specification](https://github.com/kubernetes/dns/blob/master/docs/specification.md),
# and kind's [extraPortMappings](https://kind.sigs.k8s.io/docs/user/configuration/#extra-port-mappings).

# %% [markdown]
# ```mermaid
# flowchart LR
#     host["your machine"] -->|"127.0.0.1:30080<br/>(extraPortMappings)<br/>or 172.18.0.x:30080 on Linux"| node["any node IP<br/>172.18.0.x:30080"]
#     lb["external load balancer<br/>(cloud; pending on kind)"] -.-> node
#     node --> kp{{"kube-proxy"}}
#     inpod["client Pod"] -->|"ClusterIP:80"| kp
#     kp --> pods["web Pods :8080"]
#     inpod -->|"web-alias?"| dns["CoreDNS"]
#     dns -->|"CNAME + the target's A records"| inpod
# ```

# %%
from svclab import lab

lab.connect("types")
lab.reset()

# %% [markdown]
# The same three web Pods as in lesson 01 serve everything in this lesson:

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
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: registry.k8s.io/e2e-test-images/agnhost:2.52
        args: ["netexec", "--http-port=8080"]
""")
lab.wait_pods("app=web", total=3)

# %% [markdown]
# ## NodePort
#
# A NodePort Service reserves one port, from the range 30000–32767, on *every* node of the cluster.
# A connection to any node's IP on that port is forwarded by kube-proxy to a ready Pod, even when that
# node runs none of the Pods. `nodePort` is usually left for the API server to choose; here we pin it
# to 30080 because the kind cluster maps that port to your machine (below).

# %%
nodeport = """
apiVersion: v1
kind: Service
metadata:
  name: web-nodeport
spec:
  type: NodePort
  selector: {app: web}
  ports:
  - name: http
    port: 80
    targetPort: 8080
    nodePort: 30080
"""
lab.apply(nodeport)
lab.services()

# %% [markdown]
# Before you run the next cell: the Service's type is NodePort. Does it still have a ClusterIP, and
# does its name still resolve inside the cluster?

# %%
lab.nslookup("web-nodeport").records

# %% [markdown]
# It does. A NodePort Service is a ClusterIP Service with one more layer of rules: the ClusterIP, port
# 80, keeps working for clients inside the cluster, and every node's port 30080 is added for clients
# that can reach the nodes. Both paths, tried from the client Pod:

# %%
nodes = {n.metadata.name: n.status.addresses[0].address for n in lab.session().core.list_node().items}
paths = {"web-nodeport:80 (ClusterIP)": "http://web-nodeport/hostname"}
paths.update({f"{name} {ip}:30080": f"http://{ip}:30080/hostname" for name, ip in nodes.items()})
{path: lab.http_get(url).stdout for path, url in paths.items()}

# %% [markdown]
# Every path reached a web Pod, including the control-plane node, which runs no web Pod at all.
#
# ### How kube-proxy programs a NodePort
#
# The node's rules answer the question. Here are the NodePort's chains on the control-plane node, in the
# order a packet meets them:

# %%
np_rules = lab.node_rules("svclab-control-plane", "web-nodeport", table="nat").frame()
np_rules[np_rules["chain"].str.startswith(("KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-EXT", "KUBE-SVC"))][["chain", "#", "matches", "jump", "comment"]]

# %% [markdown]
# `KUBE-SERVICES` still holds the ClusterIP rule. Its *last* rule sends every packet addressed to one of
# the node's own addresses (`--dst-type LOCAL`) to `KUBE-NODEPORTS`, which matches port 30080 and jumps
# to the Service's `KUBE-EXT-…` chain, the entry for traffic from outside. `KUBE-EXT` marks the
# connection for masquerading and then jumps to the very same `KUBE-SVC-…` chain the ClusterIP uses, with
# every endpoint of the cluster in it, on whichever node it runs. So the NodePort really is one more
# entrance to the ClusterIP's load balancing, and the masquerade is what lets the reply from a Pod on
# another node come back through the node the client connected to. The price: the Pod sees the node's
# address, not the client's (lesson 07 shows `externalTrafficPolicy: Local`, which keeps it). The chains
# are written by [`proxier.go`](https://github.com/kubernetes/kubernetes/blob/v1.35.0/pkg/proxy/iptables/proxier.go)
# (look for `kubeNodePortsChain` and `externalTrafficChain`).
#
# ### From outside the cluster
#
# The source notes asked: how is a NodePort reached from outside, and at which IP? Any node's IP, at the
# nodePort. What that means on kind depends on where Docker runs. kind's nodes are Docker containers on
# the Docker network `172.18.0.0/16`:
#
# * On a **Linux host** that network is local to the machine, so the node IPs are reachable directly:
#   `curl http://172.18.0.2:30080/hostname` (any node's IP, from `kubectl get nodes -o wide`) works with no
#   extra configuration.
# * With **Docker Desktop** (macOS, Windows) or a **remote Docker** engine, the nodes live in a VM or on
#   another machine and their addresses are not routable from yours. There a port has to be published,
#   which kind does with `extraPortMappings`, and svclab's `kind/cluster.yaml` has one for the
#   control-plane node:
#
# ```yaml
# nodes:
#   - role: control-plane
#     image: kindest/node:v1.35.0
#     extraPortMappings:
#       - containerPort: 30080     # the node's port: the Service's nodePort
#         hostPort: 30080          # the port on your machine
#         listenAddress: 127.0.0.1 # loopback only, nothing exposed to your network
#         protocol: TCP
# ```
#
# With that cluster, `curl http://127.0.0.1:30080/hostname` in a terminal on your machine reaches the
# web Pods on any Docker. Port mappings can only be set when a kind cluster is created, which is why the
# nodePort is pinned in the manifest.
#
# The embedded cluster has no Docker network: its node addresses exist only inside its Pods, as used
# above. But when `make lab` (or `svclab up`) starts it, it honours the same `extraPortMappings`: it
# listens on `127.0.0.1:30080` and hands each connection to the control-plane node's rules, as Docker's
# port mapping does on kind (`SVCLAB_HOST_PORTS` picks other ports, and `kind/README.md` explains the
# details). `lab.from_host(30080, "/hostname")` makes that request from the notebook's own machine, not
# from a Pod. The fresh per-notebook cluster that produced the outputs on this page maps no host ports,
# so here it says so instead of connecting; on your `make lab` cluster it prints a Pod's name.

# %%
lab.from_host(30080, "/hostname")

# %% [markdown]
# ## LoadBalancer
#
# A LoadBalancer Service asks the infrastructure for an external load balancer: a cloud provider's
# controller sees the Service, creates a balancer pointed at the nodes' NodePort, and writes the
# balancer's address into `status.loadBalancer`. So a LoadBalancer Service is a NodePort Service, and
# therefore also a ClusterIP Service, plus that external address.

# %%
lab.apply("""
apiVersion: v1
kind: Service
metadata:
  name: web-lb
spec:
  type: LoadBalancer
  selector: {app: web}
  ports:
  - name: http
    port: 80
    targetPort: 8080
""")
_ = lab.kubectl("get service web-lb")

# %% [markdown]
# `EXTERNAL-IP` stays `<pending>`. A kind cluster (like the embedded one) has no controller that
# provisions load balancers, so nothing ever fills in the address. Installing one, such as
# `cloud-provider-kind` or MetalLB, would. Meanwhile the two layers underneath work as usual: the API
# server allocated a ClusterIP and a random NodePort.

# %%
lb = lab.services().set_index("name").loc["web-lb"]
node_port = lb["ports"].split(":")[1].split("/")[0]
lb["cluster_ip"], node_port, lab.http_get(f"http://{nodes['svclab-worker']}:{node_port}/hostname").stdout

# %% [markdown]
# ## ExternalName
#
# An ExternalName Service has no selector, no endpoints, no ClusterIP and no kube-proxy rules. It exists
# only in DNS, as a CNAME record pointing at another name. Two of them: one for a name outside the
# cluster, and one giving a second name to a Service inside it (useful when a Service moves to another
# namespace and old clients still use the old name).

# %%
lab.apply("""
apiVersion: v1
kind: Service
metadata:
  name: example
spec:
  type: ExternalName
  externalName: example.com
---
apiVersion: v1
kind: Service
metadata:
  name: web-alias
spec:
  type: ExternalName
  externalName: web-nodeport.types.svc.cluster.local
""")
lab.dig("+noall", "+answer", "web-alias.types.svc.cluster.local")

# %% [markdown]
# The answer is a CNAME to `web-nodeport`, followed by that Service's A record, which CoreDNS adds
# itself because the target lives in its own zone.
#
# Before you run the next cell: `example.com` is outside the cluster's zone. Will the answer for
# `example` hold only the CNAME, leaving the client to look up `example.com` itself?

# %%
lab.dig("+noall", "+answer", "example.types.svc.cluster.local")

# %% [markdown]
# The CNAME *and* the target's address. When the target is outside its zone, CoreDNS's kubernetes plugin
# looks the target up through its upstream (the `forward . /etc/resolv.conf` line of kind's Corefile) and
# appends what it gets to the answer ([`plugin/backend_lookup.go`](https://github.com/coredns/coredns/blob/v1.13.1/plugin/backend_lookup.go),
# function `A`; the [DNS specification §2.5](https://github.com/kubernetes/dns/blob/master/docs/specification.md#25---records-for-external-name-services)
# shows the same two-record answer). On kind the upstream is the internet, so the A record carries
# example.com's real address. The embedded cluster is offline: its upstream is a small built-in zone that
# answers a few such names (`example.com`, `www.example.com`, `db.example.com`, `api.example.com`,
# `example.org`, `mail.example.org`, `example.net`, `legacy.example.net`) with documentation addresses
# from [RFC 5737](https://www.rfc-editor.org/rfc/rfc5737), and any other outside name with NXDOMAIN. When
# the upstream has no answer, the reply holds the CNAME alone.
#
# `externalName` must be a fully qualified name. The search list belongs to the client, while the CNAME
# is followed by CoreDNS: `externalName: web-nodeport` makes a CNAME to the top-level name
# `web-nodeport.`, which the upstream does not know. The answer is the CNAME alone, with no address,
# whichever namespace asks, the Service's own included:

# %%
lab.apply("""
apiVersion: v1
kind: Service
metadata:
  name: web-short
spec:
  type: ExternalName
  externalName: web-nodeport
""")
lab.dig("+noall", "+answer", "web-short.types.svc.cluster.local")

# %%
lab.http_get("http://web-short/hostname")

# %% [markdown]
# Because this is only DNS, the client connects to whatever the final name resolves to, with the port it
# chose and the host name it typed. An HTTP server or a TLS certificate that expects `example.com`
# will see `example` instead, which is the usual surprise with ExternalName.

# %% [markdown]
# ## DNS records we have not met yet
#
# ### Reverse lookups (PTR)
#
# CoreDNS also answers the other direction, from an address back to a name. For a ClusterIP, the answer
# is the Service's name:

# %%
cluster_ip = lab.services().set_index("name").loc["web-nodeport", "cluster_ip"]
lab.dig("+noall", "+answer", "-x", cluster_ip)

# %% [markdown]
# Before you run the next cell: a web Pod sits behind two Services here, `web-nodeport` and `web-lb`.
# How many names will the reverse lookup of its IP return?

# %%
pod_ip = lab.pods("app=web").loc[0, "ip"]
lab.dig("+noall", "+answer", "-x", pod_ip)

# %% [markdown]
# Two, one per Service whose endpoints include the address. An endpoint without a hostname is named by its
# IP written with dashes. A StatefulSet Pod's hostname appears only in the record for its *governing*
# Service, the one its `subdomain` names: the EndpointSlice controller copies `hostname` into an endpoint
# only for that Service
# ([`staging/src/k8s.io/endpointslice/utils.go`](https://github.com/kubernetes/kubernetes/blob/v1.35.0/staging/src/k8s.io/endpointslice/utils.go),
# `podToEndpoint`), so in lesson 04 `mysql-0` is `mysql-0.mysql-headless…` in reverse, and a dashed IP under
# `mysql-read`. The records are in the [DNS specification §2.4.3](https://github.com/kubernetes/dns/blob/master/docs/specification.md#243---ptr-records).

# %% [markdown]
# ### Pod A records and SRV for a ClusterIP
#
# Every Pod IP also has a name of the form `a-b-c-d.<namespace>.pod.cluster.local`. kind's CoreDNS runs
# with `pods insecure`, which answers such a name by converting the dashes back into an IP, without
# checking that a Pod has it. The name is a leftover from kube-dns, mainly useful for TLS certificates
# issued to an IP-derived name.

# %%
pod_name = pod_ip.replace(".", "-") + ".types.pod.cluster.local"
lab.dig("+noall", "+answer", pod_name)

# %% [markdown]
# A named port on a ClusterIP (or NodePort) Service gets exactly one SRV record, and its target is the
# Service's name, not the Pods' (compare the per-Pod targets of a headless Service in lesson 03):

# %%
lab.dig("+noall", "+answer", "SRV", "_http._tcp.web-nodeport.types.svc.cluster.local")

# %% [markdown]
# ## Which Service for which workload?
#
# ```mermaid
# flowchart TD
#     start(["Who needs to reach the Pods?"]) --> inside{"Only clients<br/>inside the cluster?"}
#     inside -- yes --> same{"Is any Pod as good<br/>as any other?"}
#     same -- yes --> cip["ClusterIP<br/>web apps, APIs"]
#     same -- no --> ident{"Does each Pod need<br/>its own stable name?"}
#     ident -- yes --> sts["StatefulSet + headless Service<br/>(+ a ClusterIP for reads: lesson 04)"]
#     ident -- no --> hl["headless Service<br/>client-side balancing, peer lists"]
#     inside -- no --> ext{"Is the thing you reach<br/>outside the cluster?"}
#     ext -- yes --> en["ExternalName<br/>a DNS alias"]
#     ext -- "no: outside clients<br/>reach in" --> cloud{"Does the platform<br/>provision load balancers?"}
#     cloud -- yes --> lbn["LoadBalancer"]
#     cloud -- "no (kind, bare metal)" --> np["NodePort<br/>(or an Ingress / Gateway in front of a ClusterIP)"]
# ```

# %% [markdown]
# ## What you saw
#
# Every Service in this lesson, with what the API server gave it and what DNS answers for it, read live:

# %%
services = lab.services().set_index("name")[["type", "cluster_ip", "ports"]]
external = {s.metadata.name: s.spec.external_name or ",".join(i.ip for i in (s.status.load_balancer.ingress or [])) or ("<pending>" if s.spec.type == "LoadBalancer" else "")
            for s in lab.session().core.list_namespaced_service("types").items}
services["external"] = services.index.map(external)
services.join(lab.dns_table(services.index).set_index("name")[["answer", "kind"]])

# %% [markdown]
# | type | ClusterIP | node port | external address | DNS answer |
# |---|---|---|---|---|
# | ClusterIP | yes | no | no | the ClusterIP |
# | NodePort | yes | yes, on every node | no | the ClusterIP |
# | LoadBalancer | yes | yes | from a controller (`<pending>` without one) | the ClusterIP |
# | ExternalName | no | no | no | a CNAME, plus the target's records when CoreDNS can resolve it |
#
# Exercise: `exercises/ps5-service-types/` asks you to expose a Deployment through a NodePort Service,
# add an ExternalName alias, read an SRV record, and choose a Service type for several workloads.
