"""ps6-capstone: the Services of a three-tier shop (frontend, api, database StatefulSet), proven live."""

from __future__ import annotations

import pandas as pd

from svclab.grading import expect, live
from svclab.grading.answers import SERVICE_CIDR, answer, ipv4
from svclab.grading.core import Assignment

A = Assignment("ps6-capstone", "ps6", answers=("app_manifests", "api_ip", "db_primary_ip", "read_counts"))
check = A.check
M = "app_manifests"


@A.visible("q1", "frontend is a NodePort Service on 30080 that selects only the frontend pods")
def q1_frontend() -> None:
    expect.service(M, "frontend", "NodePort")
    expect.port(M, "frontend", 80, target=(8080, "http"), node_port=30080)
    expect.selector_matches(M, "frontend", "tier=frontend")


@A.visible("q2", "api is a ClusterIP Service for the api pods with ClientIP session affinity")
def q2_api() -> None:
    expect.service(M, "api")
    expect.port(M, "api", 80, target=(8080, "http"))
    expect.selector_matches(M, "api", "tier=api")
    expect.affinity(M, "api")


@A.visible("q3", "db-headless is headless and the StatefulSet db names it in serviceName")
def q3_identity() -> None:
    expect.headless(M, "db-headless")
    expect.statefulset_service(M, "db", "db-headless")


@A.visible("q3", "db-headless selects exactly the db pods, on a port named postgres")
def q3_selects() -> None:
    expect.template_selected(M, "db", "db-headless")
    expect.selector_matches(M, "db-headless", "tier=db")
    expect.port(M, "db-headless", 5432, target=(5432, "postgres"), port_name="postgres")


@A.visible("q4", "db-read is a ClusterIP Service selecting the replicas (db-1, db-2), never db-0")
def q4_read() -> None:
    expect.service(M, "db-read")
    expect.port(M, "db-read", 5432, target=(5432, "postgres"))
    db = live.pods("tier=db")
    expect.that(db, "there are no db pods yet: apply the StatefulSet `db` (question 3) and wait until its pods run.")
    unlabelled = [p.metadata.name for p in db if "role" not in (p.metadata.labels or {})]
    expect.that(not unlabelled, f"{', '.join(unlabelled)} {'has' if len(unlabelled) == 1 else 'have'} no `role` label yet, so db-read "
                                "(which selects role=replica) cannot tell the replicas from the primary. Label the pods once they run: "
                                "`lab.kubectl(\"label pod db-0 role=primary\")` and `lab.kubectl(\"label pod db-1 db-2 role=replica\")`.")
    expect.selector_matches(M, "db-read", "tier=db,role=replica")


@A.visible("q5", "api_ip is the api Service's cluster IP now")
def q5_api_ip() -> None:
    ip = ipv4(answer("api_ip"), "`api_ip`")
    now = live.service("api").spec.cluster_ip
    expect.that(ip in SERVICE_CIDR and str(ip) == now, f"`api_ip` is {ip}, but the api Service's cluster IP is {now}.")


@A.visible("q5", "db_primary_ip is pod db-0's IP now")
def q5_primary_ip() -> None:
    ip = str(ipv4(answer("db_primary_ip"), "`db_primary_ip`"))
    now = live.pod("db-0").status.pod_ip
    expect.that(ip == now, f"`db_primary_ip` is {ip}, but db-0's IP is {now}: look up db-0.db-headless's full name.")


def counts_of(name: str) -> dict[str, int]:
    return {str(k): int(v) for k, v in dict(answer(name, (pd.Series, dict))).items()}
