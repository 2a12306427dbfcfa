"""URL paths to resources: /api/v1/... and /apis/<group>/<version>/..., namespaced or not."""

from __future__ import annotations

from dataclasses import dataclass

from svclab.resources import Resource, by_plural


@dataclass(frozen=True)
class Target:
    resource: Resource
    namespace: str | None  # None: all namespaces (or cluster-scoped)
    name: str | None
    subresource: str = ""


class NoRoute(Exception):
    """Not a resource path the server knows (404 like the real server)."""


def parse(path: str) -> tuple[str, str, list[str]]:
    """Split into (group, version, rest); raise NoRoute for non-API paths."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "api":
        return "", parts[1], parts[2:]
    if len(parts) >= 3 and parts[0] == "apis":
        return parts[1], parts[2], parts[3:]
    raise NoRoute(path)


def resolve(group: str, version: str, rest: list[str]) -> Target:
    def lookup(plural: str) -> Resource:
        res = by_plural(group, plural)
        if res is None or res.version != version:
            raise NoRoute(plural)
        return res

    if len(rest) >= 3 and rest[0] == "namespaces":
        candidate = by_plural(group, rest[2])
        if candidate is not None and candidate.namespaced and candidate.version == version:
            tail = rest[3:]
            if len(tail) > 2:
                raise NoRoute("/".join(rest))
            return Target(candidate, rest[1], tail[0] if tail else None, tail[1] if len(tail) > 1 else "")
    if not rest or len(rest) > 3:
        raise NoRoute("/".join(rest))
    res = lookup(rest[0])
    name = rest[1] if len(rest) > 1 else None
    sub = rest[2] if len(rest) > 2 else ""
    if res.namespaced and name is not None:
        raise NoRoute("/".join(rest))
    if sub and sub not in res.subresources:
        raise NoRoute(sub)
    return Target(res, None, name, sub)
