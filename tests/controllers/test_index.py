"""Indexes over stored objects: lookups by namespace, label selector and index function, kept
right as objects change and go."""

from __future__ import annotations

from svclab.state.index import CONTROLLER, NODE, Indexer, by_controller, by_node
from svclab.state.selectors import Requirement, selector_from_match


def pod(name: str, labels: dict[str, str], ns: str = "default", node: str = "", owner: str = "") -> dict:
    meta: dict = {"name": name, "namespace": ns, "labels": labels}
    if owner:
        meta["ownerReferences"] = [{"uid": owner, "controller": True, "kind": "ReplicaSet", "name": "rs"}]
    return {"metadata": meta, "spec": {"nodeName": node} if node else {}}


def test_select_answers_equality_and_set_terms_within_one_namespace() -> None:
    index = Indexer("pods")
    index.upsert(pod("a", {"app": "web", "tier": "front"}))
    index.upsert(pod("b", {"app": "web"}))
    index.upsert(pod("c", {"app": "db"}))
    index.upsert(pod("d", {"app": "web"}, ns="other"))
    assert index.select("default", [Requirement("app", "=", ("web",))]) == [("default", "a"), ("default", "b")]
    assert index.select("default", selector_from_match({"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]})) == [("default", "b")]
    assert index.select("default", [Requirement("app", "in", ("web", "db"))]) == [("default", "a"), ("default", "b"), ("default", "c")]
    assert index.select("default", [Requirement("app", "=", ("web",))], within={("default", "b"), ("default", "c")}) == [("default", "b")]


def test_an_update_moves_the_object_between_index_values_and_a_delete_removes_it() -> None:
    index = Indexer("pods", {NODE: by_node, CONTROLLER: by_controller})
    index.upsert(pod("a", {"app": "web"}, owner="u1"))
    assert index.by_index(CONTROLLER, "u1") == {("default", "a")} and index.by_index(NODE, "w1") == set()
    index.upsert(pod("a", {"app": "db"}, node="w1", owner="u1"))
    assert index.by_index(NODE, "w1") == {("default", "a")}
    assert index.select("default", [Requirement("app", "=", ("web",))]) == []
    assert index.values(("default", "a"), NODE) == ("w1",)
    index.delete(("default", "a"))
    assert index.by_index(CONTROLLER, "u1") == set() and index.keys() == [] and len(index) == 0


def test_projections_keep_what_a_handler_compares_and_counting_needs_no_objects() -> None:
    index = Indexer("pods")
    index.add_projection("ready", lambda obj: obj["metadata"]["labels"].get("ready") == "yes")
    index.upsert(pod("a", {"ready": "yes", "app": "web"}))
    index.upsert(pod("b", {"ready": "no", "app": "web"}))
    assert index.projected([("default", "a"), ("default", "b"), ("default", "zz")], "ready") == [(("default", "a"), True), (("default", "b"), False)]
    assert index.labels_match_all(index.keys(), {"app": "web", "ready": "yes"}) == 1
    assert index.recorded(("default", "a")) == ({"ready": "yes", "app": "web"}, {"namespace": ("default",), "labels": ("default/ready=yes", "default/app=web")}, {"ready": True})
