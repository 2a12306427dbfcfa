"""The commands an emulated pod can run, by name, and which image has which."""

from __future__ import annotations

import importlib

from svclab.network.tools import usages
from svclab.network.tools.base import Invocation, Tool
from svclab.network.tools.image import (BUSYBOX_BIN, busybox_files, multicall, not_emulated, program_files,
                                        with_help)


def _later(module: str, name: str) -> Tool:
    """The tool `name` of `svclab.network.tools.<module>`, imported when first run: no applet costs anything
    at cluster start (`svclab up`; tests/test_imports.py), and those a lesson rarely uses (awk, sed, ip, ...)
    never load at all."""
    loaded: list[Tool] = []

    async def tool(invocation: Invocation) -> int:
        if not loaded:
            loaded.append(getattr(importlib.import_module(f"svclab.network.tools.{module}"), name))
        return await loaded[0](invocation)

    tool.__name__ = tool.__qualname__ = name
    return tool


getent = _later("getent", "getent")
ping, nc, ip = _later("ping", "ping"), _later("nc", "nc"), _later("iproute", "ip")
ps, uptime = _later("procps", "ps"), _later("procps", "uptime")
tr, cut, sed, awk, gzip = _later("tr", "tr"), _later("cut", "cut"), _later("sed", "sed"), _later("awk", "awk"), _later("gzip", "gzip")

# busybox applets svclab emulates (as installed in busybox:1.36.1; all live in /bin).
EMULATED: dict[str, Tool] = {
    "nslookup": _later("nslookup", "nslookup"),
    "wget": _later("wget", "wget"),
    "hostname": _later("misc", "hostname"),
    "cat": _later("fileutils", "cat"),
    "touch": _later("fileutils", "touch"),
    "rm": _later("fileutils", "rm"),
    "ls": _later("fileutils", "ls"),
    "mkdir": _later("fileutils", "mkdir"),
    "echo": _later("textutils", "echo"),
    "printf": _later("textutils", "printf"),
    "seq": _later("textutils", "seq"),
    "sort": _later("textutils", "sort"),
    "uniq": _later("textutils", "uniq"),
    "wc": _later("textutils", "wc"),
    "head": _later("textutils", "head"),
    "tail": _later("textutils", "tail"),
    "grep": _later("textutils", "grep"),
    "sleep": _later("misc", "sleep"),
    "env": _later("shellutils", "env"),
    "printenv": _later("shellutils", "printenv"),
    "which": _later("shellutils", "which"),
    "clear": _later("shellutils", "clear"),
    "yes": _later("shellutils", "yes"),
    "true": _later("misc", "true"),
    "false": _later("misc", "false"),
    "test": _later("misc", "test"),
    "[": _later("misc", "test"),
    "[[": _later("misc", "test"),
    "date": _later("misc", "date"),
    "ping": ping,
    "nc": nc,
    "ip": ip,
    "ipaddr": ip,
    "iplink": ip,
    "iproute": ip,
    "ipneigh": ip,
    "iprule": ip,
    "iptunnel": ip,
    "ps": ps,
    "uptime": uptime,
    "tr": tr,
    "cut": cut,
    "sed": sed,
    "awk": awk,
    "gzip": gzip,
    "gunzip": gzip,
    "zcat": gzip,
}
# ``APPLET --help``: the usage on stderr, exit 0 (show_usage_if_dash_dash_help()), for the applets
# whose usage svclab has.
for _name, _usage in {"ping": usages.PING_USAGE, "nc": usages.NC_USAGE, "ip": usages.IP_USAGE,
                      "ipaddr": usages.IPADDR_USAGE, "iplink": usages.IPLINK_USAGE, "iproute": usages.IPROUTE_USAGE,
                      "iprule": usages.IPRULE_USAGE, "ipneigh": usages.IPNEIGH_USAGE,
                      "iptunnel": usages.IPTUNNEL_USAGE, "ps": usages.PS_USAGE, "env": usages.ENV_USAGE,
                      "printenv": usages.PRINTENV_USAGE, "which": usages.WHICH_USAGE, "tr": usages.TR_USAGE,
                      "sed": usages.SED_USAGE, "awk": usages.AWK_USAGE, "cut": usages.CUT_USAGE,
                      "gzip": usages.GZIP_USAGE, "gunzip": usages.GUNZIP_USAGE, "zcat": usages.ZCAT_USAGE,
                      "uptime": usages.UPTIME_USAGE, "clear": usages.CLEAR_USAGE, "yes": usages.YES_USAGE}.items():
    EMULATED[_name] = with_help(EMULATED[_name], _usage)

# Every program of the busybox image: the emulated applets, the busybox binary, and the others
# (which answer that svclab does not emulate them; see tools/image.py).
BUSYBOX: dict[str, Tool] = {name: EMULATED.get(name, not_emulated) for name in BUSYBOX_BIN if name not in ("sh", "ash")}
BUSYBOX["busybox"] = EMULATED["busybox"] = multicall(BUSYBOX)
# Not in busybox: dig (bind-tools / dnsutils), curl (curlimages/curl), getent (libc-bin / musl-utils).
EXTRA: dict[str, Tool] = {
    "dig": _later("dig", "dig"),
    "curl": _later("curl", "curl"),
    "getent": getent,
}
ALL: dict[str, Tool] = {**BUSYBOX, **EXTRA}


def _repository(image: str) -> str:
    return image.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]


def tools_for_image(image: str) -> dict[str, Tool]:
    """The commands a container image provides (busybox images lack dig, curl and getent)."""
    repo = _repository(image)
    if repo == "busybox":
        return dict(BUSYBOX)
    if repo == "curl":
        return {**EMULATED, "curl": EXTRA["curl"]}
    return {**EMULATED, **EXTRA}


def image_files(image: str) -> dict[str, bytes]:
    """The programs an image installs, as files of the pod's filesystem (``ls /bin``, ``which``):
    the busybox image's real /bin; for the other images, the commands svclab gives them."""
    if _repository(image) == "busybox":
        return busybox_files()
    return program_files(sorted(tools_for_image(image)), set(EXTRA))


__all__ = ["ALL", "BUSYBOX", "EMULATED", "EXTRA", "Invocation", "Tool", "image_files", "tools_for_image"]
