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

# %% [markdown]
# ```mermaid
# flowchart LR
#     host["your machine"] -->|"127.0.0.1:30080<br/>(kind extraPortMappings)"| node["any node IP<br/>172.18.0.x:30080"]
#     lb["external load balancer<br/>(cloud; pending on kind)"] -.-> node
#     node --> kp{{"kube-proxy"}}
#     inpod["client Pod"] -->|"ClusterIP:80"| kp
#     kp --> pods["web Pods :8080"]
#     inpod -->|"web-alias?"| dns["CoreDNS"]
#     dns -->|"CNAME to another name"| inpod
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
# ### From outside a kind cluster
#
# On kind the "nodes" are Docker containers, and their `172.18.0.x` addresses exist only on Docker's
# network. To reach a NodePort from your own machine, the kind cluster has to be created with a port
# mapping, and svclab's `kind/cluster.yaml` has one for the control-plane node:
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
# web Pods. Port mappings can only be set when a kind cluster is created, which is why the nodePort is
# pinned in the manifest. The embedded cluster emulates the nodes' addresses only inside its Pods, as
# used above.

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
  name: docs
spec:
  type: ExternalName
  externalName: kubernetes.io
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
# The answer is a CNAME to `web-nodeport`, followed by that Service's A record, which CoreDNS could
# add itself because the target lives in its own zone. For `docs` the answer holds the CNAME only: the
# resolver then has to look up `kubernetes.io` upstream (on kind, CoreDNS forwards it to your machine's
# DNS; the offline embedded cluster cannot).

# %%
lab.dig("+noall", "+answer", "docs.types.svc.cluster.local")

# %% [markdown]
# Because this is only DNS, the client connects to whatever the final name resolves to, with the port it
# chose and the host name it typed. An HTTP server or a TLS certificate that expects `kubernetes.io`
# will see `docs` instead, which is the usual surprise with ExternalName.

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
# Two, one per Service whose endpoints include the address. A Pod without a hostname gets its IP written
# with dashes as the first label. For a StatefulSet Pod it would be the Pod's hostname, as in lesson 03.

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
# | ExternalName | no | no | no | a CNAME |
#
# Exercise: `exercises/ps5-service-types/` asks you to expose a Deployment through a NodePort Service,
# add an ExternalName alias, read an SRV record, and choose a Service type for several workloads.
