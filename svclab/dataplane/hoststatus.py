"""What the embedded cluster's host ports (kind's extraPortMappings) did at its last start, as
`svclab up` prints it: ``hostports.json`` in the state directory, written by svclab.dataplane.hostports.

Apart from the host-port servers so that printing it costs `svclab up` no asyncio or proxier imports."""

from __future__ import annotations

import json
from pathlib import Path

STATUS_FILE = "hostports.json"


def status_lines(state_dir: Path) -> list[str]:
    """What the last start of the cluster in ``state_dir`` mapped, one line per mapping."""
    try:
        entries = json.loads((state_dir / STATUS_FILE).read_text())
    except (OSError, ValueError):
        return []
    return [("host port: " if entry.get("ok") else "warning: ") + str(entry.get("message", "")) for entry in entries if isinstance(entry, dict)]
