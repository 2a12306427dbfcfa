# Lesson 00 source: run `.venv/bin/python tools/build_notebooks.py 00` to rebuild notebooks/00-setup.ipynb.

# %% [markdown]
# # Setting Up the Lab
#
# A Pod's IP address is a poor thing to depend on: it is handed out when the Pod starts and is gone
# when the Pod goes. Everything that talks to a Pod therefore talks to a *name* instead, and a
# Kubernetes Service is the object that turns a name into something reachable. This course takes
# Services apart one kind at a time (ClusterIP, headless, the per-Pod names a StatefulSet gets, the
# pattern that combines them, and the remaining Service types), then debugs broken ones and follows
# connections through the nodes' rules and the clients' resolvers. At every step it asks the cluster
# what it actually does.
#
# Everything is done live. This first notebook shows where the cluster comes from, what it models, how a
# notebook talks to it, and how to start over when an experiment leaves a mess behind.
#
# Sources: [kind](https://kind.sigs.k8s.io/docs/user/quick-start/), [Service](https://kubernetes.io/docs/concepts/services-networking/service/),
# and [DNS for Services and Pods](https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/)
# in the Kubernetes documentation.

# %% [markdown]
# ## Two clusters behind one API
#
# The lessons work against either of two clusters. Both speak the Kubernetes REST API, so the real
# `kubectl` and the official `kubernetes` Python client behave the same on each.
#
# | | **embedded cluster** | **kind** |
# |---|---|---|
# | what it is | an emulation of a three-node kind cluster (Kubernetes v1.35) running inside a Python process on 127.0.0.1 | a real Kubernetes whose nodes are Docker containers |
# | you need | nothing beyond the course's Python packages | Docker (or podman), the `kind` CLI, the images in `kind/images.txt` |
# | start it | `make lab` (starts the cluster, then JupyterLab on the course) | `make lab SVCLAB_BACKEND=kind` (runs `svclab kind up`, then JupyterLab) |
# | stop it | `make down` (or `svclab down`) | `make down` stops JupyterLab; `svclab kind down` deletes the cluster |
# | addresses | allocated like kind's, repeatable from a seed | real, different on every run |
#
# The embedded cluster copies kind's layout: one control-plane node and two workers, Pod IPs from
# `10.244.0.0/16` (a `/24` per node), Service IPs from `10.96.0.0/16`. Inside its Pods an emulated busybox
# 1.36.1 (`nslookup`, `wget`, `cat`, ...) and BIND's `dig` print what the real tools print, as far as the
# course uses them; the next section says where the emulation stops.
#
# There is a third way the notebooks run, used by the grader and by the checks on these very pages:
# with `SVCLAB_FRESH=1` each notebook kernel starts its own fresh embedded cluster, seeded by
# `SVCLAB_SEED`. The outputs you are reading came from such a cluster with seed 0, which is why they
# repeat exactly from run to run. On kind your IPs and Pod names will differ; the behaviour will not.

