"""The API server's HTTP surface: routes, auth, Status errors, tables, watch streams.

State lives in the store, behaviour in the registry and controllers, the wire (parsing, framing, connections) in
svclab.wire; this module maps requests to the API's answers.
"""

from __future__ import annotations

import asyncio
import copy
import hmac
import importlib
import json
import logging
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable


from svclab.apiserver import paging, queryparams, routing
from svclab.apiserver.codec import check_type, decode_body, dumps, is_yaml
from svclab.apiserver.convert import core_event_to_events_v1
from svclab.apiserver.patcherror import PatchError
from svclab.apiserver.scale import replicas_of_scale, scale_of
from svclab.apiserver.tokens import TokenIssuer, token_request
from svclab.registry.core import Registry
from svclab.resources import EVENTS, Resource
from svclab.state.clock import Clock
from svclab.state.selectors import SelectorError, fields_match, labels_match, parse_field_selector, parse_label_selector
from svclab.state.store import Store, TooOldResourceVersion
from svclab.validation import errors, field, messages
from svclab.wire.http1 import Refused
from svclab.wire.server import AnyResponse, Application, BodyTooLarge, Request, Response, StreamResponse

# Imported by the methods that use them, so that they load with the first request that needs them, not
# when the cluster starts (tests/test_imports.py): svclab.apiserver.typecheck (and the protobuf schema it
# checks against) with the first body, svclab.apiserver.patch with the first PATCH, openapiv2 with the
# first request for the Swagger document; the discovery documents, the OpenAPI v3 index and the table
# printers (what every kubectl command reads first) load right after the daemon says it serves
# (`ApiServer.load_request_modules`), while the client starts, or with the first request if it comes sooner.
REQUEST_MODULES = ("svclab.apiserver.discovery", "svclab.apiserver.openapi", "svclab.apiserver.tables")

log = logging.getLogger("svclab.apiserver")

MAX_BODY_BYTES = 3 * 1024 * 1024
DECODE_INLINE_BYTES = 64 * 1024  # bigger bodies (and every YAML body) are decoded off the event loop
DEFAULT_WATCH_SECONDS = 1800
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
WATCH_POLL_SECONDS = 0.5
WARNINGS = "warnings"  # Warning headers a handler wants sent with its response
DEPRECATION_WARNINGS = {"endpoints": messages.ENDPOINTS_DEPRECATED}
# (method, collection?) -> the verb a resource must serve for the route to exist
_VERBS = {("GET", True): "list", ("POST", True): "create", ("DELETE", True): "deletecollection", ("GET", False): "get", ("PUT", False): "update", ("PATCH", False): "patch", ("DELETE", False): "delete"}
ExecHandler = Callable[[Request, str, str], Awaitable[AnyResponse]]


def _json(value: Any, status: int = 200) -> Response:
    return Response(body=dumps(value), status=status, content_type="application/json")


def _error(err: errors.ApiError) -> Response:
    return _json(err.status, err.code)


def _wants_table(request: Request) -> bool:
    return "as=Table" in request.headers.get("Accept", "")


def _strip_list_item(obj: dict[str, Any]) -> dict[str, Any]:
    item = dict(obj)
    item.pop("apiVersion", None)
    item.pop("kind", None)
    return item


