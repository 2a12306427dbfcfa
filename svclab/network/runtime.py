"""The cluster network and the pods' runtime: the DNS server for kube-dns, kube-proxy, pod
sandboxes, readiness probes, and the processes `kubectl exec` and `kubectl attach` start.

The network is handed what it uses (`ClusterPort`: the store's objects, the clock, how to report
a container's exit, how to ask the kubelet to look again) and never imports the cluster that
builds it. The kubelet calls it through three hooks (``probe``, ``pod_started``,
``pod_stopped``); the API server's exec endpoint calls it as an `svclab.apiserver.exec_ws.PodRuntime`.

It lives on the cluster's loop (the owner loop). Every process runs in a session of its own
(svclab.network.session) and reaches back only through ``bridge`` (HTTP through kube-proxy and to
the pods' apps) and through real UDP to the DNS server.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from svclab.dns.index import ObjectSource
from svclab.dns.server import DNSServer
from svclab.network import messages
from svclab.network import gohttp, icmp
from svclab.network import images
from svclab.network.budget import DEFAULT_LIMITS, Budget, Limits
from svclab.network.containers import ConsoleProcess, Containers, MainProcess
from svclab.network.podenv import ConnectionRefused, HttpResponse, NotHttp
from svclab.network.probes import Prober
from svclab.network.processes import EXEC_PID_GAP
from svclab.network.proxy import KubeProxy, Route, app_on, listens_on, probe_endpoints
from svclab.network.sandbox import Sandbox, make_sandbox
from svclab.network.session import LoopBridge, Session, SessionIO, SessionPool, SessionRefused
from svclab.network.streams import Collector, EmptyReader
from svclab.network.tcp import Connection, Endpoint
from svclab.network.tools import tools_for_image
from svclab.network.tools.netexec import netexec
from svclab.resources import ENDPOINT_SLICES, NAMESPACES, NODES, PODS, SERVICES, Resource

if TYPE_CHECKING:
    from svclab.network.interactive import Console
    from svclab.network.shell import Program

# The shell and the interactive terminal (svclab.network.shell, .interactive) are imported when a
# process first runs in a pod, not when the cluster starts: a cluster that is only listed and
# queried never loads them (tests/test_imports.py).

Obj = dict[str, Any]


class ClusterClock(Protocol):
    def time(self) -> float: ...

    def now(self) -> datetime: ...


class ClusterPort(Protocol):
    """What the pod network needs from the cluster that runs it."""

    @property
    def clock(self) -> ClusterClock: ...

    @property
    def store(self) -> ObjectSource:
        """The cluster's objects and their changes (the DNS server indexes them as they change)."""
        ...

    def objects(self, resource: Resource) -> Iterable[Obj]:
        """The stored objects of one resource (read on the cluster's loop only)."""
        ...

    def container_exited(self, namespace: str, name: str, uid: str, exit_code: int, container: str = "",
                         reason: str = "", message: str = "") -> None:
        """A container's main process ended (the kubelet records it and acts on restartPolicy)."""
        ...

    def resync(self) -> None:
        """Something the kubelet reads changed (a probe result): look at the pods again."""
        ...


class StoreView:
    """The DNS server's read-only view of the cluster."""

    def __init__(self, port: ClusterPort) -> None:
        self._port = port

    def services(self) -> Iterable[Obj]:
        return self._port.objects(SERVICES)

    def endpoint_slices(self) -> Iterable[Obj]:
        return self._port.objects(ENDPOINT_SLICES)

    def pods(self) -> Iterable[Obj]:
        return self._port.objects(PODS)

    def namespaces(self) -> Iterable[Obj]:
        return self._port.objects(NAMESPACES)