# %% [markdown]
# ## What the embedded cluster models, and what it does not
#
# The embedded cluster is an emulation, so it is worth knowing its edges before trusting what it shows.
# Everything the lessons teach as Kubernetes behaviour is behaviour it shares with kind; where the two
# differ, the lesson says so at that point.
#
# | part | the embedded cluster | on kind |
# |---|---|---|
# | API | the Kubernetes REST API with v1.35's validation and error texts, for the real `kubectl` and the official Python client | the real API server |
# | controllers | Deployment, ReplicaSet, StatefulSet (ordinals, `OrderedReady`/`Parallel`), EndpointSlice, readiness probes | the real ones |
# | DNS | a real DNS server on loopback answering as CoreDNS's `kubernetes`, `cache` and `loadbalance` plugins do; outside names come from a small offline zone with documentation addresses | CoreDNS, forwarding outside names to the internet |
# | kube-proxy | each Pod connection is routed as the `iptables` rules would route it (random endpoint, `ClientIP` affinity, `REJECT` without endpoints); `lab.node_rules` computes a node's rules with kube-proxy's algorithm | the kernel's real rules |
# | Pods | no containers: commands run in an emulated busybox shell inside the cluster's process, with budgets (`docs/embedded-exec.md`) | real containers |
# | images | what the course's tools can see of them: `agnhost netexec` answers HTTP on its `--http-port`, `nginx` serves its welcome page on 80, `mysql` listens on 3306 and speaks MySQL's protocol (so `wget` to it fails, as it does against a real MySQL), `busybox` and `sleep` Pods listen on nothing; for any other image the Pod runs, listens on nothing, and a `Warning` event on the Pod says the image is not modelled (`docs/embedded-images.md`) | the images themselves |
# | NodePorts from your machine | `make lab` listens on `127.0.0.1:30080` as kind's `extraPortMappings` does | Docker publishes the port |
#
# Not modelled at all: NetworkPolicy, kube-proxy's `ipvs` and `nftables` modes, the splitting of large
# EndpointSlices, UDP Services from Pods, and anything that needs a real kernel (MTU, conntrack tables,
# `tcpdump`). Pods' own connections ignore `internalTrafficPolicy` and are not masqueraded through node
# ports; lesson 07 reads both in the node rules instead.

# %% [markdown]
# The picture below is the path every cell in this course takes. A notebook calls the `lab` helper
# module; the helper uses the Python client or runs `kubectl`; both reach the API server. Questions about
# names are asked from *inside* a Pod, because that is where a Service name means something.
#
# ```mermaid
# flowchart LR
#     nb["notebook cell"] --> lab["svclab.lab"]
#     lab -->|kubernetes client| api["API server"]
#     lab -->|kubectl| api
#     api --> ctl["controllers:<br/>Deployment, StatefulSet,<br/>EndpointSlice"]
#     lab -->|exec| client["client Pod<br/>(busybox 1.36.1)"]
#     client -->|"DNS, udp/53"| dns["CoreDNS<br/>kube-dns 10.96.0.10"]
#     client -->|HTTP| pods["Pods behind a Service"]
#     ctl --> pods
# ```

# %% [markdown]
# ## Connecting
#
# Every lesson starts the same way: import the helper, connect to the cluster, and name the lesson's
# namespace. `connect` creates the namespace if it is missing; `reset` deletes it with everything in
# it and creates it again, empty, so a lesson can be re-run from the top at any time.

# %%
from svclab import lab

session = lab.connect("setup")
lab.reset()
session.backend

# %% [markdown]
# ## Is this machine ready?
#
# `svclab doctor` checks the tools each backend needs: Python, kubectl, a container engine and kind
# for the kind backend, the port JupyterLab serves on (`LAB_PORT`), and which cluster this notebook
# uses and why. Its answer depends on your machine, not on the cluster, so yours will differ from the
# one stored here. The same report is printed by `svclab doctor` in a terminal.
#
# Which cluster is "this notebook's"? The one `make lab` started for this checkout, in its
# `.svclab/lab` folder: a notebook, a terminal, `svclab status` and `svclab doctor` all pick it by the same
# rule (the README's section [Which cluster](../README.md#which-cluster) spells it out), so a second
# clone of the course on the same machine gets a cluster of its own.

# %%
# NBVAL_IGNORE_OUTPUT
try:
    from svclab import doctor
except ImportError:  # an older checkout without the doctor: nothing to check here
    doctor = None
print(doctor.diagnose().render() if doctor else "svclab doctor is not available")

# %% [markdown]
# ## The nodes
#
# `lab.kubectl` runs the real `kubectl` against the course cluster, in the lesson's namespace, and
# prints what it prints. It also returns the text, which we assign to `_` when only the printout is
# wanted (otherwise Jupyter would show it a second time). The three nodes carry kind's names, and their `INTERNAL-IP`s are addresses on
# kind's Docker network, `172.18.0.0/16`. Lesson 05 sends traffic to these addresses.

