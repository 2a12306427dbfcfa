"""YAML request bodies, decoded as the apiserver decodes them: sigs.k8s.io/yaml's YAMLToJSON over
go-yaml v2, then JSON. Errors read ``error converting YAML to JSON: yaml: ...``.

The bounds are go-yaml's (gopkg.in/yaml.v2 decode.go, since v2.2.8): an alias expands its anchor's
whole subtree again, so decoding counts every node it produces and refuses a document whose
expansions outgrow its own size, "document contains excessive aliasing": past 1000 decoded nodes and
100 aliased ones, at most 99% of the nodes may come from aliases while the document decodes to
400,000 nodes or fewer, scaling down to 10% at 4,000,000. A 3 KB "billion laughs" bomb is refused
after a few thousand nodes instead of growing to gigabytes. PyYAML composes an alias as a shared
reference to its anchor, so the count is made on the composed graph (each anchor's expanded size is
computed once) before anything is expanded; the result is then rebuilt as plain JSON data, which
gives every alias its own copy as go-yaml does.

What YAML 1.1 adds and JSON lacks is mapped as go-yaml v2 + YAMLToJSON map it: timestamps stay
strings, keys become strings, floats that are whole numbers decode as integers (json.Marshal writes
3.0 as 3), and +Inf/NaN cannot be written as JSON.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

import yaml

from svclab.apiserver.gojson import FloatLiteral
from svclab.validation import errors, messages as m
from svclab.validation.govalue import go_float

ALIAS_RATIO_RANGE_LOW = 400_000
ALIAS_RATIO_RANGE_HIGH = 4_000_000
MAX_DEPTH = 10_000  # go-yaml's max_flow_level / max nesting: "exceeded max depth of 10000"

_BASE: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Loader(_BASE):  # type: ignore[misc, valid-type]
    """Safe loading without YAML 1.1 timestamps (go-yaml v2 keeps them as strings for interface{})."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


def allowed_alias_ratio(decode_count: int) -> float:
    """go-yaml v2 allowedAliasRatio."""
    if decode_count <= ALIAS_RATIO_RANGE_LOW:
        return 0.99
    if decode_count >= ALIAS_RATIO_RANGE_HIGH:
        return 0.10
    return 0.99 - 0.89 * ((decode_count - ALIAS_RATIO_RANGE_LOW) / (ALIAS_RATIO_RANGE_HIGH - ALIAS_RATIO_RANGE_LOW))


class _AliasBudget:
    def __init__(self) -> None:
        self.decodes = 0
        self.aliases = 0
        self.sizes: dict[int, int] = {}
        self.open: set[int] = set()

    def _check(self) -> None:
        if self.aliases > 100 and self.decodes > 1000 and self.aliases / self.decodes > allowed_alias_ratio(self.decodes):
            raise _Refused(m.YAML_EXCESSIVE_ALIASING)

    def walk(self, node: yaml.Node, depth: int = 0) -> int:
        """The number of nodes ``node`` decodes to (each alias counts its anchor's subtree again)."""
        if id(node) in self.open:
            raise _Refused(m.YAML_ANCHOR_CONTAINS_ITSELF)
        if id(node) in self.sizes:  # seen before: this occurrence is an alias
            target = self.sizes[id(node)]
            self.decodes += 1 + target
            self.aliases += target
            self._check()
            return 1 + target
        if depth > MAX_DEPTH:
            raise _Refused(f"yaml: exceeded max depth of {MAX_DEPTH}")
        self.decodes += 1
        self.open.add(id(node))
        size = 1
        if isinstance(node, yaml.SequenceNode):
            size += sum(self.walk(child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            size += sum(self.walk(key, depth + 1) + self.walk(value, depth + 1) for key, value in node.value)
        self.open.discard(id(node))
        self.sizes[id(node)] = size
        self._check()
        return size


class _Refused(Exception):
    pass


def _key(value: Any) -> str:
    """A mapping key as YAMLToJSON writes it: strings as they are, other scalars formatted."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float(value)
    return str(value)


def _to_json(value: Any, depth: int = 0) -> Any:
    """Plain JSON data, every alias expanded into its own copy."""
    if depth > MAX_DEPTH:
        raise _Refused(f"yaml: exceeded max depth of {MAX_DEPTH}")
    if isinstance(value, dict):
        return {_key(k): _to_json(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_json(v, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        return {_key(k): None for k in value}
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        if math.isinf(value) or math.isnan(value):
            raise _Refused(m.JSON_UNSUPPORTED_VALUE.format(value=go_float(value)))
        if value.is_integer() and abs(value) < 1e21:
            return int(value)
        return FloatLiteral(value, go_float(value))
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


class YamlRefused(Exception):
    """The body is not YAML go-yaml decodes; the message is the error's text (``yaml: line 2: ...``)."""


def yaml_to_json(text: str) -> Any:
    """The first document of ``text`` as JSON data (None when there is none); YamlRefused otherwise."""
    loader = _Loader(text)
    try:
        if not loader.check_node():
            return None
        node = loader.get_node()
        _AliasBudget().walk(node)
        return _to_json(loader.construct_document(node))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlRefused(f"yaml: {where}{problem}") from None
    except _Refused as exc:
        raise YamlRefused(str(exc)) from None
    except RecursionError:
        raise YamlRefused(f"yaml: exceeded max depth of {MAX_DEPTH}") from None
    finally:
        loader.dispose()


def decode_yaml(text: str) -> Any:
    """A YAML request body as JSON data; a 400 ``error converting YAML to JSON: ...`` when it cannot be."""
    try:
        return yaml_to_json(text)
    except YamlRefused as exc:
        raise errors.bad_request(m.YAML_TO_JSON.format(error=str(exc))) from None
