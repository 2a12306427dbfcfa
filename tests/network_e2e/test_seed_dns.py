"""Issue 3, part 1: the seed article's manifests applied verbatim, then `kubectl exec client --
nslookup ...` and the article's wget loop, compared in full with golden text built from live IPs."""

from __future__ import annotations

from tests.conformance.conftest import seed_block
from tests.network_e2e.conftest import TERMINATED, Lab, answered_addresses, a_block, nslookup_header, nxdomain, short_name_lookup


def test_nslookup_clusterip_service_answers_the_cluster_ip(lab: Lab) -> None:
    ns = lab.namespace()
    lab.apply(ns, seed_block("web-service", "nginx"))
    lab.client(ns)
    lab.wait_ready(ns, "app=nginx")
    cluster_ip = lab.jsonpath(ns, "svc/web-service", "{.spec.clusterIP}")

    result = lab.exec(ns, "client", "nslookup", "web-service")
    assert result.stdout == short_name_lookup("web-service", ns, [cluster_ip])
    assert (result.returncode, result.stderr) == (1, TERMINATED.format(code=1))
    # The A record is the virtual IP, never a pod IP.
    assert cluster_ip not in lab.pod_ips(ns, "app=nginx").values()


def test_nslookup_headless_statefulset_names(lab: Lab) -> None:
    ns = lab.namespace()
    lab.apply(ns, seed_block("mysql-headless", "mysql"))
    lab.client(ns)
    lab.wait_ready(ns, "app=mysql")
    pods = lab.pod_ips(ns, "app=mysql")
    assert sorted(pods) == ["mysql-0", "mysql-1", "mysql-2"]
    endpoints = lab.slice_endpoints(ns, "mysql-headless")
    assert sorted(name for name, _ip, _ready in endpoints) == sorted(pods)
    in_slice_order = [ip for _name, ip, ready in endpoints if ready == "true"]

    # The headless name: one A record per ready pod, in the order the loadbalance plugin shuffled them.
    result = lab.exec(ns, "client", "nslookup", "mysql-headless")
    shuffled = answered_addresses(result.stdout)
    assert sorted(shuffled) == sorted(in_slice_order)
    assert result.stdout == short_name_lookup("mysql-headless", ns, shuffled)
    assert (result.returncode, result.stderr) == (1, TERMINATED.format(code=1))

    # busybox 1.36 does not search for a name with a dot in it: both queries go out as is.
    result = lab.exec(ns, "client", "nslookup", "mysql-0.mysql-headless")
    assert result.stdout == nslookup_header() + nxdomain("mysql-0.mysql-headless") * 2
    assert (result.returncode, result.stderr) == (1, TERMINATED.format(code=1))

    # The fully qualified pod name resolves to mysql-0's IP (the AAAA reply is an empty NOERROR).
    fqdn = f"mysql-0.mysql-headless.{ns}.svc.cluster.local"
    result = lab.exec(ns, "client", "nslookup", fqdn)
    assert result.stdout == nslookup_header() + a_block(fqdn, [pods["mysql-0"]]) + "\n"
    assert (result.returncode, result.stderr) == (0, "")


def test_seed_wget_loop_reaches_each_statefulset_pod(lab: Lab) -> None:
    """`wget` uses the resolver (musl: search path, ndots:5), so `mysql-0.mysql-headless` does
    resolve there, and each pod's mysqld accepts the connection on 3306; but MySQL speaks first,
    in its own protocol: busybox wget reads its greeting as an HTTP reply and gives up, as it does
    against a real MySQL."""
    ns = lab.namespace()
    lab.apply(ns, seed_block("mysql-headless", "mysql"))
    lab.client(ns)
    lab.wait_ready(ns, "app=mysql")
    ips = lab.pod_ips(ns, "app=mysql")

    loop = 'for i in 0 1 2; do echo "Testing mysql-$i"; wget -qO- http://mysql-$i.mysql-headless:3306; done'
    result = lab.exec(ns, "client", "sh", "-c", loop)
    assert result.stdout == "".join(f"Testing mysql-{i}\n" for i in range(3))
    assert result.stderr == "wget: bad header line: 8.0.46\n" * 3 + TERMINATED.format(code=1)

    # Each name reaches that pod's listener: nc connects to 3306 of each pod IP.
    result = lab.exec(ns, "client", "sh", "-c", "for i in 0 1 2; do nc -zv mysql-$i.mysql-headless 3306; done")
    assert result.stderr == "".join(f"mysql-{i}.mysql-headless ({ips[f'mysql-{i}']}:3306) open\n" for i in range(3))

    # A port the pod does not listen on is refused by the pod's IP.
    result = lab.exec(ns, "client", "wget", "-qO-", "http://mysql-1.mysql-headless:5432")
    ip = lab.pod_ips(ns, "app=mysql")["mysql-1"]
    assert result.stderr == f"wget: can't connect to remote host ({ip}): Connection refused\n" + TERMINATED.format(code=1)
    assert (result.stdout, result.returncode) == ("", 1)
