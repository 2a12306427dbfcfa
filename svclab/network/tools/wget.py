"""busybox 1.36 wget (networking/wget.c, libbb/xconnect.c, libbb/progress.c), HTTP only."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from svclab.network import messages
from svclab.network.podenv import ConnectionRefused, ConnectTimeout, FSError, HttpResponse, NotHttp
from svclab.network.tools.base import Invocation
from svclab.network.tools.resolv import getaddrinfo

WGET_USAGE = ("Usage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n"
              "\t[--post-data STR | --post-file FILE] [-Y on/off]\n"
              "\t[--no-check-certificate] [-P DIR] [-U AGENT] [-T SEC] URL...\n\n"
              "Retrieve files via HTTP or FTP\n\n"
              "\t--spider\tOnly check URL existence: $? is 0 if exists\n"
              "\t--header STR\tAdd STR (of form 'header: value') to headers\n"
              "\t--post-data STR\tSend STR using POST method\n"
              "\t--post-file FILE\tSend FILE using POST method\n"
              "\t--no-check-certificate\tDon't validate the server's certificate\n"
              "\t-c\t\tContinue retrieval of aborted transfer\n"
              "\t-q\t\tQuiet\n"
              "\t-P DIR\t\tSave to DIR (default .)\n"
              "\t-S    \t\tShow server response\n"
              "\t-T SEC\t\tNetwork read timeout is SEC seconds\n"
              "\t-O FILE\t\tSave to FILE ('-' for stdout)\n"
              "\t-o LOGFILE\tLog messages to FILE\n"
              "\t-U STR\t\tUse STR for User-Agent header\n"
              "\t-Y on/off\tUse proxy")


@dataclass
class Url:
    """parse_url(): ``host`` keeps any ":port" (wget prints and sends it that way)."""

    scheme: str
    host: str
    port: int
    path: str   # without the leading "/"

    @property
    def hostname(self) -> str:
        h = self.host
        if h.startswith("["):
            return h[1:h.index("]")] if "]" in h else h[1:]
        return h.rsplit(":", 1)[0] if h.count(":") == 1 else h


def parse_url(src: str) -> Url | str:
    """Split an URL like busybox parse_url(); returns an error text for unsupported schemes."""
    scheme, sep, rest = src.partition("://")
    if not sep:
        scheme, rest = "http", src
    elif scheme not in ("http", "https"):
        return messages.WGET_NOT_HTTP.format(url=src)
    port = 443 if scheme == "https" else 80
    cut = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=-1)
    if cut < 0:
        host, path = rest, ""
    elif rest[cut] == "/":
        host, path = rest[:cut], rest[cut + 1:]
    else:
        host, path = rest[:cut], rest[cut + 1:]
    host = host.rsplit("@", 1)[-1]
    if host.startswith("["):
        spec = host.rsplit("]", 1)[-1]
        portspec = spec[1:] if spec.startswith(":") else ""
    else:
        portspec = host.rsplit(":", 1)[1] if host.count(":") == 1 else ""
    if portspec.isdigit():
        port = int(portspec)
    return Url(scheme, host, port, path)


def smart_ulltoa5(n: int) -> str:
    """libbb smart_ulltoa5(): a number in 5 columns, scaled by 1024 with a k/M/G suffix."""
    if n < 100000:
        return f"{n:5d}"
    for suffix in "kMGTPEZY":
        frac, n = n % 1024, n // 1024
        if n < 10:
            return f"{n}.{frac * 10 // 1024}{suffix}".rjust(5)
        if n < 10000:
            return f"{n:4d}{suffix}"
    return f"{n:4d}Y"


def progress_line(curfile: str, total: int) -> str:
    """bb_progress_update() on a non-tty stderr, as printed once at the end of a transfer."""
    line = f"{curfile:<20.20} "
    if total:
        line += f"{100:3d}% |{'*' * 32}| "       # get_terminal_width() is 80 off a tty: bar of 32
    line += smart_ulltoa5(total)
    line += "  0:00:00 ETA" if total else " --:--:-- ETA"
    return line + "\n"


def _parse_opts(args: list[str]) -> tuple[dict[str, str | bool], list[str], list[str]] | None:
    """getopt32 on "cqSO:o:P:Y:U:T:+t:n::" plus wget's long options."""
    opts: dict[str, str | bool] = {}
    headers: list[str] = []
    urls: list[str] = []
    with_arg = {"O", "o", "P", "Y", "U", "T", "t"}
    longs = {"continue": "c", "quiet": "q", "server-response": "S", "output-document": "O",
             "output-file": "o", "directory-prefix": "P", "proxy": "Y", "user-agent": "U",
             "timeout": "T", "tries": "t", "header": "header", "post-data": "post-data",
             "spider": "spider", "no-check-certificate": "nocheck", "post-file": "post-file",
             "passive-ftp": "", "no-cache": "", "no-verbose": "", "no-clobber": "",
             "no-host-directories": "", "no-parent": ""}
    long_with_arg = {"O", "o", "P", "Y", "U", "T", "t", "header", "post-data", "post-file"}
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a == "--":
            urls.extend(args[i:])
            break
        if a.startswith("--"):
            name, eq, val = a[2:].partition("=")
            key = longs.get(name)
            if key is None:
                return None
            if key in long_with_arg:
                if not eq:
                    if i >= len(args):
                        return None
                    val = args[i]
                    i += 1
                if key == "header":
                    headers.append(val)
                else:
                    opts[key] = val
            elif key:
                opts[key] = True
            continue
        if a.startswith("-") and len(a) > 1:
            j = 1
            while j < len(a):
                c = a[j]
                if c in with_arg:
                    val = a[j + 1:]
                    if not val:
                        if i >= len(args):
                            return None
                        val = args[i]
                        i += 1
                    opts[c] = val
                    break
                if c == "n":
                    break
                if c not in "cqS":
                    return None
                opts[c] = True
                j += 1
            continue
        urls.append(a)
    return opts, headers, urls


