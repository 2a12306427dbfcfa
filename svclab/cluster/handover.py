"""What `svclab up` hands the daemon of a new state directory on a pipe (``--certs-fd``) while the daemon imports the
cluster, so that neither cryptography nor PyYAML is on the daemon's path to serving:

1. the cluster's CA and serving certificate (svclab.cluster.tls), one line of JSON, which the daemon waits for when
   its state directory has none;
2. the kind config's host-port mappings (svclab.dataplane.portmappings.handover), one line of JSON, sent only when
   host ports are mapped at all; the daemon takes them only when they were read from the same content of the same
   file it would read.

The writer may send fewer lines (nothing to send, or it failed): the daemon then makes or reads what is missing itself.
A restart (the state directory has its certificates) gets no helper and an empty pipe. The writer is a process of
`svclab up`'s own that ends once it has written (or failed), so a read waits for a line or the end of the pipe, as
the certificates were always waited for."""

from __future__ import annotations

import json
import os
from typing import Any

from svclab.cluster.tls import ServingCerts, make_certs

def send(fd: int, cluster_name: str, host_ports: str | None) -> None:
    """Make a new cluster's certificates and write them on `fd`, then the host-port mappings the setting needs; close
    it. Never raises for the mappings: the daemon reads the config itself when they do not come."""
    try:
        _write_line(fd, make_certs(cluster_name).to_json())
        from svclab.dataplane.portmappings import handover, wanted

        if wanted(host_ports):
            try:
                entry = handover(cluster_name)
            except Exception:  # noqa: BLE001 - a config the daemon will fail on in its own words, or not
                entry = None
            if entry is not None:
                _write_line(fd, json.dumps(entry))
    except OSError:   # the daemon is gone: it needs nothing more
        pass
    finally:
        os.close(fd)


def _write_line(fd: int, text: str) -> None:
    data = text.encode() + b"\n"
    while data:
        data = data[os.write(fd, data):]


class Received:
    """The daemon's end of the pipe (None: nothing is handed over), read a line at a time when needed."""

    def __init__(self, fd: int | None) -> None:
        self._fd = fd
        self._buffer = b""
        self._lines: list[bytes] = []

    def _line(self, index: int) -> bytes | None:
        while len(self._lines) <= index and self._fd is not None:
            try:
                chunk = os.read(self._fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                self.close()
                break
            self._buffer += chunk
            *complete, self._buffer = self._buffer.split(b"\n")
            self._lines += complete
        return self._lines[index] if index < len(self._lines) else None

    def certs(self) -> ServingCerts | None:
        """The certificates handed over (waiting for them); None when the writer sent nothing usable."""
        line = self._line(0)
        try:
            return ServingCerts.from_json(line.decode()) if line else None
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def host_ports(self) -> Any:
        """The host-port entry handed over (waiting for it), as decoded JSON; None when none came."""
        line = self._line(1)
        try:
            return json.loads(line) if line else None
        except ValueError:
            return None

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

