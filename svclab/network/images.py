"""The container images the embedded cluster models, and what each one's main process does.

A container's main process is its image's ENTRYPOINT and CMD as the spec overrides them
(`svclab.network.processes.container_command`). What runs then depends on the image:

- **busybox** (and any command of an image with a shell, when the command is not the image's own
  server): the argv runs in the emulated shell (svclab.network.shell), its output is the container
  log, its exit code the container's. It listens on no port (``nc -l`` is not emulated).
- **nginx**: `/docker-entrypoint.sh nginx -g 'daemon off;'` logs what the image's entrypoint logs
  and serves the welcome page of the tag's nginx version on port 80 (`Server: nginx/VERSION`).
- **mysql**: `docker-entrypoint.sh mysqld` without MYSQL_ROOT_PASSWORD, MYSQL_ALLOW_EMPTY_PASSWORD or
  MYSQL_RANDOM_ROOT_PASSWORD logs the entrypoint's error and exits 1 (the pod crash-loops, as the
  real image does); with one it listens on 3306 and 33060 and sends MySQL's protocol greeting.
- **agnhost** (registry.k8s.io/e2e-test-images/agnhost): `netexec` serves HTTP on ``--http-port``
  (default 8080); `pause` and its other subcommands listen on nothing.
- **any other image**: the embedded cluster cannot know what it does. The container runs, prints
  nothing and listens on nothing, and the kubelet says so with a Warning event on the pod.

Which version a tag means is fixed here (``NGINX_RELEASES``, ``MYSQL_VERSIONS``), from the
projects' release tags: `nginx:1.27` is 1.27.5, `nginx:latest` the newest mainline release.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from datetime import datetime, timezone

from svclab.network import nginx_pages
from svclab.network.podenv import HttpResponse
from svclab.network.processes import container_command

PROCESS, NGINX, MYSQL, NETEXEC, IDLE, SYSTEM, UNKNOWN = "process", "nginx", "mysql", "netexec", "idle", "system", "unknown"
# The cluster's own components (kind's node image and add-ons): the embedded cluster does their
# work itself (its API server, DNS server, kube-proxy); their pods listen where the real ones do.
SYSTEM_PORTS: dict[str, tuple[int, ...]] = {
    "coredns": (53, 8080, 8181, 9153), "etcd": (2379, 2380, 2381), "kube-apiserver": (6443,),
    "kube-controller-manager": (10257,), "kube-scheduler": (10259,), "kube-proxy": (10249, 10256),
    "kindnetd": (), "local-path-provisioner": (),
}

# Latest release of each nginx branch (nginx's release-X.Y.Z tags) and when it was tagged: the
# Last-Modified of the welcome page the image installs is close to it.
NGINX_RELEASES: dict[str, tuple[str, int]] = {
    "1.19": ("1.19.10", 1618326838), "1.20": ("1.20.2", 1637073842), "1.21": ("1.21.6", 1643123031),
    "1.22": ("1.22.1", 1666166540), "1.23": ("1.23.4", 1680015713), "1.24": ("1.24.0", 1681177534),
    "1.25": ("1.25.5", 1713277670), "1.26": ("1.26.3", 1738773647), "1.27": ("1.27.5", 1744804871),
    "1.28": ("1.28.3", 1774377203), "1.29": ("1.29.8", 1775561832), "1.30": ("1.30.4", 1784136038),
    "1.31": ("1.31.4", 1786478857),
}
NGINX_MAINLINE, NGINX_STABLE = "1.31", "1.30"
NGINX_NEW_WELCOME = (1, 29, 6)   # nginx commit 717e707 replaced the welcome page in 1.29.6

# docker-library/mysql: the version each tag installs (MYSQL_VERSION of its Dockerfile.oracle).
MYSQL_VERSIONS: dict[str, str] = {"8.0": "8.0.46", "8.4": "8.4.10", "9": "9.7.1", "9.7": "9.7.1", "lts": "9.7.1",
                                  "latest": "9.7.1", "innovation": "9.6.0"}
MYSQL_PACKAGE_SUFFIX = "-1.el9"
MYSQL_CONNECT_TIMEOUT = 10   # mysqld's connect_timeout: how long it waits for a client's handshake
MYSQL_PASSWORD_VARS = ("MYSQL_ROOT_PASSWORD", "MYSQL_ALLOW_EMPTY_PASSWORD", "MYSQL_RANDOM_ROOT_PASSWORD")
NETEXEC_HTTP_PORT = 8080
AGNHOST_SERVE_HOSTNAME_PORT = 9376


def repository(image: str) -> str:
    """The image's repository without registry or tag: `registry.k8s.io/e2e-test-images/agnhost:2.52` -> agnhost."""
    return image.rsplit("/", 1)[-1].split("@", 1)[0].split(":", 1)[0]


