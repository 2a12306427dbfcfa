"""curl 8 (curlimages/curl), the options a Service lesson uses: -s -S -f -o -i -I -H -L -m -w -X.

Exit codes and texts from lib/strerror.c and lib/connect.c; the progress meter (lib/progress.c)
is printed, simplified, when -s is absent.
"""

from __future__ import annotations

import time

from svclab.network import messages
from svclab.network.podenv import ConnectionRefused, ConnectTimeout, FSError, HttpResponse, NotHttp
from svclab.network.tools.base import Invocation
from svclab.network.tools.resolv import getaddrinfo
from svclab.network.tools.wget import Url, parse_url

SHORT_WITH_ARG = set("oHmwXAe")
SHORT_FLAGS = set("sSfiILvkO")
LONG = {"silent": "s", "show-error": "S", "fail": "f", "output": "o", "include": "i", "head": "I",
        "header": "H", "location": "L", "max-time": "m", "write-out": "w", "request": "X",
        "user-agent": "A", "verbose": "v", "insecure": "k", "connect-timeout": "connect-timeout",
        "referer": "e", "remote-name": "O"}
LONG_WITH_ARG = {"o", "H", "m", "w", "X", "A", "e", "connect-timeout"}
CURL_VERSION = "8.11.1"


def _parse(args: list[str]) -> tuple[dict[str, str | bool], list[str], list[str]] | str:
    opts: dict[str, str | bool] = {}
    headers: list[str] = []
    urls: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a.startswith("--") and len(a) > 2:
            name, eq, val = a[2:].partition("=")
            key = LONG.get(name)
            if key is None:
                return f"curl: option {a}: is unknown"
            if key in LONG_WITH_ARG:
                if not eq:
                    if i >= len(args):
                        return f"curl: option {a}: requires parameter"
                    val = args[i]
                    i += 1
                if key == "H":
                    headers.append(val)
                else:
                    opts[key] = val
            else:
                opts[key] = True
        elif a.startswith("-") and len(a) > 1:
            j = 1
            while j < len(a):
                c = a[j]
                if c in SHORT_WITH_ARG:
                    val = a[j + 1:]
                    if not val:
                        if i >= len(args):
                            return f"curl: option -{c}: requires parameter"
                        val = args[i]
                        i += 1
                    if c == "H":
                        headers.append(val)
                    else:
                        opts[c] = val
                    break
                if c not in SHORT_FLAGS:
                    return f"curl: option -{c}: is unknown"
                opts[c] = True
                j += 1
        else:
            urls.append(a)
    return opts, headers, urls


def _write_out(fmt: str, resp: HttpResponse | None, ip: str, ms: int) -> str:
    """-w: the variables a lesson uses, and curl's \\n escapes."""
    values = {"http_code": f"{resp.status:03d}" if resp else "000", "response_code": f"{resp.status:03d}" if resp else "000",
              "remote_ip": ip, "size_download": str(len(resp.body)) if resp else "0",
              "time_total": f"{ms / 1000:.6f}"}
    out = fmt
    for k, v in values.items():
        out = out.replace("%{" + k + "}", v)
    return out.replace("\\n", "\n").replace("\\t", "\t")


def _meter(size: int) -> str:
    """The last progress-meter row (lib/progress.c), on a non-tty stderr."""
    pct = 100 if size else 0
    return (f"\r{pct:3d} {size:5d} {pct:4d} {size:5d}    0     0 {size * 10:6d}      0 "
            f"--:--:-- --:--:-- --:--:-- {size * 10:5d}\n")


async def curl(inv: Invocation) -> int:
    """tool_operate() for one or more http:// URLs."""
    parsed = _parse(inv.args)
    if isinstance(parsed, str):
        inv.errln(parsed + "\ncurl: try 'curl --help' or 'curl --manual' for more information")
        return 2
    opts, headers, urls = parsed
    if not urls:
        inv.errln(messages.CURL_NO_URL)
        return 2
    code = 0
    for src in urls:
        code = await _one(inv, src, opts, headers)
    return code


