"""List chunking: ``?limit=N`` and ``?continue=<token>``, as the apiserver's storage layer does it.

The token is the real one (k8s.io/apiserver pkg/storage/continue.go): base64url (no padding) of
``{"v":"meta.k8s.io/v1","rv":<revision>,"start":"<key after the last item>"}``, where the key is the
object's storage key relative to the list's prefix (``<name>`` within a namespace or for a cluster-scoped
kind, ``<namespace>/<name>`` across namespaces) followed by NUL. Every page of one list is read at the
revision of the first (a consistent snapshot, read from the revision log); once compaction has passed that
revision the continuation is answered ``410 Expired`` with an "inconsistent" token (rv -1) that carries on
at the newest revision (pkg/storage/etcd3/errors.go handleCompactedErrorForPaging). ``remainingItemCount``
is given only when no selector filters the list (etcd3 store GetList). Keys are ordered as etcd orders
them: bytewise.
"""

from __future__ import annotations

import base64
import json
import posixpath
from dataclasses import dataclass
from typing import Any, Iterable

from svclab.resources import Resource
from svclab.state.selectors import FieldRequirement, Requirement, fields_match, labels_match
from svclab.state.store import Store, TooOldResourceVersion
from svclab.validation import errors, messages

TOKEN_VERSION = "meta.k8s.io/v1"
MAX_TOKEN_LENGTH = 8192
_RAW_URL_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")  # a bound on what is decoded (names are at most 253 characters)


@dataclass(frozen=True)
class Continuation:
    start: str  # the first relative key to return
    revision: int  # > 0: the snapshot's revision; -1: the newest


def encode(start_key: str, revision: int) -> str:
    """EncodeContinue: the token that resumes at ``start_key`` (the last key returned, then NUL)."""
    body = json.dumps({"v": TOKEN_VERSION, "rv": revision, "start": start_key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def _invalid(detail: str) -> errors.ApiError:
    return errors.bad_request(messages.INVALID_CONTINUE_TOKEN.format(error=detail))


def decode(token: str, resource_version: str) -> Continuation:
    """DecodeContinue and ValidateListOptions: a 400 with the real text when the token is not one."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise _invalid(f"{messages.CONTINUE_GENERIC_INVALID}: token too long")
    bad = next((i for i, c in enumerate(token) if c not in _RAW_URL_ALPHABET), None)
    if bad is None and len(token) % 4 == 1:
        bad = len(token) - 1  # a lone trailing character cannot encode a byte
    if bad is not None:
        raise _invalid(f"{messages.CONTINUE_GENERIC_INVALID}: illegal base64 data at input byte {bad}")
    data = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    try:
        body = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _invalid(f"{messages.CONTINUE_GENERIC_INVALID}: invalid character looking for beginning of value") from None
    if not isinstance(body, dict):
        raise _invalid(f"{messages.CONTINUE_GENERIC_INVALID}: json: cannot unmarshal {type(body).__name__} into Go value of type storage.continueToken")
    version, revision, start = body.get("v", ""), body.get("rv", 0), body.get("start", "")
    if not isinstance(version, str) or not isinstance(start, str) or not isinstance(revision, int) or isinstance(revision, bool):
        raise _invalid(f"{messages.CONTINUE_GENERIC_INVALID}: json: cannot unmarshal into Go struct field of type storage.continueToken")
    if version != TOKEN_VERSION:
        raise _invalid(f"{messages.CONTINUE_UNRECOGNIZED_VERSION} {version}")
    if revision == 0:
        raise _invalid(messages.CONTINUE_INVALID_START_RV)
    if not start:
        raise _invalid(messages.CONTINUE_EMPTY_START_KEY)
    key = start if start.startswith("/") else "/" + start
    if posixpath.normpath(key) != key or key.startswith("//"):
        raise _invalid(f"{messages.CONTINUE_GENERIC_INVALID}: {start}")
    if resource_version not in ("", "0"):
        raise errors.bad_request(messages.CONTINUE_WITH_RESOURCE_VERSION)
    return Continuation(key[1:], revision)


def relative_key(obj: dict[str, Any], across_namespaces: bool) -> str:
    meta = obj["metadata"]
    return f"{meta.get('namespace', '')}/{meta['name']}" if across_namespaces else meta["name"]


@dataclass
class Page:
    items: list[dict[str, Any]]
    revision: int
    continue_token: str
    remaining: int | None


def paginate(candidates: Iterable[dict[str, Any]], across_namespaces: bool, start: str, limit: int, revision: int,
             selected: Any, count_remaining: bool) -> Page:
    """One page: the objects from ``start`` on (in key order) that ``selected`` keeps, at most ``limit``."""
    ordered = sorted(((relative_key(obj, across_namespaces), obj) for obj in candidates), key=lambda pair: pair[0].encode())
    items: list[dict[str, Any]] = []
    last_key = ""
    remaining = 0
    full = False
    for key, obj in ordered:
        if key.encode() < start.encode():
            continue
        if full:  # etcd's More: keys after the last one examined, matching or not
            remaining += 1
            continue
        if not selected(obj):
            continue
        items.append(obj)
        last_key = key
        if limit and len(items) >= limit:
            full = True
    token = encode(last_key + "\x00", revision) if remaining else ""
    return Page(items, revision, token, remaining if remaining and count_remaining else None)


def expired(start: str) -> errors.ApiError:
    """410 Expired for a continuation whose snapshot was compacted, carrying the inconsistent token."""
    err = errors.gone(messages.CONTINUE_INCONSISTENT)
    err.status["metadata"] = {"continue": encode(start, -1)}
    return err


def list_chunk(store: Store, res: Resource, namespace: str | None, labels: list[Requirement], fields: list[FieldRequirement],
               limit: int, token: str, resource_version: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The items and list metadata of one chunk of a list of `res` (in `namespace`, or all when None). The items are
    the stored objects themselves (Store.items_at), to be read and encoded, never changed."""
    start, revision = "", store.resource_version
    if token:
        continuation = decode(token, resource_version)
        start = continuation.start
        if continuation.revision > 0:
            revision = continuation.revision
    try:
        candidates = store.items_at(res, namespace, revision)
    except TooOldResourceVersion:
        raise expired(start) from None

    def selected(obj: dict[str, Any]) -> bool:
        return labels_match(labels, obj["metadata"].get("labels")) and fields_match(fields, obj)

    across = res.namespaced and namespace is None
    page = paginate(candidates, across, start, limit, revision, selected, not labels and not fields)
    meta: dict[str, Any] = {"resourceVersion": str(page.revision)}
    if page.continue_token:
        meta["continue"] = page.continue_token
    if page.remaining is not None:
        meta["remainingItemCount"] = page.remaining
    return list(page.items), meta
