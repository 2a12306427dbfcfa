# Lesson 02 source: run `.venv/bin/python tools/build_notebooks.py 02` to rebuild notebooks/02-headless.ipynb.

# %% [markdown]
# # Headless Services
#
# A ClusterIP hides the Pods behind one address, and for interchangeable web servers that is what
# you want. Other clients need the opposite. A database driver wants to know every replica, a
# clustered system wants a list of its peers, and a gRPC client wants to balance requests itself over
# long-lived connections. A *headless* Service, one declared with `clusterIP: None`, gives them that: no
# virtual IP and no kube-proxy rules, only DNS, which answers with the address of every ready Pod.
# This lesson compares the two side by side, shows what happens when a headless Service has no
# selector, and reads busybox's `nslookup` output line by line.
#
# Sources: [Headless Services](https://kubernetes.io/docs/concepts/services-networking/service/#headless-services),
# [EndpointSlices](https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/), the
# [Kubernetes DNS specification §2.4](https://github.com/kubernetes/dns/blob/master/docs/specification.md#24---records-for-a-headless-service),
# and busybox's [`networking/nslookup.c`](https://git.busybox.net/busybox/tree/networking/nslookup.c?h=1_36_1).

# %% [markdown]
# With no virtual IP in the middle, the choice of Pod moves into the client:
#
# ```mermaid
# flowchart LR
#     client["client Pod"] -->|"1: web-headless?"| dns["CoreDNS<br/>10.96.0.10"]
#     dns -->|"2: A = every ready Pod IP"| client
#     client -->|"3: the client picks one<br/>and connects directly"| p1["web Pod<br/>10.244.x.y:8080"]
#     client -.-> p2["web Pod"]
#     client -.-> p3["web Pod"]
# ```
#
# No kube-proxy appears in this picture: the connection goes straight to a Pod IP.

# %%
from svclab import lab

lab.connect("headless")
lab.reset()

# %% [markdown]
# ## One set of Pods, two Services
#
# The same three web Pods sit behind two Services that differ in one line: `web-clusterip` is an
# ordinary ClusterIP Service, and `web-headless` sets `clusterIP: None`. A Pod can be selected by any
# number of Services.

# %%
manifests = """
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
---
apiVersion: v1
kind: Service
metadata:
  name: web-clusterip
spec:
  selector: {app: web}
  ports:
  - port: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web-headless
spec:
  clusterIP: None
  selector: {app: web}
  ports:
  - port: 8080
"""
lab.apply(manifests)
pods = lab.wait_pods("app=web")
pods

# %% [markdown]
# The headless Service's `CLUSTER-IP` is literally `None`. It is set when the Service is created and
# cannot be changed afterwards: turning a ClusterIP Service into a headless one (or back) means
# deleting and recreating it.

# %%
lab.services()

# %% [markdown]
# The EndpointSlice controller treats both Services alike, because both have a selector: each gets a
# slice listing the same three Pods.

# %%
lab.endpoint_slices()[["service", "address", "pod", "ready"]]

# %% [markdown]
# Before you run the next cell: `web-clusterip` answered with one address. How many addresses will the
# answer for `web-headless` hold, and whose are they?

# %%
lab.client_pod()
lab.nslookup("web-headless").records

# %% [markdown]
# Three A records, one per ready Pod, all under the Service's name. Side by side:

# %%
lab.dns_table(["web-clusterip", "web-headless"])

# %% [markdown]
# ## The client decides
#
# With a list of addresses in hand, the client chooses. A driver that understands the list might
# connect to all of them, or pick one and fail over to the next. Here we do it by hand and ask each Pod
# for its name, directly by IP, without any Service in the path:

# %%
addresses = lab.nslookup("web-headless").addresses
{ip: lab.http_get(f"http://{ip}:8080/hostname").stdout for ip in addresses}

# %% [markdown]
# A client that knows nothing of lists simply uses the first address it gets back. Whether that spreads
# load depends on the DNS server. CoreDNS on kind (and in kubeadm clusters generally) runs the
# `loadbalance` plugin, which shuffles the order of the A records in every answer, so the "first"
# address changes from query to query: DNS round robin. The embedded cluster shuffles the same way
# (from its seed, so this notebook's numbers repeat). Each `wget` below resolves the name afresh and
# connects to the first address it gets, so 100 requests by name spread over the Pods, unevenly:

# %%
lab.count_backends("http://web-headless:8080/hostname", 100)

# %% [markdown]
# That spread depends on the client's resolver as much as on the DNS server. busybox 1.36.1 is built
# against glibc, whose `getaddrinfo` sorts the addresses: when the prefix on the Pod's interface covers
# its node's Pods (a `/24` here), a Pod on the client's own node comes first every time (lesson 07 shows
# why), so on kind the same cell can show one Pod serving nearly all 100 requests. The embedded cluster's resolver keeps CoreDNS's order, as musl-based clients (Alpine) do.
#
# Either way, DNS round robin is a weak load balancer. Clients and intermediate resolvers cache answers
# (CoreDNS hands them out with a TTL of 30 seconds), and a long-lived connection stays wherever it
# first landed. Use a headless Service when the client *wants* the list; use a ClusterIP when you want
# the cluster to balance for you.

# %% [markdown]
# ## A headless Service without a selector
#
# A selector is optional. Without one, the control plane has no way of knowing which Pods belong to
# the Service, so the EndpointSlice controller writes no slices for it. That is useful when the
# backends live outside the cluster, or are chosen by some other controller. Here is such a Service:

