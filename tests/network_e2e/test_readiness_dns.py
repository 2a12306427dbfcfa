"""Issue 3, part 4: readiness decides what a headless Service publishes. StatefulSet pods with an
exec readinessProbe `cat /tmp/ready` stay out of DNS until `kubectl exec web-2 -- touch /tmp/ready`;
`publishNotReadyAddresses: true` publishes them all at once."""

from __future__ import annotations

import time
from collections.abc import Callable

from tests.network_e2e.conftest import TERMINATED, Lab, answered_addresses, a_block, nslookup_header, nxdomain, short_name_lookup


def web_set(period: int, publish_not_ready: bool = False, name: str = "web") -> str:
    publish = "\n  publishNotReadyAddresses: true" if publish_not_ready else ""
    return f"""apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  clusterIP: None{publish}
  selector:
    app: web
  ports:
  - port: 80
    name: http
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: {name}
  replicas: 3
  podManagementPolicy: Parallel
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: busybox:1.36.1
        command: ["sleep", "3600"]
        readinessProbe:
          exec:
            command: ["cat", "/tmp/ready"]
          periodSeconds: {period}
"""


def ready_in_slices(lab: Lab, ns: str, service: str) -> dict[str, str]:
    return {name: ready for name, _ip, ready in lab.slice_endpoints(ns, service)}


def wait_running(lab: Lab, ns: str) -> dict[str, str]:
    lab.k("-n", ns, "wait", "--for=jsonpath={.status.phase}=Running", "pod", "-l", "app=web", "--timeout=30s")
    pods = lab.pod_ips(ns, "app=web")
    assert sorted(pods) == ["web-0", "web-1", "web-2"]
    return pods


def test_pod_enters_dns_within_two_probe_periods_after_touch(lab: Lab) -> None:
    ns = lab.namespace()
    lab.apply(ns, web_set(period=2))
    lab.client(ns)
    pods = wait_running(lab, ns)
    lab.cluster.advance(10)      # five probe periods: nobody is ready without /tmp/ready

    assert lab.jsonpath(ns, "pods", "{range .items[?(@.metadata.labels.app=='web')]}{.status.conditions[?(@.type=='Ready')].status} {end}").split() == ["False"] * 3
    assert ready_in_slices(lab, ns, "web") == {"web-0": "false", "web-1": "false", "web-2": "false"}
    result = lab.exec(ns, "client", "nslookup", "web")
    assert result.stdout == short_name_lookup("web", ns, [])
    assert (result.returncode, result.stderr) == (1, TERMINATED.format(code=1))

    assert lab.exec(ns, "web-2", "touch", "/tmp/ready").returncode == 0
    periods = 0
    while ready_in_slices(lab, ns, "web")["web-2"] != "true":
        assert periods < 2, "web-2 not ready within two probe periods"
        lab.cluster.advance(2)
        periods += 1
    assert periods >= 1          # the probe result is not instant: it waits for the next period
    assert ready_in_slices(lab, ns, "web") == {"web-0": "false", "web-1": "false", "web-2": "true"}
    assert lab.jsonpath(ns, "pod/web-2", "{.status.conditions[?(@.type=='Ready')].status}") == "True"

    result = lab.exec(ns, "client", "nslookup", "web")
    assert result.stdout == short_name_lookup("web", ns, [pods["web-2"]])
    assert (result.returncode, result.stderr) == (1, TERMINATED.format(code=1))
    for pod, expected in (("web-2", [pods["web-2"]]), ("web-0", [])):
        fqdn = f"{pod}.web.{ns}.svc.cluster.local"
        result = lab.exec(ns, "client", "nslookup", fqdn)
        if expected:
            assert (result.stdout, result.returncode) == (nslookup_header() + a_block(fqdn, expected) + "\n", 0)
        else:
            assert (result.stdout, result.returncode) == (nslookup_header() + nxdomain(fqdn) * 2, 1)

    # Remove the file: three failed probes (failureThreshold) later web-2 leaves DNS again.
    assert lab.exec(ns, "web-2", "rm", "/tmp/ready").returncode == 0
    for _ in range(2):
        lab.cluster.advance(2)
        assert ready_in_slices(lab, ns, "web")["web-2"] == "true"
    lab.cluster.advance(2)
    assert ready_in_slices(lab, ns, "web")["web-2"] == "false"
    assert lab.exec(ns, "client", "nslookup", "web").stdout == short_name_lookup("web", ns, [])


def test_publish_not_ready_addresses_publishes_every_pod(lab: Lab) -> None:
    ns = lab.namespace()
    lab.apply(ns, web_set(period=2, publish_not_ready=True, name="web-all"))
    lab.client(ns)
    pods = wait_running(lab, ns)
    lab.cluster.advance(10)
    assert lab.jsonpath(ns, "pod/web-0", "{.status.conditions[?(@.type=='Ready')].status}") == "False"
    endpoints = lab.slice_endpoints(ns, "web-all")
    assert sorted((name, ip, ready) for name, ip, ready in endpoints) == sorted((n, ip, "true") for n, ip in pods.items())
    result = lab.exec(ns, "client", "nslookup", "web-all")
    shuffled = answered_addresses(result.stdout)
    assert sorted(shuffled) == sorted(ip for _name, ip, _ready in endpoints)
    assert result.stdout == short_name_lookup("web-all", ns, shuffled)
    assert (result.returncode, result.stderr) == (1, TERMINATED.format(code=1))


