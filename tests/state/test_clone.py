"""The store's copies (`svclab.state.store.clone`): what `copy.deepcopy` gives a JSON-shaped object, independent of it."""

from __future__ import annotations

import copy
import json
from collections import OrderedDict

from svclab.cluster import bootstrap
from svclab.resources import DEPLOYMENTS
from svclab.state.clock import Clock
from svclab.state.store import Store, clone


def test_a_clone_equals_deepcopy_and_shares_no_container() -> None:
    original = bootstrap.coredns_deployment()
    copied = clone(original)
    assert copied == copy.deepcopy(original)
    assert json.dumps(copied) == json.dumps(original)  # the same keys in the same order, the same values
    copied["spec"]["template"]["spec"]["containers"][0]["args"].append("-x")
    copied["metadata"]["labels"]["new"] = "1"
    assert original == bootstrap.coredns_deployment()


def test_values_that_are_not_json_are_deep_copied_as_before() -> None:
    inner = [1, {"a": 2}]
    original = {"t": (inner,), "o": OrderedDict(b=[3]), "s": {4}, "f": 1.5, "n": None, "b": True}
    copied = clone(original)
    assert copied == original and type(copied["o"]) is OrderedDict and type(copied["t"]) is tuple
    assert copied["t"][0] is not inner and copied["o"]["b"] is not original["o"]["b"] and copied["s"] is not original["s"]


def test_the_store_hands_out_and_keeps_copies() -> None:
    store = Store(now=Clock(manual=True, start=0).rfc3339)
    given = bootstrap.coredns_deployment()
    created = store.create(DEPLOYMENTS, given)
    given["spec"]["replicas"] = 9   # the caller's object is not the stored one
    fetched = store.get(DEPLOYMENTS, "kube-system", "coredns")
    assert fetched == created and fetched["spec"]["replicas"] == 2
    fetched["spec"]["replicas"] = 7   # nor is what a read returns
    assert store.peek(DEPLOYMENTS, "kube-system", "coredns")["spec"]["replicas"] == 2
    listed = store.list(DEPLOYMENTS)
    listed[0]["metadata"]["labels"]["x"] = "y"
    assert "x" not in store.peek(DEPLOYMENTS, "kube-system", "coredns")["metadata"]["labels"]
