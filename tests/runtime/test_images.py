"""Images behave like their images as far as the course's tools see (issue 12, acceptance 4):
nginx serves its welcome page on 80, MySQL greets in its own protocol on 3306, a busybox or sleep
pod listens on nothing, agnhost netexec answers HTTP, and an image the emulator does not model is
said to be so."""

from __future__ import annotations

import pytest

from svclab.network import images
from svclab.network.tools.wget import _not_http
from tests.runtime.conftest import AGNHOST, BUSYBOX, Lab, eventually

TERMINATED = "command terminated with exit code {code}\n"


def _pod_ip(lab: Lab, name: str) -> str:
    return str(eventually(lambda: lab.pod(name)["status"].get("podIP")))


def _ready(lab: Lab, *names: str) -> None:
    for name in names:
        lab.k("wait", "--for=condition=Ready", f"pod/{name}", "--timeout=30s")


@pytest.fixture
def pods(lab: Lab) -> Lab:
    lab.k("run", "web", "--image=nginx:1.27", "--port=80")
    lab.k("run", "db", "--image=mysql:8.0", "--env=MYSQL_ROOT_PASSWORD=example", "--port=3306")
    lab.k("run", "sleeper", f"--image={BUSYBOX}", "--port=80", "--", "sleep", "3600")
    lab.k("run", "echo", f"--image={AGNHOST}", "--", "netexec", "--http-port=8080")
    lab.k("run", "client", f"--image={BUSYBOX}", "--", "sleep", "3600")
    _ready(lab, "web", "db", "sleeper", "echo", "client")
    return lab


def test_nginx_serves_its_welcome_page_with_its_own_headers(pods: Lab) -> None:
    ip = _pod_ip(pods, "web")
    got = pods.k("exec", "client", "--", "wget", "-S", "-O", "-", f"http://{ip}/")
    assert got.stderr.splitlines()[:2] == [f"Connecting to {ip} ({ip}:80)", "  HTTP/1.1 200 OK"]
    assert got.stderr.splitlines()[2] == "  Server: nginx/1.27.5"
    assert [line.split(":")[0].strip() for line in got.stderr.splitlines()[2:10]] == [
        "Server", "Date", "Content-Type", "Content-Length", "Last-Modified", "Connection", "ETag", "Accept-Ranges"]
    assert "  Content-Length: 615" in got.stderr.splitlines()
    assert got.stdout.encode() == images.nginx_welcome("1.27.5")
    missing = pods.k("exec", "client", "--", "wget", "-O", "-", f"http://{ip}/hostname", check=False)
    assert missing.stderr.splitlines()[1] == "wget: server returned error: HTTP/1.1 404 Not Found"
    log = pods.k("logs", "web").stdout.splitlines()
    assert "/docker-entrypoint.sh: Configuration complete; ready for start up" in log
    client_ip = _pod_ip(pods, "client")
    access = [line for line in log if line.startswith(client_ip)]
    assert access[0].endswith('"GET / HTTP/1.1" 200 615 "-" "Wget" "-"')
    assert '"GET /hostname HTTP/1.1" 404 153' in access[1]


def test_nginx_latest_is_the_newest_mainline_with_its_new_page() -> None:
    app = images.app_for({"name": "web", "image": "nginx:latest"})
    assert (app.kind, app.version, app.ports) == (images.NGINX, "1.31.4", (80,))
    assert b"community.nginx.org" in images.nginx_welcome(app.version)
    assert images.app_for({"name": "web", "image": "nginx:1.25.3-alpine"}).version == "1.25.3"


