"""Wait for pods to be Ready, with a progress bar a learner can watch."""

from __future__ import annotations

import sys
import time

from tqdm import tqdm

from svclab.lab.errors import WaitTimeout
from svclab.lab.session import Session
from svclab.lab.tables import is_ready


class Backoff:
    """Pauses between two looks at the cluster: FIRST seconds, doubling up to `longest`, so a state reached at
    once is seen within milliseconds and a long wait costs a few requests a second."""

    FIRST = 0.01

    def __init__(self, longest: float = 0.25) -> None:
        self.longest = longest
        self.next = min(self.FIRST, longest)

    def sleep(self) -> None:
        time.sleep(self.next)
        self.next = min(self.next * 2, self.longest)


def wait_ready(session: Session, selector: str, count: int | None = None, namespace: str | None = None, timeout: float = 120, poll: float = 0.25) -> int:
    """Block until `count` pods (or every matching pod) are Ready; returns how many are."""
    ns = namespace or session.namespace
    deadline = time.monotonic() + timeout
    pause = Backoff(poll)
    bar: tqdm | None = None
    try:
        while True:
            pods = [p for p in session.core.list_namespaced_pod(ns, label_selector=selector).items if p.metadata.deletion_timestamp is None]
            want = count if count is not None else len(pods)
            ready = sum(1 for p in pods if is_ready(p))
            if want and ready >= want:
                if bar is not None:
                    bar.n = want
                    bar.refresh()
                return ready
            if bar is None:
                bar = tqdm(total=max(want, 1), desc=f"pods {selector} ready", file=sys.stdout, bar_format="{desc}: {n}/{total} |{bar:20}|", leave=True)
            bar.total, bar.n = max(want, 1), ready
            bar.refresh()
            if time.monotonic() > deadline:
                raise WaitTimeout(f"{ready} of {want} pods matching {selector} are Ready after {timeout:.0f}s")
            pause.sleep()
    finally:
        if bar is not None:
            bar.close()