async def _one(inv: Invocation, src: str, opts: dict[str, str | bool], extra: list[str]) -> int:
    silent = bool(opts.get("s"))
    show_error = not silent or bool(opts.get("S"))
    meter = not silent and not opts.get("v")
    if meter:
        inv.err(messages.CURL_PROGRESS_HEAD)

    def fail(code: int, text: str) -> int:
        if meter:
            inv.err(_meter(0))
        if show_error:
            inv.errln(text)
        if opts.get("w"):
            inv.out(_write_out(str(opts["w"]), None, "", 0))
        return code

    url = parse_url(src)
    if isinstance(url, str):
        scheme = src.split("://", 1)[0]
        return fail(1, f'curl: (1) Protocol "{scheme}" not supported')
    start = time.monotonic()
    found = await getaddrinfo(inv.env, url.hostname)
    if not found.addresses:
        return fail(6, messages.CURL_COULDNT_RESOLVE.format(host=url.hostname))
    ip = found.addresses[0]
    method = str(opts.get("X") or ("HEAD" if opts.get("I") else "GET"))
    bare = f"[{url.hostname}]" if ":" in url.hostname else url.hostname
    host_hdr = bare if url.port == (443 if url.scheme == "https" else 80) else f"{bare}:{url.port}"
    headers = {"Host": host_hdr, "User-Agent": str(opts.get("A", f"curl/{CURL_VERSION}")), "Accept": "*/*"}
    for h in extra:
        name, _, value = h.partition(":")
        headers[name.strip()] = value.strip()
    resp: HttpResponse | None = None
    for _hop in range(51):
        try:
            resp = await inv.env.http_request(ip, url.port, method, "/" + url.path, headers)
        except ConnectionRefused:
            ms = int((time.monotonic() - start) * 1000)
            return fail(7, messages.CURL_COULDNT_CONNECT.format(host=url.hostname, port=url.port, ms=ms))
        except NotHttp:
            return fail(1, "curl: (1) Received HTTP/0.9 when not allowed")
        except ConnectTimeout:
            limit = _timeout(opts)
            await inv.env.sleep(limit)
            return fail(28, messages.CURL_TIMEOUT.format(host=url.hostname, port=url.port, ms=int(limit * 1000)))
        location = next((v for k, v in resp.headers.items() if k.lower() == "location"), None)
        if opts.get("L") and resp.status in (301, 302, 303, 307, 308) and location:
            nxt = parse_url(location) if "://" in location else Url(url.scheme, url.host, url.port, location.lstrip("/"))
            if isinstance(nxt, str):
                break
            url = nxt
            found = await getaddrinfo(inv.env, url.hostname)
            if not found.addresses:
                return fail(6, messages.CURL_COULDNT_RESOLVE.format(host=url.hostname))
            ip = found.addresses[0]
            headers["Host"] = url.host
            continue
        break
    assert resp is not None
    ms = int((time.monotonic() - start) * 1000)
    if opts.get("f") and resp.status >= 400:
        return fail(22, messages.CURL_HTTP_ERROR.format(status=resp.status))
    data = b""
    if opts.get("i") or opts.get("I"):
        head = f"HTTP/1.1 {resp.status} {resp.reason}".rstrip() + "\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in resp.headers.items()) + "\r\n"
        data += head.encode()
    if not opts.get("I"):
        data += resp.body
    if opts.get("o") and opts["o"] != "-":
        try:
            inv.env.fs.write(inv.env.fs.norm(str(opts["o"]), inv.cwd), data)
        except FSError:
            if meter:
                inv.err(_meter(0))
            if show_error:
                inv.errln(f"curl: (23) Failure writing output to destination, passed {len(data)} returned 0")
            return 23
    else:
        inv.out(data)
    if meter:
        inv.err(_meter(len(resp.body)))
    if opts.get("w"):
        inv.out(_write_out(str(opts["w"]), resp, ip, ms))
    return 0


def _timeout(opts: dict[str, str | bool]) -> float:
    """--connect-timeout or -m, else curl's 300 s default cut short by the kernel's SYN limit."""
    for key in ("connect-timeout", "m"):
        val = opts.get(key)
        if isinstance(val, str):
            try:
                return min(float(val), messages.KERNEL_CONNECT_TIMEOUT)
            except ValueError:
                pass
    return messages.KERNEL_CONNECT_TIMEOUT