class ApiServer:
    def __init__(self, store: Store, registry: Registry, clock: Clock, token: str, server_address: str) -> None:
        self.store = store
        self.registry = registry
        self.clock = clock
        self.token = token
        self.server_address = server_address
        self.exec_handler: ExecHandler | None = None
        self.log_handler: Any = None   # svclab.apiserver.logs.LogsHandler, with the pod runtime
        self.portforward_handler: Any = None   # svclab.apiserver.portforward.PortForwardHandler
        self.token_issuer: TokenIssuer | None = None  # signs TokenRequests (svclab.apiserver.tokens)
        self._stopping = asyncio.Event()

    def application(self) -> Application:
        return Application(self._dispatch, [self._auth, self._durable, self._errors], max_body=MAX_BODY_BYTES)

    @staticmethod
    def load_request_modules() -> None:
        for name in REQUEST_MODULES:
            importlib.import_module(name)

    def stop_streams(self) -> None:
        self._stopping.set()
        self.store.close_watchers()

    # ---- middleware ----------------------------------------------------------------------------
    async def _auth(self, request: Request, handler: Callable[[Request], Awaitable[AnyResponse]]) -> AnyResponse:
        header = request.headers.get("Authorization", "")
        given = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if not given or not hmac.compare_digest(given.encode(), self.token.encode()):
            return _error(errors.unauthorized())
        return await handler(request)

    async def _durable(self, request: Request, handler: Callable[[Request], Awaitable[AnyResponse]]) -> AnyResponse:
        """A write is answered only once what it committed is on disk (Store.durable: group commit)."""
        try:
            return await handler(request)
        finally:
            if request.method in WRITE_METHODS:
                await self.store.durable()

    async def _errors(self, request: Request, handler: Callable[[Request], Awaitable[AnyResponse]]) -> AnyResponse:
        try:
            return await handler(request)
        except errors.ApiError as err:
            return _error(err)
        except PatchError as err:
            details = {"causes": err.causes} if err.causes else None
            return _json(errors.status_dict(err.code, err.reason if err.reason is not None else _reason_for(err.code), err.message, details), err.code)
        except BodyTooLarge:
            return _error(errors.too_large())
        except (Refused, asyncio.CancelledError, ConnectionResetError):
            raise
        except Exception as exc:  # the cluster keeps serving, whatever a request did
            log.exception("internal error serving %s %s", request.method, request.path)
            return _error(errors.internal_error(str(exc)))

    # ---- dispatch ------------------------------------------------------------------------------
    async def _dispatch(self, request: Request) -> AnyResponse:
        from svclab.apiserver import discovery

        path = request.path.rstrip("/") or "/"
        if path in ("/api", "/apis") and request.method == "GET" and discovery.wants_aggregated(request.headers.get("Accept", "")):
            return self._aggregated_discovery(request, legacy=path == "/api")
        fixed = self._fixed_document(path)
        if fixed is not None:
            if request.method != "GET":
                raise errors.method_not_allowed()
            return _json(fixed)
        if path == "/openapi/v2":
            if request.method != "GET":
                raise errors.method_not_allowed()
            return await self._openapi_v2(request)
        if path in ("/healthz", "/livez", "/readyz"):
            return Response(text="ok", content_type="text/plain")
        try:
            group, version, rest = routing.parse(path)
            if not rest:
                listing = discovery.resource_list(group, version)
                if listing is None:
                    raise routing.NoRoute(path)
                return _json(listing)
            target = routing.resolve(group, version, rest)
        except routing.NoRoute:
            if path.startswith("/apis/") and len(path.split("/")) == 3:
                group_doc = discovery.api_group(path.split("/")[2])
                if group_doc is not None:
                    return _json(group_doc)
            raise errors.resource_not_found()
        if target.subresource and target.subresource not in target.resource.subresources:
            raise errors.resource_not_found()
        request[WARNINGS] = []
        response = await self._serve(request, target)
        warnings = [DEPRECATION_WARNINGS[target.resource.key]] if target.resource.key in DEPRECATION_WARNINGS else []
        if not response.prepared:
            for warning in warnings + request[WARNINGS]:
                response.headers.add("Warning", f'299 - "{warning}"')
        return response

    def _aggregated_discovery(self, request: Request, legacy: bool) -> Response:
        """/api or /apis as one APIGroupDiscoveryList, with the ETag, Vary and Cache-Control headers of
        aggregated/etag.go ServeHTTPWithETag, and 304 Not Modified when If-None-Match holds that ETag."""
        from svclab.apiserver import discovery

        body, etag = discovery.aggregated(legacy)
        headers = {"ETag": f'"{etag}"', "Vary": "Accept", "Cache-Control": "public"}
        if request.headers.get("If-None-Match") == headers["ETag"]:
            return Response(status=304, headers=headers)
        return Response(body=body, headers={**headers, "Content-Type": discovery.AGGREGATED_MEDIA_TYPE})

    async def _openapi_v2(self, request: Request) -> Response:
        """The Swagger document (svclab.apiserver.openapiv2), as protobuf when asked (kubectl) else JSON."""
        from svclab.apiserver import openapiv2

        if openapiv2.wants_protobuf(request.headers.get("Accept", "")):
            body = await asyncio.to_thread(openapiv2.protobuf)
            return Response(body=body, content_type=openapiv2.PROTOBUF_MEDIA_TYPE)
        return _json(await asyncio.to_thread(openapiv2.document))

    def _check_fields(self, request: Request, obj: dict[str, Any], res: Resource, mode: str) -> None:
        """fieldValidation: Strict refuses unknown fields (kubectl's default), Warn answers with a Warning
        header per field (the server's default, also for ""), Ignore drops the question."""
        from svclab.apiserver.typecheck import strict_decoding_error, unknown_fields

        if mode == "Strict":
            unknown = unknown_fields(obj, res.api_version, res.kind)
            if unknown:
                raise strict_decoding_error(res.api_version, res.kind, unknown)
            return
        unknown = unknown_fields(obj, res.api_version, res.kind, drop=True)
        if mode == "Ignore":
            return
        request[WARNINGS].extend(f'unknown field \\"{path}\\"' for path in unknown)

    def _fixed_document(self, path: str) -> dict[str, Any] | None:
        from svclab.apiserver import discovery, openapi

        if path == "/version":
            return discovery.version_info()
        if path == "/api":
            return discovery.api_versions(self.server_address)
        if path == "/apis":
            return discovery.api_group_list()
        if path == "/openapi/v3":
            return openapi.root_document()
        if path.startswith("/openapi/v3/"):
            doc = openapi.group_version_document(path[len("/openapi/v3/"):])
            if doc is None:
                raise errors.resource_not_found()
            return doc
        return None

    async def _serve(self, request: Request, target: routing.Target) -> AnyResponse:
        res, method, sub = target.resource, request.method, target.subresource
        if sub == "exec" or sub == "attach":
            if self.exec_handler is None:   # the network runtime serves both exec and attach
                raise errors.bad_request(messages.UPGRADE_REQUIRED if hasattr(messages, "UPGRADE_REQUIRED") else "Upgrade request required")
            return await self.exec_handler(request, target.namespace or "", target.name or "")
        if sub == "portforward":
            if self.portforward_handler is None or request.method not in ("GET", "POST"):
                self.registry.get(res, target.namespace or "", target.name or "")
                raise errors.bad_request("Upgrade request required")
            return await self.portforward_handler(request, target.namespace or "", target.name or "")
        if sub == "log":
            if self.log_handler is None:   # no pod runtime: an existing pod's log is empty
                self.registry.get(res, target.namespace or "", target.name or "")
                return Response(text="", content_type="text/plain")
            return await self.log_handler(request, target.namespace or "", target.name or "")
        if sub == "token" and method == "POST" and self.token_issuer is not None:
            return await self._create_token(request, target)
        if res.group == "events.k8s.io" and method not in ("GET",):
            raise errors.method_not_supported(res, method.lower())
        verb = _VERBS.get((method, target.name is None))
        if not sub and verb is not None and verb not in res.verbs:
            raise errors.method_not_allowed()  # no route: e.g. DELETE /api/v1/namespaces (no deletecollection)
        if target.name is None and res.namespaced and target.namespace is None and method != "GET":
            raise errors.method_not_allowed()  # across all namespaces a namespaced resource is only listed and watched
        if target.name is None:
            if method == "GET":
                return await self._list(request, target)
            if method == "POST":
                return await self._create(request, target)
            if method == "DELETE":
                return await self._delete_collection(request, target)
            raise errors.method_not_allowed()
        if method == "GET":
            return self._get(request, target)
        if method == "PUT":
            return await self._update(request, target)
        if method == "PATCH":
            return await self._patch(request, target)
        if method == "DELETE" and not sub:
            return await self._delete(request, target)
        raise errors.method_not_allowed()

    # ---- reads ---------------------------------------------------------------------------------
    def _read(self, res: Resource, namespace: str, name: str) -> dict[str, Any]:
        """The stored object itself, not a copy (Store.peek): a GET only encodes it, within this call, so it is
        read and never changed (a copy per GET cost as much as encoding it)."""
        if res.group == "events.k8s.io":
            core = self.store.peek(EVENTS, namespace, name)
            if core is None:
                raise errors.not_found(res, name)
            return core_event_to_events_v1(core)
        obj = self.store.peek(res, namespace, name)
        if obj is None:
            raise errors.not_found(res, name)
        return obj

    def _get(self, request: Request, target: routing.Target) -> Response:
        res = target.resource
        queryparams.get_options(request.query)
        obj = self._read(res, target.namespace or "", target.name or "")
        if target.subresource == "scale":
            return _json(scale_of(obj))
        if _wants_table(request):
            return _json(table_for(res, [obj], now=self.clock.now(), include_object=request.query.get("includeObject", "Metadata"), list_meta={"resourceVersion": obj["metadata"].get("resourceVersion", "")}))
        return _json(obj)

    def _selected(self, request: Request, target: routing.Target) -> list[dict[str, Any]]:
        res = target.resource
        try:
            labels = parse_label_selector(request.query.get("labelSelector"))
            fields = parse_field_selector(request.query.get("fieldSelector"))
        except SelectorError as exc:
            raise errors.bad_request(str(exc))
        # the stored objects themselves (Store.items), not copies: a list only encodes them, or (a deletecollection)
        # answers with them after the deletes, which write new objects and change none in place
        source = EVENTS if res.group == "events.k8s.io" else res
        selected = [obj for obj in self.store.items(source, target.namespace)
                    if labels_match(labels, obj["metadata"].get("labels")) and fields_match(fields, obj)]
        if res.group == "events.k8s.io":
            return [core_event_to_events_v1(e) for e in selected]
        return selected

    async def _list(self, request: Request, target: routing.Target) -> AnyResponse:
        options = queryparams.list_options(request.query)
        if options.watch:
            return await self._watch(request, target, options)
        res = target.resource
        list_meta: dict[str, Any]
        if options.limit > 0 or options.continue_token:
            items, list_meta = self._page(request, target, options)
        else:
            items = self._selected(request, target)
            list_meta = {"resourceVersion": str(self.store.resource_version)}
        if _wants_table(request):
            return _json(table_for(res, items, now=self.clock.now(), include_object=request.query.get("includeObject", "Metadata"), list_meta=list_meta))
        return _json({"kind": f"{res.kind}List", "apiVersion": res.api_version, "metadata": list_meta, "items": [_strip_list_item(i) for i in items]})

    def _page(self, request: Request, target: routing.Target, options: queryparams.ListOptions) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """A chunk of a list (svclab.apiserver.paging): at most ``limit`` items, read at the first chunk's revision."""
        res = target.resource
        try:
            labels = parse_label_selector(request.query.get("labelSelector"))
            fields = parse_field_selector(request.query.get("fieldSelector"))
        except SelectorError as exc:
            raise errors.bad_request(str(exc))
        source = EVENTS if res.group == "events.k8s.io" else res
        items, meta = paging.list_chunk(self.store, source, target.namespace, labels, fields, options.limit, options.continue_token, options.resource_version)
        if res.group == "events.k8s.io":
            items = [core_event_to_events_v1(e) for e in items]
        return items, meta

    async def _watch(self, request: Request, target: routing.Target, options: queryparams.ListOptions) -> AnyResponse:
        res = target.resource
        source = EVENTS if res.group == "events.k8s.io" else res
        try:
            labels = parse_label_selector(request.query.get("labelSelector"))
            fields = parse_field_selector(request.query.get("fieldSelector"))
        except SelectorError as exc:
            raise errors.bad_request(str(exc))
        requested = options.since
        initial = options.send_initial_events is True or requested is None
        since = None if initial else requested
        try:
            watcher = self.store.watch(source, target.namespace, labels, fields, since)
        except TooOldResourceVersion:
            raise errors.too_old_resource_version(requested or 0, self.store.resource_version)
        timeout = float(options.timeout_seconds or DEFAULT_WATCH_SECONDS)
        as_table = _wants_table(request)
        response = StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        first_table = [True]

        async def send(kind: str, obj: dict[str, Any]) -> None:
            if res.group == "events.k8s.io" and kind != "BOOKMARK":
                obj = core_event_to_events_v1(obj)
            if as_table and kind != "BOOKMARK":
                obj = table_for(res, [obj], now=self.clock.now(), include_object=request.query.get("includeObject", "Metadata"), list_meta={"resourceVersion": obj["metadata"].get("resourceVersion", "")})
                if not first_table[0]:
                    obj["columnDefinitions"] = []
                first_table[0] = False
            await response.write(dumps({"type": kind, "object": obj}))

        try:
            if initial:
                for obj in self.store.list(source, target.namespace, labels, fields):
                    await send("ADDED", obj)
                if options.send_initial_events is True:
                    bookmark = {"kind": res.kind, "apiVersion": res.api_version, "metadata": {"resourceVersion": str(self.store.resource_version), "annotations": {"k8s.io/initial-events-end": "true"}}}
                    await send("BOOKMARK", bookmark)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while not self._stopping.is_set():
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                if request.transport is None or request.transport.is_closing():
                    break  # the client went away: forget the watcher now, not at the next event
                try:
                    event = await asyncio.wait_for(watcher.queue.get(), timeout=min(remaining, WATCH_POLL_SECONDS))
                except asyncio.TimeoutError:
                    continue
                if event is None:
                    break
                await send(event.type, event.obj)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.store.unwatch(watcher)
        try:
            await response.write_eof()
        except (ConnectionResetError, RuntimeError):
            pass
        return response

    # ---- writes --------------------------------------------------------------------------------
    async def _raw_body(self, request: Request) -> bytes:
        raw = await request.read()
        if len(raw) > MAX_BODY_BYTES:
            raise errors.too_large()
        return raw

    async def _decode(self, raw: bytes, content_type: str) -> dict[str, Any]:
        """decode_body, off the event loop when the body is big or YAML (parsing those takes long)."""
        if len(raw) > DECODE_INLINE_BYTES or is_yaml(content_type):
            return await asyncio.to_thread(decode_body, raw, content_type)
        return decode_body(raw, content_type)

    async def _object_body(self, request: Request, raw: bytes, res: Resource, field_validation: str) -> dict[str, Any]:
        """A create's or update's body, decoded as the resource's type (types checked, nulls made zero)."""
        from svclab.apiserver.typecheck import check_types, drop_nulls

        obj = await self._decode(raw, request.headers.get("Content-Type", "application/json"))
        check_type(obj, res.api_version, res.kind)
        check_types(obj, res.api_version, res.kind)
        drop_nulls(obj, res.api_version, res.kind)
        self._check_fields(request, obj, res, field_validation)
        return obj

    def _namespace_for_write(self, request: Request, target: routing.Target, obj: dict[str, Any]) -> str:
        if not target.resource.namespaced:
            return ""
        return target.namespace or obj.get("metadata", {}).get("namespace") or "default"

    async def _create(self, request: Request, target: routing.Target) -> Response:
        res = target.resource
        raw = await self._raw_body(request)
        options = queryparams.write_options(request.query, "CreateOptions")
        obj = await self._object_body(request, raw, res, options.field_validation)
        if res.namespaced and target.namespace is None:
            raise errors.method_not_allowed()
        manager = options.field_manager or _user_agent_manager(request)
        created = self.registry.create(res, target.namespace or "", obj, dry_run=options.is_dry_run, manager=manager)
        return _json(created, 201)

    async def _update(self, request: Request, target: routing.Target) -> Response:
        res = target.resource
        namespace, name = target.namespace or "", target.name or ""
        raw = await self._raw_body(request)
        options = queryparams.write_options(request.query, "UpdateOptions")
        manager = options.field_manager or _user_agent_manager(request)
        if target.subresource == "scale":
            body = await self._decode(raw, request.headers.get("Content-Type", "application/json"))
            current = self.registry.get(res, namespace, name)
            replicas = replicas_of_scale(body, res, name, current)
            return _json(scale_of(self._set_replicas(res, current, replicas, options.is_dry_run, manager)))
        obj = await self._object_body(request, raw, res, options.field_validation)
        updated = self.registry.update(res, namespace, name, obj, subresource=target.subresource, dry_run=options.is_dry_run, manager=manager)
        return _json(updated)

    async def _patch(self, request: Request, target: routing.Target) -> Response:
        from svclab.apiserver.patch import STRATEGIC_PATCH, apply_patch, media_type
        from svclab.apiserver.typecheck import check_types, drop_nulls

        res = target.resource
        namespace, name = target.namespace or "", target.name or ""
        raw = await self._raw_body(request)
        content_type = request.headers.get("Content-Type", "")
        apply = content_type.startswith("application/apply-patch")
        options = queryparams.write_options(request.query, "PatchOptions", apply_patch=apply)
        if apply:
            from svclab.apiserver.apply import decode_apply_body
            from svclab.apiserver.apply_handler import server_side_apply_request

            decoded = await asyncio.to_thread(decode_apply_body, raw) if len(raw) > DECODE_INLINE_BYTES or is_yaml(content_type) else decode_apply_body(raw)
            obj, created = server_side_apply_request(self.registry, res, namespace, name, raw, options.field_manager, bool(options.force), options.is_dry_run, self.clock, decoded=decoded)
            return _json(obj, 201 if created else 200)
        manager = options.field_manager or _user_agent_manager(request)
        current = self.registry.get(res, namespace, name)
        if target.subresource == "scale":
            patched_scale = apply_patch(scale_of(current), raw, content_type, res)
            replicas = replicas_of_scale(patched_scale, res, name, current)
            return _json(scale_of(self._set_replicas(res, current, replicas, options.is_dry_run, manager)))
        patched = apply_patch(current, raw, content_type, res)
        if media_type(content_type) == STRATEGIC_PATCH:
            _check_conversion(raw, patched, res)
        check_types(patched, res.api_version, res.kind)
        drop_nulls(patched, res.api_version, res.kind)
        self._check_fields(request, patched, res, options.field_validation)
        if target.subresource == "status":
            patched = {**current, "status": patched.get("status", {})}
        updated = self.registry.update(res, namespace, name, patched, subresource=target.subresource, dry_run=options.is_dry_run, manager=manager)
        return _json(updated)

    async def _create_token(self, request: Request, target: routing.Target) -> Response:
        """POST serviceaccounts/<name>/token: a TokenRequest answered with a signed token (201)."""
        from svclab.apiserver.typecheck import check_types, drop_nulls

        assert self.token_issuer is not None
        raw = await self._raw_body(request)
        queryparams.write_options(request.query, "CreateOptions")
        body = await self._decode(raw, request.headers.get("Content-Type", "application/json"))
        check_types(body, "authentication.k8s.io/v1", "TokenRequest")
        drop_nulls(body, "authentication.k8s.io/v1", "TokenRequest")
        answer = token_request(self.token_issuer, self.store, target.namespace or "", target.name or "", body, self.clock.time(), _rfc3339)
        return _json(answer, 201)

    def _set_replicas(self, res: Resource, current: dict[str, Any], replicas: int, dry_run: bool, manager: str) -> dict[str, Any]:
        changed = copy.deepcopy(current)
        changed.setdefault("spec", {})["replicas"] = replicas
        meta = current["metadata"]
        return self.registry.update(res, meta.get("namespace", ""), meta["name"], changed, subresource="scale", dry_run=dry_run, manager=manager)

    async def _delete_options(self, request: Request) -> queryparams.DeleteOptions:
        """DeleteOptions: from the body when there is one (then the query's are not read), else the query."""
        from svclab.apiserver.typecheck import check_types, drop_nulls

        raw = await self._raw_body(request)
        body = None
        if raw.strip():
            body = await self._decode(raw, request.headers.get("Content-Type", "application/json"))
            check_types(body, "v1", "DeleteOptions")
            drop_nulls(body, "v1", "DeleteOptions")
        return queryparams.delete_options(request.query, body)

    async def _delete(self, request: Request, target: routing.Target) -> Response:
        options = await self._delete_options(request)
        result = self.registry.delete(
            target.resource,
            target.namespace or "",
            target.name or "",
            dry_run=options.is_dry_run,
            propagation=options.propagation,
            grace_seconds=options.grace_period_seconds,
            uid=options.preconditions.get("uid"),
        )
        return _json(result)

    async def _delete_collection(self, request: Request, target: routing.Target) -> Response:
        res = target.resource
        queryparams.list_options(request.query)
        options = await self._delete_options(request)
        items = self._selected(request, target)
        for item in items:
            meta = item["metadata"]
            try:
                self.registry.delete(res, meta.get("namespace", ""), meta["name"], propagation=options.propagation, dry_run=options.is_dry_run, grace_seconds=options.grace_period_seconds)
            except errors.ApiError:
                continue
        return _json({"kind": f"{res.kind}List", "apiVersion": res.api_version, "metadata": {"resourceVersion": str(self.store.resource_version)}, "items": [_strip_list_item(i) for i in items]})


def table_for(*args: Any, **kwargs: Any) -> dict[str, Any]:
    from svclab.apiserver.tables import table_for as make_table

    return make_table(*args, **kwargs)


def _rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_conversion(raw: bytes, patched: dict[str, Any], res: Resource) -> None:
    """A strategic merge patch's result is converted to the typed object (handlers/patch.go
    applyPatchToObject): a shape that does not fit is a 422 naming the patch."""
    from svclab.apiserver.patch import go_loads
    from svclab.apiserver.typecheck import go_print, unstructured_conversion_error

    problem = unstructured_conversion_error(patched, res.api_version, res.kind)
    if problem:
        try:
            shown = go_print(go_loads(raw))
        except RecursionError:  # a patch nested deeper than Python's stack: name it without printing it
            shown = "map[...]"
        raise errors.invalid_kind("", "", "", [field.invalid("patch", shown, problem)])


def _user_agent_manager(request: Request) -> str:
    agent = request.headers.get("User-Agent", "")
    return agent.split("/")[0] if agent else "unknown"


def _reason_for(code: int) -> str:
    return {400: "BadRequest", 409: "Conflict", 415: "UnsupportedMediaType", 422: "Invalid", 500: "InternalError"}.get(code, "BadRequest")
