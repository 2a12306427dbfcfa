"""What every namespace of a kind cluster holds without anyone applying it: the `default` ServiceAccount
and the `kube-root-ca.crt` ConfigMap, each kept by its kube-controller-manager controller.

- ServiceAccountsController (pkg/controller/serviceaccount/serviceaccounts_controller.go): for each active
  namespace, the ServiceAccount `default` exists; it is made again when deleted. Namespaces that are not
  Active are left alone.
- RootCACertPublisher (pkg/controller/certificates/rootcacertpublisher/publisher.go): each namespace has
  the ConfigMap `kube-root-ca.crt` with the cluster's CA as `ca.crt` and the description annotation; a
  ConfigMap whose data or annotation was changed is put back, a deleted one made again. A create refused
  because the namespace is gone or terminating is not retried.
Both write through the registry as kube-controller-manager does (its managedFields name it).
"""

from __future__ import annotations

import copy

from svclab.controllers.base import NAMESPACES, Controller, Obj
from svclab.controllers.informer import DELETED, Change
from svclab.resources import resource
from svclab.state.index import Key
from svclab.validation import messages
from svclab.validation.errors import ApiError

SERVICE_ACCOUNTS = resource("", "serviceaccounts")
CONFIGMAPS = resource("", "configmaps")
MANAGER = "kube-controller-manager"
DEFAULT_SERVICE_ACCOUNT = "default"
ROOT_CA_CONFIGMAP = "kube-root-ca.crt"
DESCRIPTION_ANNOTATION = "kubernetes.io/description"
DESCRIPTION = ("Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as "
               "the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of "
               "Kubernetes clusters.")


def _refused_for_namespace(err: ApiError) -> bool:
    """NotFound (the namespace is gone) or the NamespaceTerminating cause: not worth a retry."""
    if err.code == 404:
        return True
    causes = (err.status.get("details") or {}).get("causes") or []
    return any(c.get("reason") == messages.NAMESPACE_TERMINATING_CAUSE_TYPE for c in causes)


class ServiceAccountsController(Controller):
    name = "serviceaccount"

    def register(self) -> None:
        self.ctx.informers.add_handler(NAMESPACES, lambda change: self.queue.add(("", change.key[1])) if change.type != DELETED else None)
        self.ctx.informers.add_handler(SERVICE_ACCOUNTS, self._on_service_account)

    def _on_service_account(self, change: Change) -> None:
        if change.type == DELETED and change.key[1] == DEFAULT_SERVICE_ACCOUNT:
            self.queue.add(("", change.key[0]))

    async def sync(self, key: Key) -> None:
        ns = self.ctx.store.peek(NAMESPACES, "", key[1])
        if ns is None or (ns.get("status") or {}).get("phase") != "Active":
            return
        if self.ctx.store.peek(SERVICE_ACCOUNTS, key[1], DEFAULT_SERVICE_ACCOUNT) is not None:
            return
        account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": DEFAULT_SERVICE_ACCOUNT}}
        try:
            self.ctx.registry.create(SERVICE_ACCOUNTS, key[1], account, manager=MANAGER)
        except ApiError as err:
            if err.code == 409 or _refused_for_namespace(err):
                return
            raise


class RootCACertPublisher(Controller):
    name = "root-ca-cert-publisher"

    def register(self) -> None:
        self.ctx.informers.add_handler(NAMESPACES, lambda change: self.queue.add(("", change.key[1])) if change.type != DELETED else None)
        self.ctx.informers.add_handler(CONFIGMAPS, self._on_configmap)

    def _on_configmap(self, change: Change) -> None:
        if change.key[1] != ROOT_CA_CONFIGMAP:
            return
        if change.type == DELETED or not self._is_published(change.obj):
            self.queue.add(("", change.key[0]))

    def _data(self) -> dict[str, str]:
        return {"ca.crt": self.ctx.root_ca}

    def _is_published(self, cm: Obj) -> bool:
        return cm.get("data") == self._data() and bool((cm["metadata"].get("annotations") or {}).get(DESCRIPTION_ANNOTATION))

    async def sync(self, key: Key) -> None:
        namespace = key[1]
        if not self.ctx.root_ca:
            return
        if self.ctx.store.peek(NAMESPACES, "", namespace) is None:
            return
        current = self.ctx.store.peek(CONFIGMAPS, namespace, ROOT_CA_CONFIGMAP)
        try:
            if current is None:
                cm = {"apiVersion": "v1", "kind": "ConfigMap",
                      "metadata": {"name": ROOT_CA_CONFIGMAP, "annotations": {DESCRIPTION_ANNOTATION: DESCRIPTION}},
                      "data": self._data()}
                self.ctx.registry.create(CONFIGMAPS, namespace, cm, manager=MANAGER)
            elif not self._is_published(current):
                cm = copy.deepcopy(current)
                cm["data"] = self._data()
                cm["metadata"].setdefault("annotations", {})[DESCRIPTION_ANNOTATION] = DESCRIPTION
                self.ctx.registry.update(CONFIGMAPS, namespace, ROOT_CA_CONFIGMAP, cm, manager=MANAGER)
        except ApiError as err:
            if err.code == 409 or _refused_for_namespace(err):
                return
            raise
