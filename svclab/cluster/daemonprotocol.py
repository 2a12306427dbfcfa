"""What `svclab up` (svclab.cluster.control) and its daemon (svclab.cluster.daemon) tell each other: the line
the daemon writes on its --ready-fd once it serves, and its exit codes. Apart from both, so that the command
reads them without importing the daemon (asyncio and all)."""

from __future__ import annotations

READY = b"ready\n"  # written on --ready-fd once the API and DNS serve; the descriptor is closed after it
EXIT_UNREADABLE = 3  # the state directory's state cannot be read; nothing was changed
EXIT_BUSY = 75  # another process serves the state directory (EX_TEMPFAIL)


def host_ports_setting() -> str:
    """The daemon's host ports (svclab.dataplane.hostports): $SVCLAB_HOST_PORTS, kind's mappings when unset. `svclab up`
    reads it as its daemon will, to hand over the mappings that setting needs (svclab.cluster.handover)."""
    import os

    return os.environ.get("SVCLAB_HOST_PORTS", "kind")