# %%
_ = lab.kubectl("get nodes -o wide")

# %% [markdown]
# ## The system Pods
#
# The `kube-system` namespace holds the control plane (API server, scheduler, controller manager,
# etcd) and, on every node, `kube-proxy` (which programs Service IPs into each node) and `kindnet`
# (kind's Pod network). The two `coredns` Pods are the cluster's DNS server; every lookup in this
# course is answered by them.

# %%
_ = lab.kubectl("get pods -n kube-system")

# %% [markdown]
# Before you run the next cell: the DNS server is itself reached through a Service, called `kube-dns`
# for historical reasons. Which address do you expect it to have, given that Service IPs come from
# `10.96.0.0/16` and `10.96.0.1` is taken by the API server's own Service, `kubernetes`?

# %%
_ = lab.kubectl("get service kube-dns -n kube-system")

# %% [markdown]
# `10.96.0.10`. kubeadm, which kind uses to build its clusters, always gives the DNS Service the tenth
# address of the Service range, and every kubelet writes that address into the `/etc/resolv.conf`
# of every Pod it starts.

# %% [markdown]
# ## A Pod to ask questions from
#
# Names like `web-service` resolve only inside the cluster, so lessons keep one long-running busybox
# Pod called `client` and run their queries in it. `lab.client_pod()` creates it the first time and
# reuses it afterwards; `lab.exec_in` runs a command in any Pod (the same call `kubectl exec` makes).
# Here is the resolver configuration the kubelet gave it:

# %%
lab.client_pod()
lab.exec_in("client", "cat /etc/resolv.conf")

# %% [markdown]
# Three lines carry all of Service discovery's client side. `nameserver` is the `kube-dns` address.
# `search` lists the suffixes tried after a short name, starting with the Pod's own namespace
# (`setup.svc.cluster.local`). `ndots:5` says a name with fewer than five dots is tried with those
# suffixes first. Lesson 02 watches this happen.
#
# The API server's Service, `kubernetes` in the `default` namespace, is always there, so its full name
# makes a good first lookup. The answer is its ClusterIP:

# %%
lab.nslookup("kubernetes.default.svc.cluster.local").records

# %% [markdown]
# ## Starting over
#
# When an experiment goes wrong, there are three ways to start over, plus one for kind:
#
# | what | how | what it does |
# |---|---|---|
# | one lesson or exercise | `lab.reset()` in its notebook | deletes the notebook's namespace with everything in it (Pods, Services, EndpointSlices) and creates it again, empty |
# | the whole cluster | `make reset` (or `svclab reset`) in a terminal | deletes every namespace you made and empties `default`; the cluster keeps running |
# | stop for today | `make down` (or `svclab down`) | stops JupyterLab, its kernels and the embedded cluster; your objects are kept and come back with the next `make lab`, on the same port |
# | the kind cluster | `svclab kind down`, then `make lab SVCLAB_BACKEND=kind` | deletes the kind nodes; a new cluster takes about a minute |
#
# `lab.reset()` leaves the rest of the cluster alone, so resetting one lesson never disturbs another.
# Every lesson calls it in its first cell, which is why any lesson can be run again from the top.

# %%
lab.reset()
lab.pods()

# %% [markdown]
# ## What you saw
#
# The table below is built from the cluster's own answers, not typed in: each node and the address it
# is reached at, and the two Services every cluster starts with.

# %%
import pandas as pd

nodes = pd.DataFrame(
    {"object": f"node/{n.metadata.name}", "address": n.status.addresses[0].address}
    for n in session.core.list_node().items
)
system = pd.DataFrame(
    {"object": f"service/{s.metadata.namespace}/{s.metadata.name}", "address": s.spec.cluster_ip}
    for s in session.core.list_service_for_all_namespaces().items
)
pd.concat([nodes, system], ignore_index=True)

# %% [markdown]
# There is no exercise for this lesson. The next one, [ClusterIP Services](01-clusterip.ipynb), starts
# the first: `exercises/ps1-clusterip/`.