def tag(image: str) -> str:
    last = image.rsplit("/", 1)[-1].split("@", 1)[0]
    return last.split(":", 1)[1] if ":" in last else "latest"


def nginx_release(image_tag: str) -> tuple[str, int]:
    """(version, release time) of the nginx an `nginx:TAG` image runs."""
    base = image_tag.split("-", 1)[0]   # 1.27-alpine, 1.27.3-bookworm
    if base in ("latest", "mainline", ""):
        return NGINX_RELEASES[NGINX_MAINLINE]
    if base == "stable":
        return NGINX_RELEASES[NGINX_STABLE]
    parts = base.split(".")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        minor = NGINX_RELEASES.get(".".join(parts[:2]))
        return base, minor[1] if minor else NGINX_RELEASES[NGINX_MAINLINE][1]
    if base in NGINX_RELEASES:
        return NGINX_RELEASES[base]
    if base == "1":
        return NGINX_RELEASES[NGINX_MAINLINE]
    return NGINX_RELEASES[NGINX_MAINLINE]


def mysql_version(image_tag: str) -> str:
    base = image_tag.split("-", 1)[0]
    if base.count(".") == 2:
        return base
    return MYSQL_VERSIONS.get(base, MYSQL_VERSIONS["latest"])


@dataclass(frozen=True)
class App:
    """What a container's main process is: ``kind`` (PROCESS runs ``argv`` in the shell), the TCP
    ports it listens on, the version it reports, and whether it exits promptly on SIGTERM (a shell
    as PID 1 ignores SIGTERM: the container is killed at the end of its grace period)."""

    kind: str
    argv: list[str]
    image: str
    ports: tuple[int, ...] = ()
    version: str = ""
    released: int = 0
    stops_on_sigterm: bool = True
    env: dict[str, str] = field(default_factory=dict)

    @property
    def fails_to_start(self) -> bool:
        """mysql without a password option: the entrypoint exits 1 before mysqld starts."""
        return self.kind == MYSQL and not any(self.env.get(name) for name in MYSQL_PASSWORD_VARS)


def _flag(argv: list[str], name: str, default: int) -> int:
    for i, arg in enumerate(argv):
        if arg.startswith(f"--{name}="):
            value = arg.split("=", 1)[1]
            return int(value) if value.isdigit() else default
        if arg == f"--{name}" and i + 1 < len(argv) and argv[i + 1].isdigit():
            return int(argv[i + 1])
    return default


def container_env(container: dict[str, object]) -> dict[str, str]:
    """The literal ``env`` values of a container spec (valueFrom is not resolved)."""
    env: dict[str, str] = {}
    for var in container.get("env") or []:   # type: ignore[union-attr]
        if isinstance(var, dict) and "value" in var:
            env[str(var["name"])] = str(var["value"])
    return env


def app_for(container: dict[str, object]) -> App:
    """The main process of a container spec."""
    image = str(container.get("image", ""))
    command = container.get("command") or None
    args = container.get("args") or None
    argv = container_command(image, command, args)   # type: ignore[arg-type]
    repo, env = repository(image), container_env(container)
    program = argv[0].rsplit("/", 1)[-1] if argv else ""
    if repo == "nginx":
        rest = argv[1:] if program == "docker-entrypoint.sh" else argv
        if rest[:1] == ["nginx"] or rest[:1] == ["nginx-debug"]:
            version, released = nginx_release(tag(image))
            return App(NGINX, argv, image, (80,), version, released, True, env)
        return App(PROCESS, rest, image, stops_on_sigterm=False, env=env)
    if repo == "mysql":
        rest = argv[1:] if program == "docker-entrypoint.sh" else argv
        if rest[:1] and rest[0].startswith("-"):
            rest = ["mysqld", *rest]
        if rest[:1] == ["mysqld"]:
            return App(MYSQL, argv, image, (3306, 33060), mysql_version(tag(image)), 0, True, env)
        return App(PROCESS, rest, image, stops_on_sigterm=False, env=env)
    if repo == "agnhost":
        if program == "agnhost" and len(argv) > 1:
            sub = argv[1]
            if sub == "netexec":
                return App(NETEXEC, argv, image, (_flag(argv, "http-port", NETEXEC_HTTP_PORT),), env=env)
            if sub == "serve-hostname":
                return App(NETEXEC, argv, image, (_flag(argv, "port", AGNHOST_SERVE_HOSTNAME_PORT),), env=env)
            return App(IDLE, argv, image, env=env)
        if program == "agnhost":
            return App(IDLE, argv, image, env=env)
        return App(PROCESS, argv, image, stops_on_sigterm=False, env=env)
    if repo in SYSTEM_PORTS:
        return App(SYSTEM, argv, image, SYSTEM_PORTS[repo], env=env)
    if repo in ("busybox", "curl"):
        if repo == "curl" and program == "entrypoint.sh":
            argv = argv[1:]
        return App(PROCESS, argv, image, stops_on_sigterm=False, env=env)
    return App(UNKNOWN, argv, image, env=env)


