"""The commands an emulated pod can run, by name, and which image has which."""

from __future__ import annotations

from svclab.network.tools import curl, dig, fileutils, getent, misc, nslookup, textutils, wget
from svclab.network.tools.base import Invocation, Tool

# busybox applets (as installed in busybox:1.36.1; all live in /bin).
BUSYBOX: dict[str, Tool] = {
    "nslookup": nslookup.nslookup,
    "wget": wget.wget,
    "hostname": misc.hostname,
    "cat": fileutils.cat,
    "touch": fileutils.touch,
    "rm": fileutils.rm,
    "ls": fileutils.ls,
    "mkdir": fileutils.mkdir,
    "echo": textutils.echo,
    "printf": textutils.printf,
    "seq": textutils.seq,
    "sort": textutils.sort,
    "uniq": textutils.uniq,
    "wc": textutils.wc,
    "head": textutils.head,
    "tail": textutils.tail,
    "grep": textutils.grep,
    "sleep": misc.sleep,
    "env": misc.env,
    "true": misc.true,
    "false": misc.false,
    "test": misc.test,
    "[": misc.test,
    "date": misc.date,
}
# Not in busybox: dig (bind-tools / dnsutils), curl (curlimages/curl), getent (libc-bin / musl-utils).
EXTRA: dict[str, Tool] = {
    "dig": dig.dig,
    "curl": curl.curl,
    "getent": getent.getent,
}
ALL: dict[str, Tool] = {**BUSYBOX, **EXTRA}


def tools_for_image(image: str) -> dict[str, Tool]:
    """The commands a container image provides (busybox images lack dig, curl and getent)."""
    repo = image.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]
    if repo == "busybox":
        return dict(BUSYBOX)
    if repo == "curl":
        return {**BUSYBOX, "curl": curl.curl}
    return dict(ALL)


__all__ = ["ALL", "BUSYBOX", "EXTRA", "Invocation", "Tool", "tools_for_image"]
