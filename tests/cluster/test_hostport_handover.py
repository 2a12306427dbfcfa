"""kind/cluster.yaml's host-port mappings without PyYAML on the daemon's path (svclab.dataplane.portmappings): handed
over by `svclab up`'s helper for a new state directory (svclab.cluster.handover), kept in the state directory for a
restart, and read again whenever the config's content is not what they were made from. Whatever the source, the
mappings are those reading the config now gives: an edited, missing or broken config behaves as when it is read."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from svclab.cluster import handover
from svclab.dataplane import hostports, portmappings
from svclab.dataplane.portmappings import CACHE_FILE, handover as mappings_to_hand_over, kind_mappings, known_mappings

ONE_WORKER = """kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
  - role: control-plane
  - role: worker
    extraPortMappings:
      - containerPort: 30443
        hostPort: 8443
"""


def as_tuples(found: list[portmappings.PortMapping]) -> list[tuple[object, ...]]:
    return [(m.host_port, m.container_port, m.node, m.listen_address, m.protocol) for m in found]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "cluster.yaml"
    path.write_text(ONE_WORKER)
    return path


def test_the_first_read_is_kept_0600_and_a_restart_takes_it(config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "state"
    state.mkdir()
    read = known_mappings("demo", config, state)
    assert as_tuples(read) == as_tuples(kind_mappings("demo", config)) == [(8443, 30443, "demo-worker", "0.0.0.0", "TCP")]
    assert oct((state / CACHE_FILE).stat().st_mode & 0o777) == "0o600"
    kept = json.loads((state / CACHE_FILE).read_text())
    assert kept["config"] == str(config) and kept["cluster"] == "demo" and len(kept["sha256"]) == 64
    monkeypatch.setattr(portmappings, "parse_kind_mappings", lambda cluster, text: pytest.fail("the config was read again"))
    assert as_tuples(known_mappings("demo", config, state)) == as_tuples(read)


def test_an_edited_config_is_read_again(config: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    known_mappings("demo", config, state)
    config.write_text(ONE_WORKER.replace("hostPort: 8443", "hostPort: 9443"))
    assert as_tuples(known_mappings("demo", config, state)) == [(9443, 30443, "demo-worker", "0.0.0.0", "TCP")]
    assert as_tuples(known_mappings("other", config, state)) == [(9443, 30443, "other-worker", "0.0.0.0", "TCP")]  # another name


def test_a_missing_or_broken_config_gives_what_reading_it_gives(config: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    known_mappings("demo", config, state)
    builtin = [(30080, 30080, "demo-control-plane", "127.0.0.1", "TCP")]
    config.unlink()
    assert as_tuples(known_mappings("demo", config, state)) == as_tuples(kind_mappings("demo", config)) == builtin
    for broken in ("nodes: [unclosed\n", "- just\n- a list\n", "nodes: 7\n"):
        config.write_text(broken)
        assert as_tuples(known_mappings("demo", config, state)) == as_tuples(kind_mappings("demo", config)) == builtin, broken
        assert as_tuples(known_mappings("demo", config, state)) == builtin   # and again, from what was kept
    config.write_bytes(b"nodes: [\xff]\n")   # not UTF-8: the built-in mapping (reading it used to raise at start)
    assert as_tuples(known_mappings("demo", config, state)) == builtin
    config.write_text("nodes:\n  - extraPortMappings: [{containerPort: http}]\n")   # what fails reading fails as before
    with pytest.raises(ValueError):
        known_mappings("demo", config, state)


def test_what_was_kept_is_checked(config: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    known_mappings("demo", config, state)
    kept = json.loads((state / CACHE_FILE).read_text())
    for bad in ("not json", json.dumps([kept]), json.dumps({**kept, "mappings": [{"host_port": "8443"}]}),
                json.dumps({**kept, "mappings": None}), json.dumps({**kept, "sha256": "0" * 64}), json.dumps({**kept, "config": "/elsewhere"})):
        (state / CACHE_FILE).write_text(bad)
        assert as_tuples(known_mappings("demo", config, state)) == [(8443, 30443, "demo-worker", "0.0.0.0", "TCP")]
        assert json.loads((state / CACHE_FILE).read_text()) == kept   # written again, as read


def test_handed_mappings_are_taken_only_for_the_same_content(config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    handed = mappings_to_hand_over("demo", config)
    assert handed is not None and as_tuples(known_mappings("demo", config, None, handed)) == [(8443, 30443, "demo-worker", "0.0.0.0", "TCP")]
    state = tmp_path / "state"
    state.mkdir()
    with monkeypatch.context() as patched:
        patched.setattr(portmappings, "parse_kind_mappings", lambda cluster, text: pytest.fail("the config was read"))
        known_mappings("demo", config, state, handed)
    assert json.loads((state / CACHE_FILE).read_text()) == handed   # kept for a restart
    (state / CACHE_FILE).unlink()
    config.write_text(ONE_WORKER.replace("hostPort: 8443", "hostPort: 9443"))   # edited after the helper read it
    assert as_tuples(known_mappings("demo", config, state, handed)) == [(9443, 30443, "demo-worker", "0.0.0.0", "TCP")]
    assert mappings_to_hand_over("demo", tmp_path / "missing.yaml") is None


def test_the_setting_applies_to_known_mappings(config: Path, tmp_path: Path) -> None:
    handed = mappings_to_hand_over("demo", config)
    base = lambda: known_mappings("demo", config, None, handed)  # noqa: E731
    assert as_tuples(hostports.resolve("31443:30443", "demo", config, base)) == [(31443, 30443, "demo-worker", "0.0.0.0", "TCP")]
    assert hostports.resolve("off", "demo", config, base) == []
    with pytest.raises(hostports.SettingError):
        hostports.resolve("8443", "demo", config, base)


def received(setting: str) -> tuple[object, object]:
    read, write = os.pipe()
    sender = threading.Thread(target=handover.send, args=(write, "svclab", setting))
    sender.start()
    try:
        got = handover.Received(read)
        return got.certs(), got.host_ports()
    finally:
        sender.join()


def test_the_pipe_carries_the_certificates_then_the_mappings() -> None:
    certs, mapped = received("kind")
    assert certs is not None and certs.ca_pem.startswith(b"-----BEGIN CERTIFICATE-----")
    assert mapped == mappings_to_hand_over("svclab")
    assert isinstance(mapped, dict) and mapped["mappings"] == [
        {"host_port": 30080, "container_port": 30080, "node": "svclab-control-plane", "listen_address": "127.0.0.1", "protocol": "TCP"}]
    certs, mapped = received("off")   # no host ports: the certificates only
    assert certs is not None and mapped is None


def test_a_writer_that_sends_nothing_usable_leaves_the_daemon_to_make_its_own() -> None:
    read, write = os.pipe()
    os.write(write, b'{"ca": "x"}\n{not json')
    os.close(write)
    got = handover.Received(read)
    assert got.certs() is None and got.host_ports() is None
    got.close()
    read, write = os.pipe()
    os.close(write)
    empty = handover.Received(read)
    assert empty.certs() is None and empty.host_ports() is None
    assert handover.Received(None).certs() is None
