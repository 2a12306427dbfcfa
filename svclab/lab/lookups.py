"""DNS and HTTP queries made from inside a pod, with the raw text kept (to show) and parsed
records (to assert on and tabulate)."""

from __future__ import annotations

import re
import shlex
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from svclab.lab.execution import ExecOutput

_NAME = re.compile(r"^Name:\s+(\S+)$")
_ADDRESS = re.compile(r"^Address:\s+(\S+)$")
_MISS = re.compile(r"^\*\* server can't find (\S+): (\S+)$")
_NO_ANSWER = re.compile(r"^\*\*\* Can't find (\S+): No answer$")


@dataclass(frozen=True)
class Lookup:
    """One `nslookup` run: what it printed, and what it found."""

    query: str
    output: ExecOutput
    records: pd.DataFrame
    misses: list[tuple[str, str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return str(self.output)

    @property
    def addresses(self) -> list[str]:
        return list(dict.fromkeys(self.records["address"])) if len(self.records) else []

    @property
    def ok(self) -> bool:
        return bool(len(self.records))

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:
        printer.text(self.text)  # type: ignore[attr-defined]


def parse_nslookup(query: str, output: ExecOutput) -> Lookup:
    """Parse busybox nslookup: the header's Server/Address, then Name/Address pairs and '** server can't find' lines."""
    rows, misses = [], []
    lines = output.stdout.splitlines()
    body = lines[3:] if len(lines) >= 2 and lines[0].startswith("Server:") else lines
    name = ""
    for line in body:
        if match := _NAME.match(line):
            name = match.group(1)
        elif (match := _ADDRESS.match(line)) and name:
            address = match.group(1)
            rows.append({"name": name, "type": "AAAA" if ":" in address else "A", "address": address})
        elif match := _MISS.match(line):
            misses.append((match.group(1), match.group(2)))
        elif match := _NO_ANSWER.match(line):
            misses.append((match.group(1), "No answer"))
    return Lookup(query, output, pd.DataFrame(rows, columns=["name", "type", "address"]), misses)


def backend_loop(url: str, count: int) -> list[str]:
    """One shell loop fetching the URL `count` times, one line per answer (the seed articles' test loop)."""
    script = f"for i in $(seq {int(count)}); do wget -qO- {shlex.quote(url)} || echo FAILED; echo; done"
    return ["sh", "-c", script]


def tally(output: ExecOutput) -> pd.Series:
    """Which pod answered each request, counted."""
    answers = [line.strip() for line in output.stdout.splitlines() if line.strip()]
    counts = Counter(answers)
    series = pd.Series(dict(sorted(counts.items())), name="requests", dtype="int64")
    series.index.name = "pod"
    return series