async def wget(inv: Invocation) -> int:
    """wget_main() + download_one_url() for plain HTTP."""
    parsed = _parse_opts(inv.args)
    if parsed is None or not parsed[2]:
        return inv.usage(WGET_USAGE)
    opts, extra_headers, urls = parsed
    quiet = bool(opts.get("q"))
    timeout_s = int(str(opts["T"])) if str(opts.get("T", "")).isdigit() else 900
    agent = str(opts.get("U", "Wget"))
    fname_opt = opts.get("O")
    for src in urls:
        code = await _download(inv, src, quiet, timeout_s, agent, extra_headers,
                               str(fname_opt) if fname_opt is not None else None, opts)
        if code:
            return code
    return 0


async def _download(inv: Invocation, src: str, quiet: bool, timeout_s: int, agent: str,
                    extra_headers: list[str], fname_opt: str | None, opts: dict[str, str | bool]) -> int:
    url = parse_url(src)
    if isinstance(url, str):
        inv.errln(url)
        return 1
    to_stdout = fname_opt == "-"
    if fname_opt is None:
        fname = posixpath.basename(url.path.split("?")[0].split("#")[0]) or "index.html"
        if opts.get("P"):
            fname = posixpath.join(str(opts["P"]), fname)
    else:
        fname = fname_opt
    # wget_main(): without -O, busybox opens the output with O_EXCL: it never overwrites.
    if not to_stdout and fname_opt is None and inv.env.fs.exists(posixpath.join(inv.cwd, fname)):
        inv.errln(messages.WGET_CANT_OPEN_OUT.format(path=fname, err="File exists"))
        return 1
    for _redirect in range(16):
        found = await getaddrinfo(inv.env, url.hostname)
        if not found.addresses:
            inv.errln(messages.WGET_BAD_ADDRESS.format(host=url.host))
            return 1
        ip = found.addresses[0]
        dotted = f"[{ip}]:{url.port}" if ":" in ip else f"{ip}:{url.port}"
        if not quiet:
            inv.errln(messages.WGET_CONNECTING.format(host=url.host, addr=dotted))
        headers = {"Host": url.host, "User-Agent": agent, "Connection": "close"}
        for h in extra_headers:
            name, _, value = h.partition(":")
            headers[name.strip()] = value.strip()
        method = "POST" if opts.get("post-data") is not None else "GET"
        try:
            resp = await inv.env.http_request(ip, url.port, method, "/" + url.path, headers)
        except ConnectionRefused:
            inv.errln(messages.WGET_CANT_CONNECT.format(ip=ip, err=messages.ECONNREFUSED))
            return 1
        except NotHttp as other:
            inv.errln(_not_http(other.greeting))
            return 1
        except ConnectTimeout:
            # The -T alarm fires first when it is shorter than the kernel's SYN give-up time.
            if timeout_s < messages.KERNEL_CONNECT_TIMEOUT:
                await inv.env.sleep(timeout_s)
                inv.errln(messages.WGET_TIMED_OUT)
            else:
                await inv.env.sleep(messages.KERNEL_CONNECT_TIMEOUT)
                inv.errln(messages.WGET_CANT_CONNECT.format(ip=ip, err=messages.ETIMEDOUT))
            return 1
        status_line = f"HTTP/1.1 {resp.status} {resp.reason}".rstrip()
        if opts.get("S"):
            inv.err(f"  {status_line}\n" + "".join(f"  {k}: {v}\n" for k, v in resp.headers.items()))
        if resp.status in (300, 301, 302, 303, 307, 308):
            location = _header(resp, "location")
            if location is None:
                break
            if location.startswith("/"):
                url = Url(url.scheme, url.host, url.port, location[1:])
                continue
            nxt = parse_url(location)
            if isinstance(nxt, str):
                inv.errln(nxt)
                return 1
            url = nxt
            continue
        if not 200 <= resp.status <= 204:
            inv.errln(messages.WGET_SERVER_ERROR.format(status_line=status_line))
            return 1
        break
    else:
        inv.errln("wget: too many redirections")
        return 1
    if opts.get("spider"):
        if not quiet:
            inv.errln("remote file exists")
        return 0
    return _save(inv, resp, fname, to_stdout, quiet)


