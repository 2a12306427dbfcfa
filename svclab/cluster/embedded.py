"""The embedded cluster: store, registry, controllers, API server (and, with the network, DNS)
on one asyncio loop, bound to 127.0.0.1 on free ports.

Use it in-process (`with EmbeddedCluster(...) as cluster:` runs the loop in a thread) or as the
`svclab up` daemon (`svclab.cluster.daemon`). With a state directory, the cluster locks it and
serves from its state database (`svclab.cluster.persistence`): every write is on disk before it is
answered, and a restart carries on from there.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import re
import secrets
import threading
from pathlib import Path
from typing import Any, Awaitable, Callable

from svclab.apiserver.app import ApiServer
from svclab.cluster import bootstrap, persistence
from svclab.cluster.statelock import StateLock
from svclab.cluster.handover import Received
from svclab.cluster.tls import CERTS_FILE, load_or_make
from svclab.cluster.kubeconfig import dump_yaml, embedded_kubeconfig, read_kubeconfig, write_kubeconfig, write_private
from svclab.cluster.gate import priority_middleware, settle_middleware
from svclab.controllers.base import Context
from svclab.controllers.deployment import DeploymentController
from svclab.controllers.endpointslice import EndpointsController, EndpointSliceController
from svclab.controllers.kubelet import Kubelets
from svclab.controllers.manager import ControllerManager
from svclab.controllers.namespace import GarbageCollector, NamespaceController
from svclab.controllers.kubernetesservice import KubernetesServiceController
from svclab.controllers.namespacedefaults import RootCACertPublisher, ServiceAccountsController
from svclab.controllers.nodelifecycle import NodeLifecycleController
from svclab.controllers.replicaset import ReplicaSetController
from svclab.controllers.scheduler import Scheduler
from svclab.controllers.statefulset import StatefulSetController
from svclab.network.budget import DEFAULT_LIMITS, Limits
from svclab.network.ipalloc import ClusterIPAllocator, NodePortAllocator, PodIPAllocator
from svclab.network.runtime import ClusterNetwork
from svclab.records import MutableRecord
from svclab.registry.core import Registry
from svclab.registry.services import ServiceAllocator
from svclab.resources import DEPLOYMENTS, ENDPOINT_SLICES, ENDPOINTS, NAMESPACES, NODES, PODS, SERVICES, resource
from svclab.state.clock import Clock
from svclab.state.store import Store
from svclab.version import NODE_PORT_RANGE, SERVICE_CIDR
from svclab.wire.server import AnyResponse, Request, Server

_SERVER_LINE = re.compile(r"^    server: (https://127\.0\.0\.1:(\d{1,5}))$", re.MULTILINE)   # in the kubeconfig it wrote
VERIFY_STORE_ENV = "SVCLAB_VERIFY_STORE"  # "1": a stopping cluster checks its objects in memory against its log
LEARNER_SLICE_SECONDS = 0.002  # controller work between two turns of the loop, when nothing must repeat exactly

log = logging.getLogger("svclab.cluster")


class ClusterConfig(MutableRecord):
    """How a cluster is made. (Written out, as the dataclass it was: the same constructor, repr and equality, without
    the dataclass decorator's compilation at every cluster's start.)

    settle_requests: gate API requests until the controllers have caught up (svclab.cluster.gate); None: on for
    clusters whose outputs must repeat (zero pod delays, or a manual clock), off otherwise. namespace_deletion_seconds:
    how long the namespace controller waits after a namespace's deletion before it deletes the content
    (kube-controller-manager's namespaceDeletionGracePeriod)."""

    _fields = ("name", "seed", "pod_start_seconds", "pod_stop_seconds", "namespace_deletion_seconds", "manual_clock", "state_dir",
               "host_ports", "token", "settle_requests", "settle_timeout", "exec_limits", "certs_fd")

    def __init__(self, name: str = "svclab", seed: int = 0, pod_start_seconds: float = 0.0, pod_stop_seconds: float = 0.0,
                 namespace_deletion_seconds: float = 5.0, manual_clock: bool = False, state_dir: Path | None = None,
                 host_ports: str | None = None, token: str | None = None, settle_requests: bool | None = None,
                 settle_timeout: float = 5.0, exec_limits: Limits = DEFAULT_LIMITS, certs_fd: int | None = None) -> None:
        self.name = name
        self.seed = seed
        self.pod_start_seconds = pod_start_seconds
        self.pod_stop_seconds = pod_stop_seconds
        self.namespace_deletion_seconds = namespace_deletion_seconds
        self.manual_clock = manual_clock
        self.state_dir = state_dir
        self.host_ports = host_ports  # kind's extraPortMappings on 127.0.0.1: "kind", "off", "HOST:CONTAINER,…"; None = off
        self.token = secrets.token_urlsafe(32) if token is None else token
        self.settle_requests = settle_requests
        self.settle_timeout = settle_timeout
        self.exec_limits = exec_limits   # what each exec'd process may use (svclab.network.budget)
        self.certs_fd = certs_fd   # a pipe the certificates (and host-port mappings) come on (svclab.cluster.handover)

    @property
    def settles(self) -> bool:
        if self.settle_requests is not None:
            return self.settle_requests
        return self.manual_clock or (self.pod_start_seconds == 0 and self.pod_stop_seconds == 0)


_PodHandler = Callable[[Request, str, str], Awaitable[AnyResponse]]


def _made_on_first_request(make: Callable[[], _PodHandler]) -> _PodHandler:
    """A pod subresource's handler (exec/attach, portforward, log) made when its first request comes, so its
    module loads then and not while the cluster starts (tests/test_imports.py)."""
    made: list[_PodHandler] = []

    async def handler(request: Request, namespace: str, name: str) -> AnyResponse:
        if not made:
            made.append(make())
        return await made[0](request, namespace, name)

    return handler


class _NetworkPort:
    """What the pod network uses of this cluster (svclab.network.runtime.ClusterPort)."""

    def __init__(self, cluster: "EmbeddedCluster") -> None:
        self._cluster = cluster
        self.clock = cluster.clock
        self.store = cluster.store

    def objects(self, resource: Any) -> Any:
        return self._cluster.store.items(resource)

    def container_exited(self, namespace: str, name: str, uid: str, exit_code: int, container: str = "",
                         reason: str = "", message: str = "") -> None:
        self._cluster.kubelets.container_exited(namespace, name, uid, exit_code, container, reason, message)
        self._cluster.manager.reconcile()

    def resync(self) -> None:
        self._cluster.manager.reconcile()


class StoreDiverged(AssertionError):
    """A stored object was changed in place: the cluster's memory no longer says what its log says."""


class EmbeddedCluster:
    def __init__(self, config: ClusterConfig | None = None, **kwargs: Any) -> None:
        self.config = config or ClusterConfig(**kwargs)
        self.clock = Clock(manual=self.config.manual_clock)
        seed = self.config.seed
        self.rngs = {purpose: random.Random(f"{seed}/{purpose}") for purpose in ("clusterip", "nodeport", "names", "proxy", "events", "dns")}
        self.store = Store(now=self.clock.rfc3339)
        self.plans = bootstrap.node_plans(self.config.name)
        self.pod_ips = {plan.name: PodIPAllocator(plan.pod_cidr) for plan in self.plans}
        services = ServiceAllocator(
            ClusterIPAllocator(SERVICE_CIDR, self.rngs["clusterip"]),
            NodePortAllocator(*NODE_PORT_RANGE, self.rngs["nodeport"]),
            SERVICE_CIDR,
        )
        self.registry = Registry(self.store, self.clock, self.rngs["names"], services)
        self.ctx = Context(self.store, self.registry, self.clock, self.rngs["events"], seed, self.config.pod_start_seconds, self.config.pod_stop_seconds)
        self.ctx.namespace_deletion_seconds = self.config.namespace_deletion_seconds
        self.kubelets = Kubelets(self.ctx, self.pod_ips)
        self.manager = ControllerManager(self.ctx, [
            NamespaceController(self.ctx),
            GarbageCollector(self.ctx),
            ServiceAccountsController(self.ctx),
            RootCACertPublisher(self.ctx),
            KubernetesServiceController(self.ctx, self.plans[0].ip),
            DeploymentController(self.ctx),
            ReplicaSetController(self.ctx),
            StatefulSetController(self.ctx),
            Scheduler(self.ctx),
            self.kubelets,
            NodeLifecycleController(self.ctx, set(self.pod_ips)),
            EndpointSliceController(self.ctx),
            EndpointsController(self.ctx),
        ], slice_seconds=None if self.config.settles else LEARNER_SLICE_SECONDS)
        self.api = ApiServer(self.store, self.registry, self.clock, self.config.token, f"{self.plans[0].ip}:6443")
        self.api_port = 0
        self.dns_port = 0
        self._server: Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.state_lock: StateLock | None = None  # held while serving a state directory
        self.network: ClusterNetwork | None = None
        self.host_ports: Any = None
        self.store_diverged: list[str] = []  # what Store.diverged found as the state closed (SVCLAB_VERIFY_STORE=1)
        self._handed = Received(self.config.certs_fd)
        self.certs = load_or_make(self.config.state_dir / CERTS_FILE if self.config.state_dir else None, self.config.name,
                                  self._handed.certs)
        self.ctx.root_ca = self.certs.ca_pem.decode()
        from svclab.apiserver.tokens import TokenIssuer

        self.api.token_issuer = TokenIssuer(self.certs.key_pem)

    # ---- addresses ---------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        return f"https://127.0.0.1:{self.api_port}"

    @property
    def dns_address(self) -> str:
        return f"127.0.0.1:{self.dns_port}"

    @property
    def token(self) -> str:
        return self.config.token

    def kubeconfig(self) -> dict[str, Any]:
        return embedded_kubeconfig(self.api_url, self.config.token, self.certs.ca_data)

    @property
    def kubeconfig_path(self) -> Path | None:
        return self.config.state_dir / "kubeconfig" if self.config.state_dir else None

    # ---- lifecycle (async) --------------------------------------------------------------------
    async def start_async(self) -> None:
        self._loop = asyncio.get_running_loop()
        try:
            await self._start_serving()
        except BaseException:
            self._close_state()
            raise
        finally:
            self._handed.close()

    async def _start_serving(self) -> None:
        assert self._loop is not None
        self._open_state()
        if self.store.restored:
            self._restore()
            # Names drawn after a restart must not repeat those drawn before it (they may still be in
            # use, or in the watch history): only fresh seeded clusters repeat themselves exactly.
            salt = "/" + secrets.token_hex(8)
            self.ctx.names.salt = salt
            self.ctx.rng.seed(f"{self.config.seed}/events{salt}")
            self.manager.start(self._loop)  # the workers catch up with a full resync, off the start path
        else:
            await self._bootstrap()
        await self._start_network()
        from svclab.dataplane.hostports import HostPorts  # kind's extraPortMappings; pods reached through the network's HTTP app
        from svclab.dataplane.portmappings import wanted
        net = self.network
        assert net is not None
        handed = self._handed.host_ports() if wanted(self.config.host_ports) else None  # read by `svclab up`'s helper
        self.host_ports = await HostPorts.start(
            self.config.host_ports, lambda: (self.store.items(SERVICES), self.store.items(ENDPOINT_SLICES), self.store.items(NODES)),
            lambda client, ip, port, method, path: net.serve_http(net.proxy.route(client, ip, port), client, method, path),
            self.clock.time, self.config.seed, self.config.name, self.config.state_dir, handed=handed)
        app = self.api.application()
        if self.config.settles:
            app.middlewares.append(settle_middleware(self.manager, self.config.settle_timeout))
        else:
            app.middlewares.append(priority_middleware(self.manager))
        self._server = Server(app)
        self.api_port = await self._listen(self._server, self._previous_port())
        if self.config.state_dir:
            self._write_files()
        if self.config.settles:
            await self.manager.wait_settled(self.config.settle_timeout)

    async def _start_network(self) -> None:
        """The pod network and runtime, handed what they use of this cluster; the kubelet and the
        API server's exec endpoint are wired to it."""
        network = self.network = ClusterNetwork(_NetworkPort(self), self.rngs["dns"], self.rngs["proxy"],
                                                self.config.exec_limits)
        self.kubelets.probe = network.probe
        self.kubelets.runtime = network
        self.kubelets.on_pod_started.append(network.pod_started)
        self.kubelets.on_pod_stopped.append(network.pod_stopped)
        def get_pod(namespace: str, name: str) -> dict[str, Any]:
            # the stored pod itself (exec, attach, logs and port-forward read it, never change it): no copy per exec
            pod = self.store.peek(PODS, namespace, name)
            return pod if pod is not None else self.registry.get(PODS, namespace, name)   # registry.get: the 404

        def pod_exists(namespace: str, name: str, uid: str) -> bool:
            pod = self.store.peek(PODS, namespace, name)
            return pod is not None and pod["metadata"].get("uid") == uid

        def exec_handler() -> _PodHandler:
            from svclab.apiserver.exec_ws import ExecHandler
            return ExecHandler(get_pod, network)

        def portforward_handler() -> _PodHandler:
            from svclab.apiserver.portforward import PortForwardHandler
            return PortForwardHandler(get_pod, network.connect_in_pod, network.running)

        def log_handler() -> _PodHandler:
            from svclab.apiserver.logs import LogsHandler
            return LogsHandler(get_pod, network.containers, pod_exists)

        self.api.exec_handler = _made_on_first_request(exec_handler)
        self.api.portforward_handler = _made_on_first_request(portforward_handler)
        self.api.log_handler = _made_on_first_request(log_handler)
        await network.start()
        self.dns_port = network.dns.port
        self.kubelets.resume()

    def _previous_port(self) -> int:
        """The port this state dir's cluster had: a restart keeps it when free, so kubeconfigs stay valid. The
        kubeconfig is the one this cluster wrote, byte for byte, is read without PyYAML (its one server line); a
        kubeconfig someone changed is read as YAML."""
        if not self.config.state_dir:
            return 0
        path = self.config.state_dir / "kubeconfig"
        try:
            text = path.read_text()
            written = _SERVER_LINE.search(text)
            if written and text == dump_yaml(embedded_kubeconfig(written[1], self.config.token, self.certs.ca_data)):
                return int(written[2])
            server = read_kubeconfig(path)["clusters"][0]["cluster"]["server"]
            return int(server.rsplit(":", 1)[1])
        except (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError):
            return 0

    async def _listen(self, server: Server, port: int) -> int:
        context = self.certs.server_context()
        for candidate in dict.fromkeys((port, 0)):
            try:
                return await server.start("127.0.0.1", candidate, context)
            except OSError:
                continue
        raise OSError("no free port on 127.0.0.1")

    async def stop_async(self) -> None:
        self.manager.stop()
        self.api.stop_streams()
        if self.host_ports is not None:
            await self.host_ports.stop()
        if self.network is not None:
            await self.network.stop()
        if self._server is not None:
            await self._server.stop()
        self._close_state()

    async def _bootstrap(self) -> None:
        """As kubeadm brings kind up: the control plane and its add-ons first, and the controllers
        place the add-ons' pods (on the control plane, the only node yet); then the workers join.

        Every write of it is one transaction of the state database (`Store.batch`), committed once the cluster is
        bootstrapped: nothing reads the database meanwhile nor waits for a write to be durable (the API does not
        listen yet), the rows are the same, and a start that fails midway leaves no half-made cluster behind for the
        next start to take as its state."""
        assert self._loop is not None
        with self.store.batch():
            namespaces, nodes, services, pods, deployments = NAMESPACES, NODES, SERVICES, PODS, DEPLOYMENTS
            for ns in bootstrap.namespaces():
                self.registry.create(namespaces, "", ns)
            self.store.create(nodes, bootstrap.node(self.config.name, self.plans[0]))
            self.registry.create(services, "default", bootstrap.kubernetes_service())
            endpoints, slice_ = bootstrap.kubernetes_endpoints(self.plans[0].ip)
            self.store.create(ENDPOINTS, endpoints)
            self.store.create(ENDPOINT_SLICES, slice_)
            self.registry.create(services, "kube-system", bootstrap.kube_dns_service())
            self.registry.create(resource("", "configmaps"), "kube-system", bootstrap.coredns_configmap())
            self.registry.create(deployments, "kube-system", bootstrap.coredns_deployment())
            self.registry.create(deployments, "local-path-storage", bootstrap.local_path_provisioner())
            # Nothing else runs yet (the API does not listen): the controllers need not pause between slices to
            # leave the CPU to requests (svclab.controllers.manager), so the add-ons are placed without waits.
            slice_seconds, self.manager.slice_seconds = self.manager.slice_seconds, None
            try:
                self.manager.start(self._loop)
                await self.manager.wait_settled(self.config.settle_timeout)
            finally:
                self.manager.slice_seconds = slice_seconds
            for plan in self.plans[1:]:
                self.store.create(nodes, bootstrap.node(self.config.name, plan))
            for pod in bootstrap.control_plane_pods(self.config.name, self.plans):
                self.registry.create(pods, "kube-system", pod)

    # ---- persistence --------------------------------------------------------------------------
    def _open_state(self) -> None:
        """Lock the state directory and serve from its state database (UnreadableState, StateDirBusy)."""
        state_dir = self.config.state_dir
        if state_dir is None:
            return
        if self.state_lock is None:
            self.state_lock = StateLock.acquire(state_dir)
        persistence.open_state(self.store, state_dir)

    def _restore(self) -> None:
        # generateName draws after a restart must not repeat those drawn before it: a new stream for
        # each start, seeded by the revision the state had (a fresh cluster keeps its seed's own stream).
        self.rngs["names"].seed(f"{self.config.seed}/names/{self.store.resource_version}")
        persistence.reserve_restored(self.store, self.registry.services, self.pod_ips)

    def _close_state(self) -> None:
        if os.environ.get(VERIFY_STORE_ENV) == "1":
            self.store_diverged = self.store.diverged()
        self.store.close()
        if self.state_lock is not None:
            self.state_lock.release()
            self.state_lock = None

    def _write_files(self) -> None:
        state_dir = self.config.state_dir
        assert state_dir is not None
        write_kubeconfig(state_dir / "kubeconfig", self.kubeconfig())
        info = {"api": self.api_url, "dns": self.dns_address, "pid": os.getpid(), "name": self.config.name, "seed": self.config.seed}
        write_private(state_dir / "cluster.json", json.dumps(info, indent=2) + "\n")

    # ---- lifecycle (thread) --------------------------------------------------------------------
    def start(self) -> "EmbeddedCluster":
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            try:
                loop.run_until_complete(self.start_async())
            except BaseException as exc:  # surfaced to the caller below
                failure.append(exc)
                started.set()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(self.stop_async())
            pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.wait(pending, timeout=2))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=run, name=f"svclab-{self.config.name}", daemon=True)
        self._thread.start()
        started.wait()
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._thread = None
        if self.store_diverged:
            diverged, self.store_diverged = self.store_diverged, []
            raise StoreDiverged(f"objects changed in place after they were stored: {', '.join(diverged[:5])}")

    def call(self, func: Any, *args: Any) -> Any:
        """Run a function on the cluster's loop (from another thread) and return its result."""
        assert self._loop is not None
        async def wrapper() -> Any:
            return func(*args)
        return asyncio.run_coroutine_threadsafe(wrapper(), self._loop).result(timeout=30)

    def advance(self, seconds: float, timeout: float = 30.0) -> None:
        """Move cluster time on (manual clock), run the delayed requeues now due, and wait until
        the controllers have caught up."""
        def step() -> None:
            self.clock.advance(seconds)
            self.manager.fire_due()
        self.call(step)
        self.settle(timeout)
        if self.network is not None and self._loop is not None:   # exec probes started by that step
            asyncio.run_coroutine_threadsafe(self.network.settle(), self._loop).result(timeout=60)
            self.settle(timeout)

    def settle(self, timeout: float = 30.0) -> bool:
        """Wait (from another thread) until no controller has work ready; False on timeout."""
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(self.manager.wait_settled(timeout), self._loop)
        return bool(future.result(timeout=timeout + 5))

    def __enter__(self) -> "EmbeddedCluster":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
