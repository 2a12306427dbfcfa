"""ps5-service-types: NodePort (and the ClusterIP inside it), ExternalName, SRV records, a decision guide."""

from __future__ import annotations

from svclab.grading import expect, live
from svclab.grading.answers import SERVICE_CIDR, answer, find, ipv4, spec
from svclab.grading.core import Assignment, CheckFailed, partial
from svclab.grading.scoring import choice, lesson, normal

A = Assignment("ps5-service-types", "ps5", answers=("nodeport_service", "alias_service", "predicted_alias", "srv_port", "choices"))
check = A.check
SELECTORLESS = "Service without selector + EndpointSlice"
TYPES = ("ClusterIP", "Headless", "NodePort", "LoadBalancer", "ExternalName", SELECTORLESS)
SCENARIOS = (
    "a stateless REST API called only by other pods",
    "a database whose clients must reach one specific replica by name",
    "a demo web page you open from your laptop through kind's extraPortMappings",
    "a managed database outside the cluster, given a cluster DNS name",
)


@A.visible("q1", "web-nodeport is a NodePort Service on node port 30080")
def q1_type() -> None:
    expect.service("nodeport_service", "web-nodeport", "NodePort")
    expect.port("nodeport_service", "web-nodeport", 80, node_port=30080)


@A.visible("q1", "its port 80 is named http and forwards to the pods' 8080")
def q1_port() -> None:
    expect.port("nodeport_service", "web-nodeport", 80, target=(8080, "http"), port_name="http")


@A.visible("q1", "a NodePort Service is a ClusterIP Service too: web-nodeport has a cluster IP in 10.96.0.0/16")
def q1_cluster_ip() -> None:
    ip = ipv4(live.service("web-nodeport").spec.cluster_ip, "web-nodeport's cluster IP")
    expect.that(ip in SERVICE_CIDR, f"web-nodeport's cluster IP {ip} is outside 10.96.0.0/16.")


@A.visible("q2", "web-alias is an ExternalName Service for web-nodeport's full DNS name")
def q2_alias() -> None:
    svc = expect.service("alias_service", "web-alias", "ExternalName")
    target = (spec(svc).get("externalName") or "").rstrip(".")
    want = live.fqdn("web-nodeport")
    expect.that(target == want, f"web-alias points at {target!r}; an ExternalName is used verbatim as a CNAME target, "
                                f"so write the full name {want} (a short name would not resolve from other namespaces).")
    expect.that(not spec(svc).get("selector"), "an ExternalName Service needs no selector: DNS answers with a CNAME, and no pods are involved.")


ALIAS_ANSWERS = ("web-nodeport's cluster IP", "the web pods' IPs", "the node IPs", "no address at all")
SEE_EXTERNALNAME = lesson("05", "ExternalName")


def q2_prediction() -> float:
    """Hidden (1 point): what web-alias resolves to, predicted before looking, against DNS now."""
    def predicted() -> None:
        guess = choice("predicted_alias", ALIAS_ANSWERS, at="q2-predict")
        found = live.lookup(live.fqdn("web-alias"))
        cluster_ip = live.service("web-nodeport").spec.cluster_ip
        truth = {(cluster_ip,): ALIAS_ANSWERS[0], (): ALIAS_ANSWERS[3]}.get(tuple(found), "something else")
        expect.that(guess == truth, f"you predicted {guess}; web-alias resolves to {', '.join(found) or 'nothing'} ({truth}). DNS answers an "
                                    "ExternalName with a CNAME to its target, and the resolver follows it: here the target is an ordinary "
                                    f"Service's name, so the answer ends in that Service's cluster IP {SEE_EXTERNALNAME}.")

    return partial("q2: your prediction of what web-alias resolves to", {"web-alias resolves to": predicted}, 1)


@A.visible("q3", "srv_port is the port the SRV record _http._tcp.web-nodeport advertises now")
def q3_srv() -> None:
    got = answer("srv_port", int)
    out = live.lab.dig("+short", "SRV", f"_http._tcp.{live.fqdn('web-nodeport')}").stdout.split()
    expect.that(len(out) >= 3, "the SRV record _http._tcp.web-nodeport does not exist: name web-nodeport's port `http` (question 1).")
    expect.that(got == int(out[2]), f"`srv_port` is {got}, but the SRV record of web-nodeport's port `http` advertises another port. An SRV "
                                    "answer reads `priority weight port target`, and the port it advertises is the Service's port, not the "
                                    f"node port or the pods' targetPort {lesson('05', 'DNS records we have not met yet')}.")


# Every correct design for each scenario, and why the others miss (shown when a scenario is answered wrong).
ACCEPTED = {
    SCENARIOS[0]: ({"ClusterIP"}, "other pods need one stable name and address, balanced over interchangeable replicas: a ClusterIP "
                                  f"Service; nothing outside the cluster calls it, so it needs no node port {lesson('01', 'The virtual IP')}."),
    SCENARIOS[1]: ({"Headless"}, "a client that must reach one replica needs a name per pod: a headless Service (the governing Service "
                                 f"of a StatefulSet) gives each pod `<pod>.<service>` {lesson('03', 'A StatefulSet and its governing Service')}."),
    SCENARIOS[2]: ({"NodePort", "LoadBalancer"}, "extraPortMappings forward a port of your laptop to a port of the kind node, so the "
                                                 "Service must open a fixed node port: a NodePort Service, or a LoadBalancer Service "
                                                 f"(which is a NodePort Service too) {lesson('05', 'NodePort')}."),
    SCENARIOS[3]: ({"ExternalName", SELECTORLESS}, "the database has no pods to select: give it a cluster name with an ExternalName "
                                                   "Service (a CNAME to its DNS name), or with a Service without a selector plus an "
                                                   f"EndpointSlice listing its addresses (ps2, question 3) {SEE_EXTERNALNAME}."),
}


def _scenario(scenario: str) -> None:
    choices = answer("choices", dict)
    given = choices.get(scenario)
    if type(given) is not str:
        raise CheckFailed(f"no answer for this scenario (a string, one of {', '.join(TYPES)}).")
    got = {normal(t): t for t in TYPES}.get(normal(given), given)
    accepted, why = ACCEPTED[scenario]
    expect.that(got in accepted, f"you chose {given}: {why}")


def q4_scenarios() -> float:
    """Hidden (4 points): one point per scenario; every correct design is accepted."""
    return partial("q4: a fitting Service for each scenario", {s: (lambda s=s: _scenario(s)) for s in SCENARIOS}, 4)


@A.visible("q4", "choices gives a Service type for every scenario")
def q4_shape() -> None:
    choices = answer("choices", dict)
    missing = [s for s in SCENARIOS if s not in choices]
    expect.that(not missing, f"`choices` has no answer for: {'; '.join(missing)}.")
    known = {normal(t) for t in TYPES}
    wrong = {s: v for s, v in choices.items() if type(v) is not str or normal(v) not in known}
    expect.that(not wrong, f"use one of {', '.join(TYPES)}; these answers are not among them: {wrong}.")
