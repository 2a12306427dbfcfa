"""The shape every printer shares: its columns and a function from one object to one row.

The apiserver's TableConvertor always prints with GenerateOptions{Wide: true}, so rows carry the
priority-1 cells too; kubectl hides those columns unless asked for `-o wide`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from .columns import Column


@dataclass(frozen=True)
class Row:
    """A metav1.TableRow before its object is attached."""

    cells: list[Any]
    conditions: list[dict[str, Any]] = field(default_factory=list)


PrintFunc = Callable[[dict[str, Any], datetime], Row]


@dataclass(frozen=True)
class Printer:
    """A registered table handler: column definitions plus the row function."""

    columns: tuple[Column, ...]
    print_row: PrintFunc


def meta(obj: dict[str, Any]) -> dict[str, Any]:
    return obj.get("metadata") or {}


def name_of(obj: dict[str, Any]) -> str:
    return str(meta(obj).get("name") or "")


def sub(obj: dict[str, Any] | None, *path: str) -> Any:
    """obj[path0][path1]... with missing or null steps giving None."""
    cur: Any = obj
    for key in path:
        if not isinstance(cur, dict):
            return None
        cur = cur.get(key)
    return cur


def layout_container_cells(containers: list[dict[str, Any]] | None) -> tuple[str, str]:
    """layoutContainerCells: names and images, comma separated."""
    items = containers or []
    return ",".join(str(c.get("name") or "") for c in items), ",".join(str(c.get("image") or "") for c in items)