def not_modelled_message(image: str) -> str:
    return (f'svclab\'s embedded cluster does not model image "{image}": its container runs but prints nothing '
            "and listens on no port (docs/embedded-images.md lists the images it models)")


# ---- what the apps print as they start ---------------------------------------------------------------
def nginx_start_lines(app: App, now: datetime) -> list[tuple[int, str]]:
    """(fd, line) the nginx image prints as it starts (docker-nginx's entrypoint, then nginx's
    notices on stderr; the workers' pids are the container's next ones)."""
    lines: list[tuple[int, str]] = []
    if app.argv and app.argv[0].endswith("docker-entrypoint.sh"):
        ep = "/docker-entrypoint.sh"
        lines += [(1, f"{ep}: /docker-entrypoint.d/ is not empty, will attempt to perform configuration"),
                  (1, f"{ep}: Looking for shell scripts in /docker-entrypoint.d/"),
                  (1, f"{ep}: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh"),
                  (1, "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf"),
                  (1, "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf"),
                  (1, f"{ep}: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh"),
                  (1, f"{ep}: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh"),
                  (1, f"{ep}: Launching /docker-entrypoint.d/30-tune-worker-processes.sh"),
                  (1, f"{ep}: Configuration complete; ready for start up")]
    stamp = now.astimezone(timezone.utc).strftime("%Y/%m/%d %H:%M:%S")
    for text in ('using the "epoll" event method', f"nginx/{app.version}", "start worker processes",
                 "start worker process 29"):
        lines.append((2, f"{stamp} [notice] 1#1: {text}"))
    return lines


def nginx_stop_lines(now: datetime) -> list[tuple[int, str]]:
    """The image's STOPSIGNAL is SIGQUIT: a graceful shutdown."""
    stamp = now.astimezone(timezone.utc).strftime("%Y/%m/%d %H:%M:%S")
    return [(2, f"{stamp} [notice] 1#1: signal 3 (SIGQUIT) received, shutting down"),
            (2, f"{stamp} [notice] 1#1: exit")]