def test_mysql_listens_on_3306_and_does_not_speak_http(pods: Lab) -> None:
    ip = _pod_ip(pods, "db")
    opened = pods.k("exec", "client", "--", "nc", "-zv", ip, "3306")
    assert (opened.stderr, opened.returncode) == (f"{ip} ({ip}:3306) open\n", 0)
    got = pods.k("exec", "client", "--", "wget", "-O", "-", f"http://{ip}:3306/", check=False)
    assert got.stderr == f"Connecting to {ip}:3306 ({ip}:3306)\nwget: bad header line: 8.0.46\n" + TERMINATED.format(code=1)
    greeting = pods.k("exec", "client", "--", "sh", "-c", f"nc {ip} 3306 </dev/null | head -n 1")
    assert greeting.stdout == "J\0\0\0\n"   # HandshakeV10: length 74, sequence 0, then protocol 10 ("\n")
    assert "ready for connections. Version: '8.0.46'" in pods.k("logs", "db").stdout


def test_the_mysql_greeting_is_handshake_v10() -> None:
    app = images.app_for({"name": "db", "image": "mysql:8.0", "env": [{"name": "MYSQL_ROOT_PASSWORD", "value": "x"}]})
    packet = images.mysql_greeting(app, 8, "seed")
    length = int.from_bytes(packet[:3], "little")
    assert length == len(packet) - 4 and packet[3] == 0 and packet[4] == 10
    assert packet[5:12] == b"8.0.46\0" and packet.endswith(b"caching_sha2_password\0")
    assert _not_http(packet + images.mysql_bad_handshake()) == "wget: bad header line: 8.0.46"


def test_a_sleep_pod_listens_on_nothing(pods: Lab) -> None:
    ip = _pod_ip(pods, "sleeper")
    got = pods.k("exec", "client", "--", "wget", "-O", "-", f"http://{ip}/", check=False)
    assert got.stderr == (f"Connecting to {ip} ({ip}:80)\nwget: can't connect to remote host ({ip}): Connection refused\n"
                          + TERMINATED.format(code=1))
    refused = pods.k("exec", "client", "--", "nc", "-zvv", ip, "80", check=False)
    assert refused.stderr.startswith(f"nc: {ip} ({ip}:80): Connection refused\n")


def test_agnhost_netexec_answers_on_its_http_port_only(pods: Lab) -> None:
    ip = _pod_ip(pods, "echo")
    assert pods.k("exec", "client", "--", "wget", "-qO-", f"http://{ip}:8080/hostname").stdout == "echo"
    refused = pods.k("exec", "client", "--", "wget", "-qO-", f"http://{ip}/hostname", check=False)
    assert "Connection refused" in refused.stderr


def test_an_image_the_emulator_does_not_model_says_so_and_listens_on_nothing(lab: Lab) -> None:
    lab.k("run", "cache", "--image=redis:7", "--port=6379")
    lab.k("run", "client", f"--image={BUSYBOX}", "--", "sleep", "3600")
    _ready(lab, "cache", "client")
    warning = next(e for e in lab.events("cache") if e["reason"] == "ImageNotModelled")
    assert warning["type"] == "Warning"
    assert warning["message"].startswith('svclab\'s embedded cluster does not model image "redis:7"')
    assert "ImageNotModelled" in lab.k("describe", "pod", "cache").stdout
    ip = _pod_ip(lab, "cache")
    refused = lab.k("exec", "client", "--", "nc", "-zvv", ip, "6379", check=False)
    assert refused.stderr.startswith(f"nc: {ip} ({ip}:6379): Connection refused\n")
    assert lab.k("logs", "cache").stdout == ""


def test_a_service_in_front_of_a_pod_that_listens_on_nothing_refuses(lab: Lab) -> None:
    lab.k("run", "idle", f"--image={BUSYBOX}", "--labels=app=idle", "--", "sleep", "3600")
    lab.k("expose", "pod", "idle", "--port=80")
    lab.k("run", "client", f"--image={BUSYBOX}", "--", "sleep", "3600")
    _ready(lab, "idle", "client")
    got = lab.k("exec", "client", "--", "wget", "-T", "2", "-O", "-", "http://idle/", check=False)
    assert "Connection refused" in got.stderr
