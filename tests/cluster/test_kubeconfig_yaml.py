"""The kubeconfig the daemon writes without PyYAML (svclab.cluster.kubeconfig.dump_yaml) reads back, with PyYAML and
with kubectl, as the data it was made from."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings, strategies as st

from svclab.cluster.kubeconfig import dump_yaml, embedded_kubeconfig

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.text(max_size=30))
KEYS = st.text(min_size=1, max_size=12)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
                      max_leaves=20)


def test_the_embedded_kubeconfig_reads_back() -> None:
    config = embedded_kubeconfig("https://127.0.0.1:6443", "-token_with-dash", "TFMwdExTMUNSVWRKVGlC==")
    text = dump_yaml(config)
    assert yaml.safe_load(text) == config
    assert text.startswith("apiVersion: v1\nkind: Config\nclusters:\n- name: svclab\n  cluster:\n    server: https://127.0.0.1:6443\n")


@given(st.dictionaries(KEYS, VALUES, max_size=6))
@settings(max_examples=300, deadline=None)
def test_any_kubeconfig_shaped_data_reads_back_as_itself(config: dict[str, Any]) -> None:
    assert yaml.safe_load(dump_yaml(config)) == (config or None)


def test_strings_yaml_would_read_as_something_else_are_quoted() -> None:
    for tricky in ("true", "No", "null", "~", "1.5", "0x1F", "-", "a: b", "abc:", "#x", "", " pad", "é", "inf", ".NaN", "y"):
        assert yaml.safe_load(dump_yaml({"k": tricky})) == {"k": tricky}, tricky
