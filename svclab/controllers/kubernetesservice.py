"""The `kubernetes` Service in `default`, kept by the API server (pkg/controlplane/controller/kubernetesservice):
its loop runs every 10 s (EndpointInterval) and makes the Service, and through the endpoints reconciler its
Endpoints and EndpointSlice, again when they are missing. On kind, `kubectl delete -f` of a list that
`kubectl get svc -o yaml` wrote removes it for those seconds only; here too."""

from __future__ import annotations

from svclab.cluster import bootstrap
from svclab.controllers.base import ENDPOINTS, NAMESPACES, SERVICES, SLICES, Context, Controller
from svclab.controllers.informer import DELETED, SYNC, Change
from svclab.state.index import Key
from svclab.validation.errors import ApiError

RECONCILE_SECONDS = 10.0
NAMESPACE, NAME = "default", "kubernetes"


class KubernetesServiceController(Controller):
    name = "kubernetes-service"

    def __init__(self, ctx: Context, control_plane_ip: str) -> None:
        super().__init__(ctx)
        self.control_plane_ip = control_plane_ip

    def register(self) -> None:
        for res in (SERVICES, ENDPOINTS, SLICES):
            self.ctx.informers.add_handler(res, self._on_change)
        self.ctx.informers.add_handler(NAMESPACES, self._on_namespace)

    def _on_change(self, change: Change) -> None:
        if change.type == DELETED and change.key == (NAMESPACE, NAME):
            self.queue.add_after((NAMESPACE, NAME), RECONCILE_SECONDS)

    def _on_namespace(self, change: Change) -> None:
        if change.type == SYNC and change.key[1] == NAMESPACE:  # a restarted cluster looks once
            self.queue.add_after((NAMESPACE, NAME), RECONCILE_SECONDS)

    async def sync(self, key: Key) -> None:
        store = self.ctx.store
        if store.peek(NAMESPACES, "", NAMESPACE) is None:
            return
        try:
            if store.peek(SERVICES, NAMESPACE, NAME) is None:
                self.ctx.registry.create(SERVICES, NAMESPACE, bootstrap.kubernetes_service())
        except ApiError as err:
            if err.code != 409:
                raise
        endpoints, slice_ = bootstrap.kubernetes_endpoints(self.control_plane_ip)
        if store.peek(ENDPOINTS, NAMESPACE, NAME) is None:
            store.create(ENDPOINTS, endpoints)
        if store.peek(SLICES, NAMESPACE, NAME) is None:
            store.create(SLICES, slice_)
