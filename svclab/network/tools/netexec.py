"""The HTTP app emulated pods serve: agnhost ``netexec`` (test/images/agnhost/netexec/netexec.go).

Go's ServeMux sends every unregistered path to the "/" handler, which answers "NOW: <time>";
there is no 404. The endpoints that act on the process or run commands (/dial, /exit, /shell,
/shutdown, /upload) are not emulated and answer 501.
"""

from __future__ import annotations

import random
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

from svclab.network.podenv import HttpResponse

NOT_EMULATED = ("/dial", "/exit", "/shell", "/shutdown", "/upload")
REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 303: "See Other", 307: "Temporary Redirect",
           308: "Permanent Redirect", 400: "Bad Request", 404: "Not Found", 412: "Precondition Failed",
           417: "Expectation Failed", 500: "Internal Server Error", 501: "Not Implemented"}


def go_time(now: datetime, uptime: float) -> str:
    """time.Time's %v: "2006-01-02 15:04:05.999999999 +0000 UTC m=+0.000000001"."""
    utc = now.astimezone(timezone.utc)
    return f"{utc:%Y-%m-%d %H:%M:%S}.{utc.microsecond * 1000:09d} +0000 UTC m=+{uptime:.9f}"


def reply(status: int, body: str, now: datetime, extra: dict[str, str] | None = None) -> HttpResponse:
    """A net/http response: Date and Content-Length always, a text Content-Type when there is a body."""
    from email.utils import format_datetime   # with the first answer, not at the cluster's start (~2 ms)

    data = body.encode()
    headers = {"Date": format_datetime(now.astimezone(timezone.utc), usegmt=True), "Content-Length": str(len(data))}
    if data:
        headers["Content-Type"] = "text/plain; charset=utf-8"
    headers.update(extra or {})
    return HttpResponse(status=status, reason=REASONS.get(status, ""), headers=headers, body=data)


async def netexec(pod_name: str, client_ip: str, method: str, path: str, *, client_port: int | None = None,
                  now: datetime | None = None, uptime: float = 0.0, ready: bool = True) -> HttpResponse:
    """Answer one request the way ``agnhost netexec`` running in pod ``pod_name`` would."""
    now = now or datetime.now(timezone.utc)
    parts = urlsplit(path if path.startswith("/") else "/" + path)
    route, query = parts.path, parse_qs(parts.query)
    if route in ("/hostname", "/hostName"):
        return reply(200, pod_name, now)
    if route == "/clientip":
        port = client_port if client_port is not None else random.randint(32768, 60999)
        return reply(200, f"{client_ip}:{port}", now)
    if route == "/healthz":
        return reply(200 if ready else 412, "", now)
    if route == "/echo":
        msg = query.get("msg", [""])[0]
        code = query.get("code", [""])[0]
        if code and not code.lstrip("-").isdigit():
            return reply(200, f"argument 'code' must be an integer or empty, got \"{code}\"\n", now)
        return reply(int(code) if code else 200, msg, now)
    if route == "/redirect":
        location = query.get("location", [""])[0]
        code = query.get("code", ["302"])[0]
        status = int(code) if code.isdigit() else 302
        return reply(status, "", now, {"Location": location})
    if route in NOT_EMULATED:
        return reply(501, f"{route} is not emulated by svclab\n", now)
    return reply(200, f"NOW: {go_time(now, uptime)}", now)


async def serve_hostname(pod_name: str) -> HttpResponse:
    """``agnhost serve-hostname``: every path answers the hostname."""
    return reply(200, pod_name, datetime.now(timezone.utc))
