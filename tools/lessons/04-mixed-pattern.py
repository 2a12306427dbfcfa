# Lesson 04 source: run `.venv/bin/python tools/build_notebooks.py 04` to rebuild notebooks/04-mixed-pattern.ipynb.

# %% [markdown]
# # The Mixed Pattern: Headless for Identity, ClusterIP for Reads
#
# A replicated database has two kinds of clients. Writers must reach the one primary, a particular Pod,
# so they need a stable name for it. Readers are happy with any replica and would like the load spread
# without thinking about it. Neither Service type serves both, so stateful systems usually get two
# Services over the same Pods: a headless one that gives every Pod its identity, and a ClusterIP one
# that selects only the Pods suited to a job. This lesson builds the classic MySQL layout, counts
# where reads go, and moves a role from one Pod to another to watch the routing follow the labels. It
# ends with the weak spot of labels set by hand, and the ways real deployments avoid it.
#
# Sources: the Kubernetes tutorial [Run a Replicated Stateful
# Application](https://kubernetes.io/docs/tasks/run-application/run-replicated-stateful-application/)
# (the MySQL example this pattern comes from), [StatefulSets](https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/)
# and [Well-Known Labels](https://kubernetes.io/docs/reference/labels-annotations-taints/).

# %% [markdown]
# ```mermaid
# flowchart LR
#     app["application Pod"] -->|"writes: mysql-0.mysql-headless"| m0["mysql-0<br/>role=primary"]
#     app -->|"reads: mysql-read"| vip{{"mysql-read<br/>ClusterIP + kube-proxy"}}
#     vip --> m1["mysql-1<br/>role=replica"]
#     vip --> m2["mysql-2<br/>role=replica"]
#     hs["mysql-headless<br/>clusterIP: None"] -.->|"per-Pod names"| m0
#     hs -.-> m1
#     hs -.-> m2
# ```

# %%
from svclab import lab

lab.connect("mixed")
lab.reset()

# %% [markdown]
# ## Two Services, one StatefulSet
#
# Real MySQL would make this lesson slow to start and hard to observe, so each "database" Pod here runs
# the same small web server as before, listening on MySQL's port 3306 and answering `GET /hostname` with
# its name. The Services do not know or care what speaks on the port.
#
# * `mysql-headless` selects every Pod of the set and governs it (`serviceName`), which gives each Pod
#   its name `mysql-N.mysql-headless`.
# * `mysql-read` is an ordinary ClusterIP Service whose selector adds `role: replica`, so it only ever
#   forwards to Pods labelled as replicas.

# %%
mysql = """
apiVersion: v1
kind: Service
metadata:
  name: mysql-headless
spec:
  clusterIP: None
  selector:
    app: mysql
  ports:
  - name: mysql
    port: 3306
---
apiVersion: v1
kind: Service
metadata:
  name: mysql-read
spec:
  type: ClusterIP
  selector:
    app: mysql
    role: replica
  ports:
  - name: mysql
    port: 3306
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: mysql
spec:
  serviceName: mysql-headless
  replicas: 3
  selector:
    matchLabels: {app: mysql}
  template:
    metadata:
      labels: {app: mysql}
    spec:
      containers:
      - name: mysql
        image: registry.k8s.io/e2e-test-images/agnhost:2.52
        args: ["netexec", "--http-port=3306"]
        ports:
        - name: mysql
          containerPort: 3306
"""
lab.apply(mysql)
lab.wait_pods("app=mysql", total=3)

# %% [markdown]
# Before you run the next cell: the Pods carry only `app=mysql`. How many endpoints does `mysql-read`
# have?

# %%
lab.endpoint_slices()[["service", "address", "pod"]]

# %% [markdown]
# Only `mysql-headless` has endpoints. `mysql-read` has a ClusterIP and a DNS name, but no Pod matches
# both of its labels, so a connection to it is refused:

# %%
lab.client_pod()
lab.http_get("http://mysql-read:3306/hostname")

# %% [markdown]
# ## Giving the Pods their roles
#
# A StatefulSet stamps the same labels on every Pod, so roles have to be added per Pod. In production
# that is the job of an operator or of a sidecar that knows which instance is the primary. Here we do
# it by hand: `mysql-0` is the primary, the others replicate from it.

# %%
lab.kubectl("label pod mysql-0 role=primary")
lab.kubectl("label pod mysql-1 role=replica")
lab.kubectl("label pod mysql-2 role=replica")
lab.pods("app=mysql")

# %% [markdown]
# The EndpointSlice controller saw the label changes and gave `mysql-read` the two replicas:

# %%
lab.endpoint_slices("mysql-read")[["service", "address", "pod"]]

# %% [markdown]
# ## Writes by name, reads by Service
#
# Writers address the primary by its own name. The full name works with every tool; `wget` also accepts
# the short `mysql-0.mysql-headless`, thanks to the search list:

# %%
lab.nslookup("mysql-0.mysql-headless.mixed.svc.cluster.local").records

# %%
lab.http_get("http://mysql-0.mysql-headless:3306/hostname")

# %% [markdown]
# Before you run the next cell: 300 reads go to `mysql-read`. How many of them will `mysql-0`, the primary,
# serve?

# %%
reads = lab.count_backends("http://mysql-read:3306/hostname", 300)
reads

# %% [markdown]
# None: the reads split between the two replicas, and the primary never appears, because it was never
# an endpoint of `mysql-read`. Keeping the read load off the primary is the whole point of the
# `role: replica` selector.

# %% [markdown]
# ## Moving a role
#
# Suppose the operator decides that `mysql-2` should stop serving reads (it is being rebuilt, say) and
# that `mysql-0` may take reads again. Nothing about the Services changes, only labels:

# %%
lab.kubectl("label pod mysql-2 role=rebuilding --overwrite")
lab.kubectl("label pod mysql-0 role=replica --overwrite")
lab.endpoint_slices("mysql-read")[["address", "pod"]]

# %% [markdown]
# Before you run the next cell: which Pods will serve the next 300 reads?

# %%
reads_after = lab.count_backends("http://mysql-read:3306/hostname", 300)
lab.plot_backends({"mysql-0 primary": reads, "after relabelling": reads_after}, title="300 reads through mysql-read")

# %% [markdown]
# Routing followed the labels within a moment: `mysql-2` dropped out and `mysql-0` came in, and no
# client had to change its configuration. The write path behaves differently. `mysql-0.mysql-headless`
# names a *Pod*, not a role, so after a real failover the writers would still call `mysql-0`. Systems that
# move the primary around therefore often add a third Service, a ClusterIP selecting `role: primary`,
# and let the operator move that label with the role.

# %% [markdown]
# ## Labels set by hand do not survive the Pod
#
# `kubectl label pod` changed the Pod *objects*. The StatefulSet's Pod template, from which every Pod is
# made, still says only `app: mysql`. Pods get replaced all the time: a node drains, an eviction, a
# rolling update of the image. Before you run the next cell: `mysql-1` is deleted, and the StatefulSet
# creates it again under the same name. Will the new `mysql-1` still serve reads?

# %%
lab.kubectl("delete pod mysql-1")
lab.wait_pods("app=mysql", total=3)

# %%
lab.endpoint_slices("mysql-read")[["address", "pod"]]

# %% [markdown]
# No. The new `mysql-1` kept its name and its DNS name, but not the `role` label, so it silently left
# `mysql-read`, and nothing warned anyone. Anything that depends on hand-set labels needs something that
# sets them again. The usual answers:
#
# | approach | how | survives a recreated Pod? |
# |---|---|---|
# | the official tutorial's way | its `mysql-read` selects `app: mysql`: every Pod, the primary included, serves reads | yes, nothing to relabel (but reads also land on the primary) |
# | select a Pod by name | every StatefulSet Pod carries `statefulset.kubernetes.io/pod-name: <pod>`; a Service selecting `statefulset.kubernetes.io/pod-name: mysql-0` always means Pod 0 | yes, the controller writes it on every Pod |
# | select by ordinal | since v1.28 every StatefulSet Pod also carries `apps.kubernetes.io/pod-index: "<n>"` | yes; but a Service selector only tests equality, so it can pick one ordinal, not "every ordinal but 0" |
# | an operator or a sidecar | a controller that knows which instance is the primary (it asks the database) labels the Pods, and labels them again after every restart or failover | yes, as long as it runs; the role can move to any Pod |
#
# The StatefulSet controller's own labels, on the new `mysql-1`:

# %%
_ = lab.kubectl("get pod mysql-1 --show-labels")

# %% [markdown]
# A Service for the primary that needs no relabelling, and is right about `mysql-0` whatever happens to
# its Pod:

# %%
lab.apply("""
apiVersion: v1
kind: Service
metadata:
  name: mysql-primary
spec:
  selector:
    statefulset.kubernetes.io/pod-name: mysql-0
  ports:
  - name: mysql
    port: 3306
""")
lab.endpoint_slices("mysql-primary")[["address", "pod"]]

# %% [markdown]
# It follows the *name* `mysql-0`, not the role, so after a failover it is as wrong as
# `mysql-0.mysql-headless`; only an operator knows where the primary went. Here we play the operator
# once more and give the new `mysql-1` its role back:

# %%
lab.kubectl("label pod mysql-1 role=replica")
lab.endpoint_slices("mysql-read")[["address", "pod"]]

# %% [markdown]
# ## The same idea elsewhere
#
# Stateful systems that ship Kubernetes manifests nearly all use a headless Service for identity, often
# next to a ClusterIP Service for ordinary clients:
#
# | system | headless Service used for | ClusterIP Service used for |
# |---|---|---|
# | MySQL / PostgreSQL with replicas | replicas find the primary as `mysql-0.mysql-headless`; writers use it too | load-balanced reads over the replicas (`mysql-read`) |
# | Kafka | each broker advertises its own name (`kafka-0.kafka-headless:9092`), because a client must reach the broker that leads each partition | a bootstrap address: any broker will hand out the full list |
# | Elasticsearch | `discovery.seed_hosts` points at the headless name so master-eligible nodes find each other; `cluster.initial_master_nodes` lists Pod names | HTTP clients on port 9200 |
# | Redis Cluster | nodes reach each other on the cluster bus (port 16379); clients follow `MOVED` replies to the node that owns a key slot | rarely used: a cluster-aware client needs every node |
# | ZooKeeper | `server.N=zk-N.zk-hs:2888:3888` lines in the config name every peer | clients connect to any server through `zk-cs:2181` |

# %% [markdown]
# ## What you saw
#
# Each Pod's role now, and how many of the 300 reads it served before and after the relabelling, counted
# from the requests above:

# %%
import pandas as pd

table = lab.pods("app=mysql").set_index("name")[["ip", "labels"]]
table["reads before"] = reads.reindex(table.index, fill_value=0)
table["reads after"] = reads_after.reindex(table.index, fill_value=0)
table

# %% [markdown]
# And the three kinds of name involved, as DNS answers them:

# %%
lab.dns_table(["mysql-read", "mysql-headless", "mysql-0.mysql-headless.mixed.svc.cluster.local"])

# %% [markdown]
# Exercise: `exercises/ps4-mixed-pattern/` asks you to build the two Services for a StatefulSet and prove
# that the read Service never routes to the primary.