def test_real_time_probe_with_one_second_period(start_lab: Callable[..., Lab]) -> None:
    lab = start_lab()            # real clock
    ns = lab.namespace()
    lab.apply(ns, web_set(period=1))
    lab.client(ns)
    pods = wait_running(lab, ns)
    assert lab.exec(ns, "client", "nslookup", "web").stdout == short_name_lookup("web", ns, [])
    assert lab.exec(ns, "web-2", "touch", "/tmp/ready").returncode == 0
    touched = time.monotonic()
    answer = ""
    while time.monotonic() - touched < 3:
        answer = lab.exec(ns, "client", "nslookup", "web").stdout
        if pods["web-2"] in answer:
            break
        time.sleep(0.2)
    assert answer == short_name_lookup("web", ns, [pods["web-2"]])
    assert ready_in_slices(lab, ns, "web") == {"web-0": "false", "web-1": "false", "web-2": "true"}


def test_an_update_to_an_unready_pod_triggers_its_probe_at_once(lab: Lab) -> None:
    """kubectl annotate makes the kubelet sync the pod (config.go podsDifferSemantically), and a sync of a running,
    unready container triggers its readiness probe at once (prober_manager.go UpdatePodStatus, manualTriggerCh):
    web-2 is Ready without the clock moving. The period's own probes keep their schedule; a Ready pod or a pod
    still in its initialDelaySeconds is not probed by a trigger."""
    ns = lab.namespace()
    lab.apply(ns, web_set(period=30))
    pods = wait_running(lab, ns)
    lab.cluster.advance(1)
    assert lab.exec(ns, "web-2", "touch", "/tmp/ready").returncode == 0
    assert lab.exec(ns, "web-1", "touch", "/tmp/ready").returncode == 0
    lab.cluster.advance(0)
    assert ready_in_slices(lab, ns, "web") == {"web-0": "false", "web-1": "false", "web-2": "false"}  # the next period is 29 s away
    lab.k("-n", ns, "annotate", "pod", "web-2", "example.com/touched=yes")
    lab.cluster.advance(0)
    assert ready_in_slices(lab, ns, "web") == {"web-0": "false", "web-1": "false", "web-2": "true"}
    assert lab.jsonpath(ns, "pod/web-2", "{.status.conditions[?(@.type=='Ready')].status}") == "True"
    lab.k("-n", ns, "label", "pod", "web-0", "example.com/looked=yes")   # probed at once: still no file
    lab.cluster.advance(0)
    assert ready_in_slices(lab, ns, "web") == {"web-0": "false", "web-1": "false", "web-2": "true"}
    lab.cluster.advance(29)   # the period's probe: web-1 has its file
    assert ready_in_slices(lab, ns, "web") == {"web-0": "false", "web-1": "true", "web-2": "true"}
    assert sorted(pods) == ["web-0", "web-1", "web-2"]


def test_a_trigger_waits_for_the_initial_delay(lab: Lab) -> None:
    ns = lab.namespace()
    lab.apply(ns, web_set(period=30).replace("periodSeconds: 30", "periodSeconds: 30\n          initialDelaySeconds: 20"))
    wait_running(lab, ns)
    assert lab.exec(ns, "web-2", "touch", "/tmp/ready").returncode == 0
    lab.k("-n", ns, "annotate", "pod", "web-2", "example.com/touched=yes")
    lab.cluster.advance(0)
    assert ready_in_slices(lab, ns, "web")["web-2"] == "false"   # within initialDelaySeconds: no probe at all
    lab.cluster.advance(20)
    assert ready_in_slices(lab, ns, "web")["web-2"] == "true"    # the first probe, at the end of the delay


def test_a_trigger_during_a_probe_runs_when_it_ends(lab: Lab) -> None:
    """The worker's manualTriggerCh holds one trigger: an update while the pod's exec probe still runs is not lost,
    the probe runs again as soon as that one ends (here the probe is slow: it reads the file, then sleeps a while)."""
    ns = lab.namespace()
    lab.apply(ns, web_set(period=30).replace('command: ["cat", "/tmp/ready"]', 'command: ["sh", "-c", "cat /tmp/ready; found=$?; sleep 1; exit $found"]')
              .replace("periodSeconds: 30", "periodSeconds: 30\n          timeoutSeconds: 5"))
    wait_running(lab, ns)
    assert lab.exec(ns, "web-2", "touch", "/tmp/ready").returncode == 0   # the first probe has failed to read it, and sleeps
    lab.k("-n", ns, "annotate", "pod", "web-2", "example.com/touched=yes")
    deadline = time.monotonic() + 5   # the clock stands still: the next period is 30 s away
    while ready_in_slices(lab, ns, "web")["web-2"] != "true":
        assert time.monotonic() < deadline, "the trigger that came during the probe was lost"
        lab.cluster.advance(0)   # waits for the probe in flight (a second), then for the one the trigger starts
        time.sleep(0.1)
