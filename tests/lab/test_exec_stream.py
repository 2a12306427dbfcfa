"""svclab's exec stream client (`svclab.lab.exec_stream`, what `lab.exec_in` uses) against the embedded cluster's
real exec endpoint: channels, exit codes, a command that cannot start, large and non-UTF-8 output, the server's
refusals (a pod that is not there, a container that has not started), timeouts and the output bound, TLS
session reuse. Protocol edge cases a real API server may produce but this one does not are in
`test_exec_protocol.py`, against fake servers."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Iterator

import pytest

from svclab import lab
from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster
from svclab.lab import execution, manifests, waiting
from svclab.lab.exec_stream import ExecClient, ExecTimeout, OutputTooLarge, UpgradeRefused, exec_path
from svclab.lab.session import Session, api_client, renewed_credentials

NS = "streams"


def _pod(name: str, **spec: object) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": name, "image": "busybox:1.36.1", "command": ["sleep", "infinity"]}], **spec}}


def _session(cluster: EmbeddedCluster, tmp: Path) -> Session:
    assert cluster.kubeconfig_path is not None
    return Session("embedded", cluster.kubeconfig_path, None, NS, api_client(cluster.kubeconfig_path), tmp, embedded=cluster)


@pytest.fixture(scope="module")
def session() -> Iterator[Session]:
    with tempfile.TemporaryDirectory() as tmp, EmbeddedCluster(ClusterConfig(state_dir=Path(tmp) / "state", seed=3)) as cluster:
        s = _session(cluster, Path(tmp))
        manifests.apply(s, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
        manifests.apply(s, _pod("bb"), NS)
        try:
            yield s
        finally:
            s.api.close()


def run(s: Session, command: list[str], **kwargs: object) -> execution.ExecOutput:
    return execution.exec_in(s, "bb", command, NS, **kwargs)  # type: ignore[arg-type]


def test_stdout_stderr_and_the_exit_code_come_apart(session: Session) -> None:
    assert run(session, ["sh", "-c", "echo out; echo err >&2; exit 3"]) == execution.ExecOutput("out\n", "err\n", 3)
    assert run(session, ["true"]) == execution.ExecOutput("", "", 0)
    assert run(session, ["sh", "-c", "echo 'a b&c=d'"]).stdout == "a b&c=d\n"   # arguments survive the query string


def test_a_command_that_cannot_start_is_exit_1_with_nothing_written(session: Session) -> None:
    # the runtime's InternalError Status (no ExitCode cause) is exit 1, as before
    assert run(session, ["nosuch"]) == execution.ExecOutput("", "", 1)
    result = session.exec_client.run(exec_path(NS, "bb", ["nosuch"]))
    assert '"reason": "InternalError"' in result.status and "nosuch" in result.status


def test_large_output_arrives_whole_over_many_frames(session: Session) -> None:
    out = run(session, ["seq", "1", "200000"]).stdout
    assert out == "".join(f"{i}\n" for i in range(1, 200001))


def test_non_utf8_output_is_kept_as_bytes_and_read_with_replacement(session: Session) -> None:
    script = ["sh", "-c", "tr a '\\377' <<EOF\naaa\nEOF"]
    assert session.exec_client.run(exec_path(NS, "bb", script)).stdout == b"\xff\xff\xff\n"
    assert run(session, script).stdout == "\ufffd\ufffd\ufffd\n"


def test_stdout_only_drops_stderr_at_the_server(session: Session) -> None:
    result = session.exec_client.run(exec_path(NS, "bb", ["sh", "-c", "echo out; echo err >&2"], stderr=False))
    assert (result.stdout, result.stderr) == (b"out\n", b"")
    assert result.protocol == "v5.channel.k8s.io"


def test_a_pod_that_is_not_there_is_the_apis_404_status(session: Session) -> None:
    with pytest.raises(UpgradeRefused) as refused:
        session.exec_client.run(exec_path(NS, "nope", ["true"]))
    assert (refused.value.status, refused.value.words()) == (404, 'pods "nope" not found')
    with pytest.raises(lab.LabError, match=r'^pods "nope" not found in namespace streams$'):
        execution.exec_in(session, "nope", ["true"], NS)


def test_an_invalid_container_is_the_apis_400_in_one_line(session: Session) -> None:
    with pytest.raises(lab.LabError, match=r"^pod bb's container is not running after 0s \(Running\)"):
        execution.exec_in(session, "bb", ["true"], NS, container="other", start_timeout=0)
    with pytest.raises(UpgradeRefused) as refused:
        session.exec_client.run(exec_path(NS, "bb", ["true"], container="other"))
    assert (refused.value.status, refused.value.words()) == (400, "container other is not valid for pod bb")


def test_a_timeout_ends_the_command_and_says_so(session: Session) -> None:
    network = session.embedded.network
    with pytest.raises(ExecTimeout):
        session.exec_client.run(exec_path(NS, "bb", ["sleep", "30"]), timeout=0.3)
    deadline = time.monotonic() + 5
    while len(network.sessions) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(network.sessions) == 0   # closing the stream ended `sleep 30`
    with pytest.raises(lab.LabError, match=r"^exec in pod bb: the command did not finish within 0s$"):
        run(session, ["sleep", "30"], timeout=0.3)
    assert run(session, ["hostname"]).stdout == "bb\n"


def test_output_beyond_the_bound_is_refused(session: Session) -> None:
    with pytest.raises(OutputTooLarge):
        session.exec_client.run(exec_path(NS, "bb", ["seq", "1", "10000"]), max_output=1000)
    assert len(session.exec_client.run(exec_path(NS, "bb", ["seq", "1", "100"]), max_output=1000).stdout) == 292


def test_connections_resume_the_tls_session(session: Session) -> None:
    client = ExecClient(session.api.configuration)
    for _ in range(3):
        client.run(exec_path(NS, "bb", ["true"]))
    assert client.resumed == 2   # the first connection made the session, the next two resumed it


def test_one_exec_client_per_api_client(session: Session) -> None:
    first = session.exec_client
    assert session.exec_client is first
    previous = session.api
    session.api = api_client(session.kubeconfig)   # what ensure_connected does after a restart
    try:
        assert session.exec_client is not first
    finally:
        session.api.close()
        session.api = previous


def test_a_static_token_drops_the_clients_per_request_refresh(session: Session) -> None:
    assert session.api.configuration.refresh_api_key_hook is None
    assert session.api.configuration.auth_settings()["BearerToken"]["value"].startswith("Bearer ")


def test_an_exec_plugins_token_keeps_the_refresh(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("""apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
users: [{name: u, user: {token: static}}, {name: p, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: "true"}}}]
""")
    assert not renewed_credentials(kubeconfig, None)
    assert not renewed_credentials(kubeconfig, "x")
    kubeconfig.write_text(kubeconfig.read_text().replace("user: u}", "user: p}"))
    assert renewed_credentials(kubeconfig, "x")


@pytest.fixture(scope="module")
def slow_cluster() -> Iterator[tuple[EmbeddedCluster, Session]]:
    with tempfile.TemporaryDirectory() as tmp, EmbeddedCluster(ClusterConfig(state_dir=Path(tmp) / "state", seed=4, manual_clock=True, pod_start_seconds=30)) as cluster:
        s = _session(cluster, Path(tmp))
        manifests.apply(s, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
        try:
            yield cluster, s
        finally:
            s.api.close()


def test_a_container_not_started_yet_is_the_kubelets_plain_text_500(slow_cluster: tuple[EmbeddedCluster, Session]) -> None:
    cluster, s = slow_cluster
    manifests.apply(s, _pod("late"), NS)
    with pytest.raises(UpgradeRefused) as refused:
        s.exec_client.run(exec_path(NS, "late", ["true"]))
    assert (refused.value.status, refused.value.content_type.split(";")[0], refused.value.words()) == (500, "text/plain", 'container not found ("late")')
    with pytest.raises(lab.LabError, match=r"^pod late's container is not running after 0s \(Pending, ContainerCreating\): exec needs a running container$"):
        execution.exec_in(s, "late", ["true"], NS, start_timeout=0)
    cluster.advance(30)
    assert execution.exec_in(s, "late", ["hostname"], NS, start_timeout=30).stdout == "late\n"


def test_client_pod_reads_its_pod_as_json(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """`lab.client_pod` creates the pod once, then takes a Ready pod with its label at once (one plain JSON read);
    a pod of that name that lacks the label is not taken for it (the wait for app=NAME times out)."""
    monkeypatch.setattr(lab, "_current", session)
    assert lab.client_pod(namespace=NS) == "client"
    found = session.core.read_namespaced_pod("client", NS)
    assert (found.metadata.labels, found.spec.containers[0].command) == ({"app": "client"}, ["sleep", "infinity"])
    requests: list[tuple[str, str]] = []
    original = manifests.request

    def counting(api: object, method: str, path: str, *args: object, **kwargs: object) -> object:
        requests.append((method, path))
        return original(api, method, path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(manifests, "request", counting)
    assert lab.client_pod(namespace=NS) == "client"
    assert requests == [("GET", f"/api/v1/namespaces/{NS}/pods/client")]
    original_wait = waiting.wait_ready
    monkeypatch.setattr(waiting, "wait_ready", lambda s, selector, count, ns: original_wait(s, selector, count, ns, timeout=0.2))
    with pytest.raises(lab.WaitTimeout):
        lab.client_pod("bb", namespace=NS)   # `bb` runs, but carries no app=bb label


def test_ready_json_reads_what_is_ready_reads() -> None:
    from svclab.lab.tables import ready_json

    ready = {"metadata": {"labels": {"app": "client"}}, "status": {"conditions": [{"type": "PodScheduled", "status": "True"}, {"type": "Ready", "status": "True"}]}}
    assert ready_json(ready, "client")
    assert not ready_json(ready, "other")
    assert not ready_json({**ready, "metadata": {"labels": {"app": "client"}, "deletionTimestamp": "2026-11-27T01:00:00Z"}}, "client")
    assert not ready_json({**ready, "status": {"conditions": [{"type": "Ready", "status": "False"}]}}, "client")
    assert not ready_json({"metadata": {}, "status": {}}, "client")
