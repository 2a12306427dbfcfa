"""Answers leave the kernel as typed data (svclab.grading.values): exact types only, rebuilt with the grader's own."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from svclab.grading import values
from svclab.grading.answers import Answers, answer, use
from svclab.grading.core import CheckFailed
from svclab.lab.execution import ExecOutput
from svclab.lab.lookups import parse_nslookup


def roundtrip(value: object) -> object:
    return values.decode(json.loads(json.dumps(values.encode(value))))


@pytest.mark.parametrize("value", [None, True, 0, -7, 2**70, 1.5, float("inf"), "10.96.0.1", "", [1, "a"], (1, 2), {"a": [1, {"b": None}]},
                                   {1: "x"}, Ellipsis])
def test_plain_values_come_back_equal_and_of_the_same_type(value: object) -> None:
    back = roundtrip(value)
    assert values.same(back, value)


def test_a_subclass_is_not_its_base_type() -> None:
    class Same(str):
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = str.__hash__

    back = roundtrip(Same("x"))
    assert isinstance(back, values.Opaque) and back.type_name.endswith("Same")
    assert back != "x" and type(roundtrip(True)) is bool and type(roundtrip(1)) is int


def test_pandas_numpy_and_lab_results_are_rebuilt() -> None:
    series = pd.Series({"web-1": 60, "web-2": 40}, name="requests", dtype="int64")
    series.index.name = "pod"
    back = roundtrip(series)
    assert type(back) is pd.Series and back.to_dict() == {"web-1": 60, "web-2": 40} and back.index.name == "pod"
    assert type(roundtrip(np.int64(3))) is np.int64
    text = "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\nName:\tweb.ps1.svc.cluster.local\nAddress: 10.96.1.2\n\n"
    lookup = roundtrip(parse_nslookup("web", ExecOutput(text, "", 0)))
    assert type(lookup).__name__ == "Lookup" and lookup.query == "web" and lookup.addresses == ["10.96.1.2"]


def test_bounds() -> None:
    assert values.encode("x" * 10)[0] == "str"
    with pytest.raises(values.TooLarge):
        values.encode(["x" * (1 << 20)] * 10)
    nested: list[object] = []
    for _ in range(100):
        nested = [nested]
    assert "nested too deeply" in json.dumps(values.encode(nested))


@pytest.mark.parametrize("bad", [1, [], ["nope"], ["str", 1], ["dict", [[["str", "a"]]]], ["list", [["set", [["list", []]]]]], ["float", "1" * 100]])
def test_malformed_data_is_refused(bad: object) -> None:
    with pytest.raises(values.Malformed):
        values.decode(bad)


def test_answer_compares_exact_types_and_reads_past_values() -> None:
    use(Answers({"port": True, "ip": values.Opaque("Same", "'x'"), "p": "after"}, {"q2-predict": {"p": "before"}}, ("port", "ip", "p")))
    try:
        with pytest.raises(CheckFailed, match="should be a whole number"):
            answer("port", int)
        with pytest.raises(CheckFailed, match="it is a Same"):
            answer("ip", str)
        assert answer("p") == "after" and answer("p", at="q2-predict") == "before"
        with pytest.raises(LookupError, match="not declared"):
            answer("other")
    finally:
        use(None)
