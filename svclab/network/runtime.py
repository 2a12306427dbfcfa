"""The cluster network: the DNS server for kube-dns, kube-proxy, pod sandboxes and probes, and
`kubectl exec` into pods. Wired onto the embedded cluster's loop and store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from svclab.apiserver.exec_ws import serve_attach, serve_exec
from svclab.dns.server import DNSServer
from svclab.network.interactive import Console
from svclab.network.podenv import HttpResponse
from svclab.network.probes import Prober
from svclab.network.proxy import KubeProxy, Route, probe_endpoints
from svclab.network.sandbox import Sandbox, make_sandbox
from svclab.network.shell import is_interactive_shell
from svclab.network.tools import tools_for_image
from svclab.network.tools.netexec import netexec
from svclab.resources import ENDPOINT_SLICES, NAMESPACES, NODES, PODS, SERVICES

if TYPE_CHECKING:
    from svclab.cluster.embedded import EmbeddedCluster

Obj = dict[str, Any]


class StoreView:
    """The DNS server's read-only view of the cluster."""

    def __init__(self, cluster: "EmbeddedCluster") -> None:
        self.store = cluster.store

    def services(self) -> Any:
        return self.store.items(SERVICES)

    def endpoint_slices(self) -> Any:
        return self.store.items(ENDPOINT_SLICES)

    def pods(self) -> Any:
        return self.store.items(PODS)

    def namespaces(self) -> Any:
        return self.store.items(NAMESPACES)


class ClusterNetwork:
    def __init__(self, cluster: "EmbeddedCluster") -> None:
        self.cluster = cluster
        view = StoreView(cluster)
        # Indexed from the store's events; follows the coredns ConfigMap's Corefile on the cluster clock.
        self.dns = DNSServer(cluster.store, rng=cluster.rngs["dns"], now=cluster.clock.time)
        store = cluster.store
        self.proxy = KubeProxy(view.services, view.endpoint_slices, view.pods, lambda: store.items(NODES), cluster.rngs["proxy"], cluster.clock.time)
        self.sandboxes: dict[str, Sandbox] = {}
        self.consoles: dict[str, Console] = {}
        self.prober = Prober(self)
        cluster.kubelets.probe = self.prober
        cluster.kubelets.on_pod_stopped.append(self._forget)
        cluster.kubelets.on_pod_started.append(self.sandbox_for)  # the container starts now: uptime counts from here
        cluster.api.exec_handler = self._exec

    @property
    def dns_endpoint(self) -> tuple[str, int]:
        return ("127.0.0.1", self.dns.port)

    async def start(self) -> None:
        await self.dns.start("127.0.0.1", 0)
        self.cluster.dns_port = self.dns.port

    async def stop(self) -> None:
        await self.dns.stop()

    def _forget(self, pod: Obj) -> None:
        uid = pod["metadata"]["uid"]
        self.sandboxes.pop(uid, None)
        self.prober.forget(uid)
        console = self.consoles.pop(uid, None)
        if console is not None:
            console.stop()

    def pod_by_uid(self, uid: str) -> Obj | None:
        return next((p for p in self.cluster.store.items(PODS) if p["metadata"]["uid"] == uid), None)

    def sandbox_for(self, pod: Obj) -> Sandbox | None:
        """The pod's sandbox, made when first needed once the pod runs (one per pod uid)."""
        if pod.get("status", {}).get("phase") != "Running":
            return None
        uid = pod["metadata"]["uid"]
        sandbox = self.sandboxes.get(uid)
        if sandbox is None:
            services = list(self.cluster.store.items(SERVICES))
            sandbox = self.sandboxes[uid] = make_sandbox(self, pod, services, self.cluster.clock.time())
        return sandbox

    def console_for(self, pod: Obj, container: str) -> Console | None:
        """The running interactive shell that is the container's main process (``stdin`` and
        ``tty`` set, a shell with no script), started when first needed; None for any other."""
        spec = next((c for c in pod["spec"].get("containers") or [] if c["name"] == container), None)
        sandbox = self.sandbox_for(pod)
        if spec is None or sandbox is None or not (spec.get("stdin") and spec.get("tty")):
            return None
        image = spec.get("image", "")
        argv = [*(spec.get("command") or []), *(spec.get("args") or [])]
        if not argv and image.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0] == "busybox":
            argv = ["sh"]   # the busybox image has no ENTRYPOINT and CMD ["sh"]
        if not is_interactive_shell(argv):
            return None
        uid = pod["metadata"]["uid"]
        console = self.consoles.get(uid)
        if console is None or console.exit_code is not None:
            meta = pod["metadata"]

            def exited(code: int) -> None:
                self.consoles.pop(uid, None)
                self.cluster.kubelets.container_exited(meta["namespace"], meta["name"], uid, code)
                self.cluster.manager.reconcile()

            console = self.consoles[uid] = Console(argv, sandbox, tools_for_image(image), bool(spec.get("stdinOnce")), exited)
        return console

    async def serve_http(self, route: Route, client_ip: str, method: str, path: str) -> HttpResponse:
        """The pod's HTTP app: agnhost netexec, plus 200 on its own health-check paths."""
        pod = route.pod
        bare = path.split("?", 1)[0]
        named = {p.get("name"): p.get("containerPort") for c in pod["spec"].get("containers") or [] for p in c.get("ports") or []}
        if any(named.get(port, port) == route.port and bare == probe_path for port, probe_path in probe_endpoints(pod)):
            return HttpResponse(200, "OK", {"Content-Type": "text/plain; charset=utf-8"}, b"ok")
        sandbox = self.sandbox_for(pod)
        uptime = self.cluster.clock.time() - sandbox.started_at if sandbox else 0.0
        hostname = pod["spec"].get("hostname") or pod["metadata"]["name"]
        return await netexec(hostname, client_ip, method, path, now=self.cluster.clock.now(), uptime=uptime)

    async def _exec(self, request: Any, namespace: str, name: str) -> Any:
        if request.path.rstrip("/").endswith("/attach"):
            return await serve_attach(request, self.cluster, namespace, name)
        return await serve_exec(request, self.cluster, namespace, name)