# %%
no_selector = """
apiVersion: v1
kind: Service
metadata:
  name: my-headless-service
spec:
  clusterIP: None
  ports:
  - port: 8080
"""
lab.apply(no_selector)
lab.endpoint_slices("my-headless-service")

# %% [markdown]
# Before you run the next cell: the Service object exists. Will its name resolve?

# %%
missing = lab.nslookup("my-headless-service")
missing

# %% [markdown]
# Not at all. A headless Service's name carries only the addresses of its endpoints, and with no
# endpoints there is no record: every query ends in `NXDOMAIN`. (The name does not even get an empty
# answer; as far as DNS is concerned it does not exist.) For `web-headless` the first suffix found the
# name; here all six queries miss.
#
# We can write the endpoints ourselves. An EndpointSlice is tied to its Service by the label
# `kubernetes.io/service-name`; the label `endpointslice.kubernetes.io/managed-by` tells the EndpointSlice
# controller, and anyone reading, that someone other than the controller owns this slice. The addresses
# here are two of the web Pods, picked by hand:

# %%
chosen = pods["ip"][:2].tolist()
endpoints = "\n".join(f"- addresses: [{ip}]" for ip in chosen)
hand_written = f"""
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: my-headless-service-1
  labels:
    kubernetes.io/service-name: my-headless-service
    endpointslice.kubernetes.io/managed-by: svclab-lesson
addressType: IPv4
ports:
- port: 8080
endpoints:
{endpoints}
"""
print(hand_written)

# %%
lab.apply(hand_written)
lab.nslookup("my-headless-service").records

# %% [markdown]
# Two addresses, exactly the two we wrote. CoreDNS does not care who wrote a slice; it publishes whatever
# the slices labelled with the Service's name contain.

# %% [markdown]
# ## Reading busybox `nslookup`
#
# Every lookup in this course prints lines such as `** server can't find web-headless.svc.cluster.local:
# NXDOMAIN`, even when the name resolved. They come from the *search list* in the Pod's
# `/etc/resolv.conf`, which the kubelet wrote when it created the Pod:

# %%
lab.exec_in("client", "cat /etc/resolv.conf")

# %% [markdown]
# `options ndots:5` means any name with fewer than five dots is first tried with each `search` suffix
# appended, in order. Given a bare name, busybox 1.36's `nslookup` asks for every combination, an A and
# an AAAA query for each of the three suffixes. It sends all six at once and prints each reply the
# moment it arrives, followed by an empty line
# ([`nslookup.c`](https://git.busybox.net/busybox/tree/networking/nslookup.c?h=1_36_1), `send_queries`),
# so the order on screen is the order of the replies:
#
# | query | answer | printed |
# |---|---|---|
# | `web-headless.headless.svc.cluster.local` A | three Pod IPs | `Name:` / `Address:` pairs, then an empty line |
# | `web-headless.svc.cluster.local` A | NXDOMAIN (no namespace called `web-headless`) | `** server can't find ...` |
# | `web-headless.cluster.local` A | NXDOMAIN | `** server can't find ...` |
# | `web-headless.headless.svc.cluster.local` AAAA | NOERROR with no records (NODATA: the name exists, it has no IPv6 address) | only the empty line: the extra blank line in the output |
# | the other two names, AAAA | NXDOMAIN | the two misses again |
#
# That is why the misses appear twice. busybox also exits with status 1 when any of its queries missed,
# even though the name resolved. A script that runs `nslookup name && echo ok` in a Pod is
# therefore misled:

# %%
found = lab.nslookup("web-headless")
found.misses, found.output.exit_code

# %% [markdown]
# ### The dotted-name trap
#
# Now a name with a dot in it: the Service plus its namespace, `web-headless.headless`. With `ndots:5` the
# search list should still apply (one dot is fewer than five). Before you run the next cell: will
# busybox find it?

# %%
lab.nslookup("web-headless.headless")

# %% [markdown]
# No. busybox 1.36's `nslookup` uses the search list only for names without any dot; a dotted name is
# sent exactly as written, and `web-headless.headless` is not a name the DNS server knows. This is
# behind a well-known piece of advice, "debug DNS with `busybox:1.28`": older busybox releases
# resolved through the C library and searched the way every other program does.
#
# Other programs in the same Pod resolve through the C library and *do* apply the search list, so `wget`
# reaches the same dotted name without trouble:

# %%
lab.http_get("http://web-headless.headless:8080/hostname")

# %% [markdown]
# The dependable habit for `nslookup`: ask for the fully qualified name. (A trailing dot,
# `web-headless.headless.svc.cluster.local.`, also stops every resolver from trying the search list.)

# %%
lab.nslookup("web-headless.headless.svc.cluster.local").records

# %% [markdown]
# ## What you saw
#
# Every name from this lesson, asked again from the client Pod now:

# %%
lab.dns_table([
    "web-clusterip",
    "web-headless",
    "my-headless-service",
    "web-headless.headless",
    "web-headless.headless.svc.cluster.local",
])

# %% [markdown]
# | Service | `clusterIP` | EndpointSlices written by | DNS answers with |
# |---|---|---|---|
# | ClusterIP | a virtual IP | the controller (from the selector) | the virtual IP |
# | headless, with selector | `None` | the controller (from the selector) | every ready Pod IP |
# | headless, no selector | `None` | you (or nothing: NXDOMAIN) | the addresses in your slices |
#
# Exercise: `exercises/ps2-headless/` asks you to write a headless Service, check what DNS answers for
# it, make a selector-less Service resolve, and explain the search path.