def _sanitized(line: bytes) -> str:
    """fgets_trim_sanitize(): the line up to its first control character (a tab becomes a space)."""
    out = bytearray()
    for b in line:
        if b < 0x20 and b != 0x09:
            break
        out.append(0x20 if b == 0x09 else b)
    return out.decode("latin-1")


def _not_http(greeting: bytes) -> str:
    """What busybox wget makes of a server that does not speak HTTP (wget.c read_response): the first
    line has no status (atoi gives 0), so it reads "headers" until an empty line; the first that is
    not `name: value` ends it with "bad header line"."""
    lines = greeting.split(b"\n")
    for raw in lines[1:]:
        text = _sanitized(raw)
        if not text:
            return "wget: error getting response"
        name = 0
        while name < len(text) and (text[name].isalnum() or text[name] in "-._"):
            name += 1
        if name >= len(text) or text[name] != ":":
            return f"wget: bad header line: {text}"
    return "wget: error getting response"


def _header(resp: HttpResponse, name: str) -> str | None:
    for k, v in resp.headers.items():
        if k.lower() == name:
            return v
    return None


def _save(inv: Invocation, resp: HttpResponse, fname: str, to_stdout: bool, quiet: bool) -> int:
    """retrieve_file_data(): messages, one progress line, the body to stdout or a file."""
    if not to_stdout:
        try:
            inv.env.fs.write(posixpath.join(inv.cwd, fname), b"")
        except FSError as e:
            inv.errln(messages.WGET_CANT_OPEN_OUT.format(path=fname, err=e.strerror))
            return 1
    if not quiet:
        inv.errln("writing to stdout" if to_stdout else f"saving to '{fname}'")
        inv.err(progress_line(posixpath.basename(fname) or fname, len(resp.body)))
    if to_stdout:
        inv.out(resp.body)
    else:
        try:
            inv.env.fs.write(posixpath.join(inv.cwd, fname), resp.body)
        except FSError as e:   # retrieve_file_data(): xwrite() dies with "write error"
            inv.errln(messages.WRITE_ERROR.format(applet="wget", err=e.strerror))
            return 1
    if not quiet:
        inv.errln("written to stdout" if to_stdout else f"'{fname}' saved")
    return 0