def nginx_access_line(client_ip: str, method: str, path: str, status: int, size: int, agent: str, now: datetime) -> str:
    """nginx's `combined` log format plus "$http_x_forwarded_for", as the image configures it."""
    stamp = now.astimezone(timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000")
    return f'{client_ip} - - [{stamp}] "{method} {path} HTTP/1.1" {status} {size} "-" "{agent or "-"}" "-"'


def _mysql_note(now: datetime, kind: str, text: str) -> str:
    stamp = now.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S+00:00")
    return f"{stamp} [{kind}] [Entrypoint]: {text}"


def mysql_start_lines(app: App, now: datetime) -> list[tuple[int, str]]:
    """docker-library/mysql's docker-entrypoint.sh: the notes it prints (it re-executes itself as
    the mysql user, so the first one appears twice), then either the missing-password error
    (on stderr, exit 1) or, abridged, the initialisation and mysqld's ready line."""
    full = app.version + MYSQL_PACKAGE_SUFFIX
    lines = [(1, _mysql_note(now, "Note", f"Entrypoint script for MySQL Server {full} started.")),
             (1, _mysql_note(now, "Note", "Switching to dedicated user 'mysql'")),
             (1, _mysql_note(now, "Note", f"Entrypoint script for MySQL Server {full} started."))]
    if app.fails_to_start:
        lines.append((2, _mysql_note(now, "ERROR", "Database is uninitialized and password option is not specified")))
        lines += [(2, "    You need to specify one of the following as an environment variable:"),
                  (2, "    - MYSQL_ROOT_PASSWORD"), (2, "    - MYSQL_ALLOW_EMPTY_PASSWORD"),
                  (2, "    - MYSQL_RANDOM_ROOT_PASSWORD")]
        return lines
    lines += [(1, _mysql_note(now, "Note", "Initializing database files")),
              (1, _mysql_note(now, "Note", "Database files initialized")),
              (1, _mysql_note(now, "Note", "Starting temporary server")),
              (1, _mysql_note(now, "Note", "Temporary server started.")),
              (1, _mysql_note(now, "Note", "Stopping temporary server")),
              (1, _mysql_note(now, "Note", "Temporary server stopped")),
              (1, ""),
              (1, _mysql_note(now, "Note", "MySQL init process done. Ready for start up.")),
              (1, "")]
    stamp = now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"
    lines.append((2, f"{stamp} 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. "
                     f"Version: '{app.version}'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server - GPL."))
    return lines


# ---- what the apps answer -------------------------------------------------------------------------------
def _http_date(when: datetime) -> str:
    from email.utils import format_datetime   # with the first answer: the email package is ~2 ms of the cluster's start

    return format_datetime(when.astimezone(timezone.utc), usegmt=True)


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def nginx_welcome(version: str) -> bytes:
    return nginx_pages.CURRENT_INDEX if _version_tuple(version) >= NGINX_NEW_WELCOME else nginx_pages.CLASSIC_INDEX


def nginx_response(app: App, method: str, path: str, now: datetime, keep_alive: bool = False) -> HttpResponse:
    """nginx's default server (/usr/share/nginx/html): the welcome page at / and /index.html, its
    404 page elsewhere, 405 for methods a static file does not take. Headers in nginx's order
    (ngx_http_header_filter_module.c)."""
    bare = path.split("?", 1)[0]
    server = f"nginx/{app.version}"
    connection = "keep-alive" if keep_alive else "close"
    if bare in ("/", "/index.html") and method in ("GET", "HEAD"):
        body = nginx_welcome(app.version)
        modified = datetime.fromtimestamp(app.released, timezone.utc)
        headers = {"Server": server, "Date": _http_date(now), "Content-Type": "text/html",
                   "Content-Length": str(len(body)), "Last-Modified": _http_date(modified),
                   "Connection": connection, "ETag": f'"{app.released:x}-{len(body):x}"', "Accept-Ranges": "bytes"}
        return HttpResponse(200, "OK", headers, body)
    status, reason = (405, "Not Allowed") if bare in ("/", "/index.html") else (404, "Not Found")
    body = (f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>{server}</center>\r\n</body>\r\n</html>\r\n").encode()
    headers = {"Server": server, "Date": _http_date(now), "Content-Type": "text/html",
               "Content-Length": str(len(body)), "Connection": connection}
    return HttpResponse(status, reason, headers, body)


def nginx_bytes(resp: HttpResponse, method: str) -> bytes:
    head = f"HTTP/1.1 {resp.status} {resp.reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in resp.headers.items()) + "\r\n"
    return head.encode("latin-1") + (b"" if method == "HEAD" else resp.body)


def mysql_greeting(app: App, connection_id: int, seed: str) -> bytes:
    """MySQL's Protocol::HandshakeV10 packet (sequence 0) as mysqld sends it on connect: protocol
    10, the server version, the connection id, 20 bytes of scramble, caching_sha2_password."""
    scramble = bytes(33 + b % 94 for b in hashlib.sha256(seed.encode()).digest()[:20])   # printable, like mysqld's
    capabilities = 0xDFFFFFFF
    payload = (b"\x0a" + app.version.encode() + b"\x00" + struct.pack("<I", connection_id) + scramble[:8] + b"\x00"
               + struct.pack("<H", capabilities & 0xFFFF) + b"\xff" + struct.pack("<H", 0x0002)
               + struct.pack("<H", capabilities >> 16) + bytes([21]) + bytes(10) + scramble[8:] + b"\x00"
               + b"caching_sha2_password\x00")
    return struct.pack("<I", len(payload))[:3] + b"\x00" + payload


def mysql_bad_handshake() -> bytes:
    """ERR packet (sequence 2): 1043 ER_HANDSHAKE_ERROR, SQLSTATE 08S01, "Bad handshake"."""
    payload = b"\xff" + struct.pack("<H", 1043) + b"#08S01" + b"Bad handshake"
    return struct.pack("<I", len(payload))[:3] + b"\x02" + payload