class ClusterNetwork:
    def __init__(self, port: ClusterPort, dns_rng: random.Random, proxy_rng: random.Random,
                 limits: Limits = DEFAULT_LIMITS) -> None:
        self.port = port
        self.limits = limits
        view = StoreView(port)
        # Indexed from the store's events; follows the coredns ConfigMap's Corefile on the cluster clock.
        self.dns = DNSServer(port.store, rng=dns_rng, now=port.clock.time)
        self.proxy = KubeProxy(view.services, view.endpoint_slices, view.pods, lambda: port.objects(NODES),
                               proxy_rng, port.clock.time)
        self.sandboxes: dict[str, Sandbox] = {}
        self.consoles: dict[str, Console] = {}
        self.sessions = SessionPool(limits.sessions)
        self._by_pod: dict[str, set[Session]] = {}   # the exec sessions of each pod uid
        self.probe_sessions = SessionPool(limits.probe_sessions)
        self.containers = Containers(limits, port.clock.now)
        self.prober = Prober(self)
        self.bridge: LoopBridge | None = None
        self._servers: set[asyncio.Task[None]] = set()   # the apps' ends of open TCP connections
        self._ephemeral = random.Random(0)
        self._mysql_connections = 7   # mysqld's connection ids (a few are taken by its own start-up)

    # ---- lifecycle (on the cluster's loop) -------------------------------------------------------
    @property
    def dns_endpoint(self) -> tuple[str, int]:
        return ("127.0.0.1", self.dns.port)

    async def start(self) -> None:
        self.bridge = LoopBridge(asyncio.get_running_loop())
        await self.dns.start("127.0.0.1", 0)

    async def stop(self) -> None:
        for console in list(self.consoles.values()):
            console.stop()
        self.containers.stop_all()
        self.sessions.kill_all()
        self.probe_sessions.kill_all()
        for server in list(self._servers):
            server.cancel()
        await self.dns.stop()

    # ---- the kubelet's hooks -------------------------------------------------------------------
    def probe(self, pod: Obj, now: float, triggered: bool = False) -> tuple[bool, float | None]:
        """Readiness of a running pod with a readinessProbe: (ready, when to look again); `triggered` probes
        a pod that is not Ready now (svclab.network.probes.Prober)."""
        return self.prober(pod, now, triggered)

    def pod_started(self, pod: Obj) -> None:
        """The container starts now: its uptime counts from here."""
        self.sandbox_for(pod)

    def pod_stopped(self, pod: Obj) -> None:
        """The container stops: its processes are killed (an exec ends with 137), as the kubelet's are."""
        uid = pod["metadata"]["uid"]
        self.containers.forget(uid)
        self.sandboxes.pop(uid, None)
        self.prober.forget(uid)
        console = self.consoles.pop(uid, None)
        if console is not None:
            console.stop()
        for session in list(self._by_pod.pop(uid, ())):   # (a copy: sessions leave it as they end)
            session.kill()

    def resync(self) -> None:
        """A probe result changed: the kubelet looks at the pods again."""
        self.port.resync()

    async def settle(self) -> None:
        """Wait for the exec probes in flight (each ends within its timeoutSeconds) and apply
        their results: a test stepping a manual clock sees the state they lead to."""
        await self.prober.settle()

    # ---- pods ----------------------------------------------------------------------------------
    def pod_by_uid(self, uid: str) -> Obj | None:
        return next((p for p in self.port.objects(PODS) if p["metadata"]["uid"] == uid), None)

    def sandbox_for(self, pod: Obj) -> Sandbox | None:
        """The pod's sandbox, made when first needed once the pod runs (one per pod uid)."""
        if pod.get("status", {}).get("phase") != "Running":
            return None
        uid = pod["metadata"]["uid"]
        sandbox = self.sandboxes.get(uid)
        if sandbox is None:
            services = list(self.port.objects(SERVICES))
            sandbox = self.sandboxes[uid] = make_sandbox(self, pod, services, self.port.clock.time())
        return sandbox

    def running(self, pod: Obj) -> bool:
        """Whether the pod's container has started (exec and attach need it)."""
        return self.sandbox_for(pod) is not None

    def stopped(self, uid: str) -> bool:
        pod = self.pod_by_uid(uid)
        return uid not in self.sandboxes or pod is None or self.sandbox_for(pod) is None

    # ---- processes -----------------------------------------------------------------------------
    def exec(self, pod: Obj, container: str, argv: list[str], *, tty: bool, stdin: bool) -> Session | str:
        """Start ``argv`` in the container (`kubectl exec`): its session, or the runtime's error
        message when there is no such binary or no room for another process."""
        sandbox = self.sandbox_for(pod)
        if sandbox is None:
            return f'container not found ("{container}")'
        from svclab.network.interactive import program_on_terminal, shell_on_terminal
        from svclab.network.shell import is_interactive_shell, locate, start_program

        tools = tools_for_image(_image(pod, container))
        meta = pod["metadata"]
        name = f"{meta['namespace']}/{meta['name']}"
        uid = meta["uid"]
        if tty and stdin and is_interactive_shell(argv):
            async def terminal(io: SessionIO) -> int:
                with _exec_process(sandbox, argv, io):
                    return await shell_on_terminal(argv, sandbox, tools, io)
            return self._start(uid, name, terminal, self.limits.interactive(), tty=True, argv=argv)
        program = locate(argv, sandbox, tools)
        if isinstance(program, str):
            return program
        if tty and stdin:
            async def typed(io: SessionIO) -> int:
                with _exec_process(sandbox, argv, io):
                    return await program_on_terminal(program, sandbox, tools, io)
            return self._start(uid, name, typed, self.limits.interactive(), tty=True, argv=argv)

        async def command(io: SessionIO) -> int:
            with _exec_process(sandbox, argv, io):
                return await start_program(program, sandbox, tools, io.budget, io.stdin(), io.stdout, io.stderr)
        return self._start(uid, name, command, self.limits, tty=tty, argv=argv)

    def _start(self, uid: str, name: str, main: Any, limits: Limits, *, tty: bool, argv: list[str]) -> Session | str:
        pods = self._by_pod.setdefault(uid, set())

        def ended(session: Session) -> None:   # on the session's thread
            pods.discard(session)

        try:
            session = self.sessions.start(name, main, Budget(limits), tty, on_exit=ended)
        except SessionRefused:
            namespace, pod = name.split("/", 1)
            return messages.RUNTIME_EXEC_FAILED.format(
                exec_id=messages.exec_id(namespace, pod, argv),
                cause=messages.RUNC_NO_PROCESSES.format(cmd=argv[0] if argv else ""))
        if session.running:
            pods.add(session)
        return session

    # ---- containers' main processes (the kubelet's runtime) -----------------------------------------
    def start_container(self, pod: Obj, container: str) -> None:
        """Start (or restart) a container's main process; its end is reported to the kubelet."""
        spec = next((c for c in pod["spec"].get("containers") or [] if c["name"] == container), None)
        if spec is None or self.sandbox_for(pod) is None:
            return
        meta = pod["metadata"]
        namespace, name, uid = meta["namespace"], meta["name"], meta["uid"]
        holder: list[MainProcess] = []

        def exited(code: int, reason: str, message: str) -> None:
            if holder and self.containers.current(uid, container) is holder[0]:
                self.port.container_exited(namespace, name, uid, code, container, reason, message)

        holder.append(self.containers.start(pod, spec, self, tools_for_image(spec.get("image", "")), exited))

    def ensure_container(self, pod: Obj, container: str) -> None:
        current = self.containers.current(pod["metadata"]["uid"], container)
        if current is None or not current.running:
            self.start_container(pod, container)

    def terminate_pod(self, pod: Obj) -> bool:
        return self.containers.terminate(pod["metadata"]["uid"])

    def kill_pod(self, pod: Obj) -> None:
        self.containers.kill(pod["metadata"]["uid"])

    def main_process(self, pod: Obj, container: str) -> MainProcess | None:
        """The running main process of the container (what `kubectl attach` joins)."""
        process = self.containers.current(pod["metadata"]["uid"], container)
        return process if process is not None and process.running else None

    def container_process(self, pod: Obj, container: str) -> MainProcess | None:
        """The container's current main process, running or not."""
        return self.containers.current(pod["metadata"]["uid"], container)

    def console_for(self, pod: Obj, container: str) -> Console | None:
        """The container's main process when it is an interactive shell on a tty."""
        process = self.main_process(pod, container)
        if isinstance(process, ConsoleProcess):
            return process.console  # type: ignore[no-any-return]
        return None

    def make_console(self, pod: Obj, container: str, on_exit: Callable[[int], None],
                     on_output: Callable[[bytes], None]) -> Console:
        """Start the interactive shell that is a container's main process (``stdin`` and ``tty``)."""
        from svclab.network.interactive import Console

        spec = next(c for c in pod["spec"].get("containers") or [] if c["name"] == container)
        sandbox = self.sandbox_for(pod)
        assert sandbox is not None
        image = spec.get("image", "")
        argv = images.app_for(spec).argv
        meta = pod["metadata"]

        def start(name: str, main: Any, budget: Budget, tty: bool) -> Session:
            session = Session(name, main, budget, tty)
            session.start()
            return session

        return Console(f"{meta['namespace']}/{meta['name']}", argv, sandbox, tools_for_image(image), self.limits,
                       bool(spec.get("stdinOnce")), on_exit, start, on_output)

    def run_probe(self, pod: Obj, argv: list[str], timeout: float,
                  done: Callable[[bool], None]) -> bool:
        """Start an exec probe in its own session; ``done(success)`` is called on the cluster's
        loop once it ends or its timeout kills it. False when it could not start now."""
        sandbox = self.sandbox_for(pod)
        if sandbox is None:
            done(False)
            return True
        from svclab.network.shell import locate

        container: Obj = next((c for c in pod["spec"].get("containers") or [] if c.get("readinessProbe")), {})
        tools = tools_for_image(container.get("image", ""))
        program = locate(argv, sandbox, tools)
        if isinstance(program, str):
            done(False)
            return True
        return self.prober_session(pod, program, sandbox, tools, timeout, done)

    def prober_session(self, pod: Obj, program: Program, sandbox: Sandbox, tools: Any, timeout: float,
                       done: Callable[[bool], None]) -> bool:
        from svclab.network.shell import start_program

        async def main(io: SessionIO) -> int:
            out, err = Collector(io.budget), Collector(io.budget)
            return await start_program(program, sandbox, tools, io.budget, EmptyReader(), out, err)

        limits = self.limits
        if limits.cpu_seconds is not None and timeout < limits.cpu_seconds:
            limits = replace(limits, cpu_seconds=max(timeout, 0.001))
        try:
            session = self.probe_sessions.start(f"probe-{pod['metadata']['name']}", main, Budget(limits))
        except SessionRefused:
            return False

        async def watch() -> None:
            try:
                code = await asyncio.wait_for(asyncio.shield(session.wait()), timeout)
            except asyncio.TimeoutError:   # the kubelet gives up after timeoutSeconds: a failure
                session.kill()
                code = -1
            done(code == 0)

        self.prober.track(asyncio.ensure_future(watch()))
        return True

    # ---- TCP and ICMP ----------------------------------------------------------------------------
    def _route(self, sandbox: Sandbox, ip: str, port: int) -> tuple[Route, str]:
        """Where a TCP connection from the pod to ip:port lands (kube-proxy's choice for a Service
        address), and the client address the app sees; ConnectionRefused or ConnectTimeout."""
        if ip.startswith("127.") or ip == "::1":
            # the pod's own loopback (its network namespace), never the host's
            pod = self.pod_by_uid(sandbox.uid)
            if pod is None or not listens_on(pod, port):
                raise ConnectionRefused(f"{ip}:{port}")
            return Route(pod, port), ip
        return self.proxy.route(sandbox.ip, ip, port), sandbox.ip

    async def tcp_from_pod(self, sandbox: Sandbox, ip: str, port: int) -> Connection:
        """connect(2) from the pod (on the cluster's loop): the app of the pod kube-proxy picks
        accepts it and serves it until either side closes, speaking its own protocol (HTTP for
        netexec and nginx, MySQL's handshake for mysql)."""
        route, client_ip = self._route(sandbox, ip, port)
        loopback = client_ip == ip
        server_ip = ip if loopback else route.pod.get("status", {}).get("podIP", ip)
        local = Endpoint(client_ip, self._ephemeral.randint(32768, 60999))   # ip_local_port_range
        conn = Connection(local, Endpoint(ip, port), Endpoint(server_ip, route.port))
        self._accept(conn, route, client_ip)
        return conn

    def _accept(self, conn: Connection, route: Route, client_ip: str) -> None:
        """The listening app takes the connection and serves it on the cluster's loop."""
        app = app_on(route.pod, route.port)
        server: Any
        if app is not None and app.kind == images.MYSQL:
            server = self._mysql_session(conn, route, app)
        else:
            async def handle(method: str, path: str, headers: dict[str, str]) -> HttpResponse:
                return await self.serve_http(route, client_ip, method, path, headers)

            if app is not None and app.kind == images.NGINX:
                server = gohttp.serve(conn, handle, writer=images.nginx_bytes)
            else:
                server = gohttp.serve(conn, handle)
        task = asyncio.ensure_future(server)
        self._servers.add(task)
        task.add_done_callback(self._servers.discard)

    async def connect_in_pod(self, pod: Obj, port: int) -> Connection:
        """`kubectl port-forward`: a connection to localhost:PORT inside the pod's network namespace
        (on the cluster's loop); ConnectionRefused when nothing listens there."""
        current = self.pod_by_uid(pod["metadata"]["uid"])
        if current is None or current.get("status", {}).get("phase") != "Running" or not listens_on(current, port):
            raise ConnectionRefused(f"127.0.0.1:{port}")
        local = Endpoint("127.0.0.1", self._ephemeral.randint(32768, 60999))
        conn = Connection(local, Endpoint("127.0.0.1", port), Endpoint("127.0.0.1", port))
        self._accept(conn, Route(current, port), "127.0.0.1")
        return conn

    async def _mysql_session(self, conn: Connection, route: Route, app: images.App) -> None:
        """mysqld's side: the greeting at once; whatever the client sends that is not a handshake
        response ends it with ER_HANDSHAKE_ERROR ("Bad handshake"); a silent client is dropped
        after connect_timeout."""
        self._mysql_connections += 1
        try:
            await conn.write(images.mysql_greeting(app, self._mysql_connections, route.pod["metadata"]["uid"]))
            try:
                data = await asyncio.wait_for(conn.read(), images.MYSQL_CONNECT_TIMEOUT)
            except asyncio.TimeoutError:
                return
            if data:
                await conn.write(images.mysql_bad_handshake())
        finally:
            conn.close_server()

    async def icmp_from_pod(self, sandbox: Sandbox, ip: str, seq: int) -> icmp.EchoReply | None:
        """An echo request from the pod (on the cluster's loop): who answers, see svclab.network.icmp."""
        return icmp.echo(sandbox.ip, sandbox.node, ip, seq, self.port.objects(PODS), self.port.objects(NODES))

    # ---- HTTP ----------------------------------------------------------------------------------
    async def http_from_pod(self, sandbox: Sandbox, ip: str, port: int, method: str, path: str,
                            headers: dict[str, str] | None = None) -> HttpResponse:
        """A TCP connection from the pod, decided by kube-proxy (runs on the cluster's loop)."""
        route, client_ip = self._route(sandbox, ip, port)
        return await self.serve_http(route, client_ip, method, path, headers)

    async def serve_http(self, route: Route, client_ip: str, method: str, path: str,
                         headers: dict[str, str] | None = None) -> HttpResponse:
        """One HTTP request to the app listening on the route's port: nginx's static server, or
        agnhost netexec (with 200 on the pod's own health-check paths). A port nothing listens on
        refuses the connection; MySQL answers with its greeting (NotHttp)."""
        pod = route.pod
        app = app_on(pod, route.port)
        if app is None:
            raise ConnectionRefused(f"{pod.get('status', {}).get('podIP', '')}:{route.port}")
        now = self.port.clock.now()
        if app.kind == images.MYSQL:
            self._mysql_connections += 1
            raise NotHttp(images.mysql_greeting(app, self._mysql_connections, pod["metadata"]["uid"]) + images.mysql_bad_handshake())
        if app.kind == images.NGINX:
            response = images.nginx_response(app, method, path, now, keep_alive=False)
            agent = next((v for k, v in (headers or {}).items() if k.lower() == "user-agent"), "")
            container = next((c["name"] for c in pod["spec"].get("containers") or [] if images.app_for(c).kind == images.NGINX), "")
            process = self.containers.current(pod["metadata"]["uid"], container)
            if process is not None and process.running:
                size = 0 if method == "HEAD" else len(response.body)
                process.output(1, (images.nginx_access_line(client_ip, method, path, response.status, size, agent, now) + "\n").encode())
            return response
        bare = path.split("?", 1)[0]
        named = {p.get("name"): p.get("containerPort") for c in pod["spec"].get("containers") or [] for p in c.get("ports") or []}
        if any(named.get(port, port) == route.port and bare == probe_path for port, probe_path in probe_endpoints(pod)):
            return HttpResponse(200, "OK", {"Content-Type": "text/plain; charset=utf-8"}, b"ok")
        sandbox = self.sandbox_for(pod)
        uptime = self.port.clock.time() - sandbox.started_at if sandbox else 0.0
        hostname = pod["spec"].get("hostname") or pod["metadata"]["name"]
        return await netexec(hostname, client_ip, method, path, now=now, uptime=uptime)


@contextlib.contextmanager
def _exec_process(sandbox: Sandbox, argv: list[str], io: SessionIO) -> Iterator[None]:
    """The exec'd program is a process of the pod while it runs (`ps` lists it)."""
    with sandbox.processes.running(argv, gap=EXEC_PID_GAP, cpu=io.budget.cpu_used, tty=io.stdout.tty):
        yield


def _repository(image: str) -> str:
    return image.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]


def _image(pod: Obj, container: str) -> str:
    return next((c.get("image", "") for c in pod["spec"].get("containers") or [] if c["name"] == container), "")
