"""What the tests of written-out classes (svclab.records and svclab.dns.objects) check against the dataclass each
class was: the same constructor (by keyword and by position), repr, equality and hash, and frozen fields."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest


def assert_behaves_as_dataclass(mine: type, reference: type, made: list[dict[str, Any]]) -> None:
    """`mine` against its former dataclass `reference`, on every field-value mapping in `made`."""
    first = dataclasses.fields(reference)[0].name
    for one in made:
        ours, theirs = mine(**one), reference(**one)
        assert repr(ours) == repr(theirs).replace(f"{reference.__qualname__}(", f"{mine.__qualname__}(", 1)
        assert mine(*one.values()) == ours   # positionally too
        assert hash(ours) == hash(theirs)   # the hash of the compared fields, as a dataclass makes it
        assert ours != theirs and (ours == object()) is False
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(ours, first, one[first])
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(ours, first)
        for other in made:
            equal = reference(**one) == reference(**other)
            assert (mine(**one) == mine(**other)) == equal
            if equal:
                assert hash(mine(**one)) == hash(mine(**other))
