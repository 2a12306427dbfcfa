"""When an edited Corefile takes effect: CoreDNS's `reload` plugin on the cluster's clock.

On kind the `coredns` ConfigMap is mounted at /etc/coredns; kubelet rewrites the file some time
after the ConfigMap changes (its sync period and ConfigMap cache, typically up to a minute), and
the reload plugin (plugin/reload/reload.go) looks at the file every INTERVAL+jitter (30 s with a
jitter drawn once in [-7.5 s, 7.5 s) for kind's bare `reload`). When the parsed file's SHA-512
differs it restarts the server with it; a file that fails is logged and the running
configuration stays, and the same file is not tried again.

svclab does the same on the cluster's clock, with the ConfigMap itself as the file (the kubelet
delay is not modelled, so an edit is seen at the first check after it). Checks are made lazily:
before each query every check that fell due since the last query runs, so a learner who edits
the ConfigMap and queries 40 seconds later sees exactly what a check at 30±7.5 s would have done.
Without `reload` in the running Corefile nothing is checked; the file is read again only when a
CoreDNS pod starts, as a restarted CoreDNS process reads it (`kubectl -n kube-system rollout
restart deployment coredns`).

The log lines are CoreDNS's (caddy.go Restart, plugin/reload), kept for `log_lines()`.
"""

from __future__ import annotations

import random
from collections import deque
from typing import Callable

from svclab.dns import corefile
from svclab.dns.caddyfile import CaddyfileError
from svclab.dns.config import Config
from svclab.dns.kindcorefile import KIND_COREFILE

COREDNS_VERSION = "1.13.1"
MAX_LOG_LINES = 2000


class CorefileState:
    """The running Config, the reload schedule, and CoreDNS's log."""

    def __init__(
        self,
        text: str | None,
        now: Callable[[], float],
        rng: random.Random | None = None,
        default: str = KIND_COREFILE,
        started: float | None = None,
    ) -> None:
        """`text` (None: `default`) loaded at `started` (default: now)."""
        self._now = now
        self._rng = rng or random.Random("svclab-dns-reload")
        self.log: deque[str] = deque(maxlen=MAX_LOG_LINES)
        self.generation = 0  # bumped on every successful (re)load
        self.default = default
        start = text if text is not None else default
        try:
            self.config = corefile.load(start)
        except CaddyfileError as err:
            # A CoreDNS pod with this file would exit and crash-loop; svclab keeps serving with kind's.
            self.log.append(f"[ERROR] {err}")
            self.log.append("[ERROR] svclab: the Corefile fails to load; serving with kind's default Corefile")
            self.config = corefile.load(default)
        for key in self.config.keys:
            self.log.append(key.removeprefix("dns://"))
        self._running_sha = self.config.sha512
        self._schedule(now() if started is None else started)
        if self.config.reload is not None:
            self.log.append(f"[INFO] plugin/reload: Running configuration SHA512 = {self._running_sha}")
        self.log.append(f"CoreDNS-{COREDNS_VERSION}")

    # ---- schedule --------------------------------------------------------------------------------
    def _schedule(self, start: float) -> None:
        """reload setup: the interval with its jitter, drawn once per configuration."""
        reload = self.config.reload
        if reload is None:
            self.next_check: float | None = None
            return
        jitter = reload.jitter
        drawn = self._rng.uniform(-jitter / 2, jitter / 2) if jitter > 0 else 0.0
        self.interval = reload.interval + drawn
        self.next_check = start + self.interval

    def due(self, now: float) -> bool:
        return self.next_check is not None and now >= self.next_check

    # ---- events ----------------------------------------------------------------------------------
    def tick(self, text: str | None) -> bool:
        """Run every check due by now against the file's current text; True when the config changed."""
        changed = False
        now = self._now()
        while self.next_check is not None and now >= self.next_check:
            at = self.next_check
            self.next_check = at + self.interval
            if self._check(text if text is not None else self.default, at):
                changed = True
        return changed

    def restart(self, text: str | None) -> bool:
        """A CoreDNS process started: it reads the file as it is now."""
        source = text if text is not None else self.default
        try:
            config = corefile.load(source)
        except CaddyfileError as err:
            self.log.append(f"[ERROR] {err}")
            self.log.append("[ERROR] svclab: a CoreDNS pod with this Corefile would not start; the running configuration stays")
            return False
        if config.sha512 == self.config.sha512 and config.corefile == self.config.corefile:
            return False
        self._apply(config, self._now())
        return True

    def _check(self, text: str, at: float) -> bool:
        """One tick of reload.go's loop."""
        try:
            sha = corefile.sha512(text)
        except CaddyfileError as err:
            self.log.append(f"[WARNING] plugin/reload: Corefile parse failed: {err}")
            return False
        if sha == self._running_sha:
            return False
        self._running_sha = sha  # "Let not try to restart with the same file, even though it is wrong."
        self.log.append("[INFO] Reloading")
        try:
            config = corefile.load(text)
        except CaddyfileError as err:
            self.log.append(f"[ERROR] Restart failed: {err}")
            self.log.append(
                f"[ERROR] plugin/reload: Corefile changed but reload failed: starting with listener file descriptors: {err}"
            )
            return False
        self._apply(config, at)
        self.log.append("[INFO] Reloading complete")
        return True

    def _apply(self, config: Config, at: float) -> None:
        self.config = config
        self._running_sha = config.sha512
        self.generation += 1
        self._schedule(at)
        if config.reload is not None:
            self.log.append(f"[INFO] plugin/reload: Running configuration SHA512 = {config.sha512}")
