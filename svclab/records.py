"""Records written out: what ``@dataclass(frozen=True)`` (`Record`) and a plain ``@dataclass`` (`MutableRecord`) make of
a class, without the decorator's cost.

The dataclass decorator compiles six methods for every frozen class when its module is imported (~0.4 ms each class,
~0.7 ms on a busy machine), and a cluster's start imports dozens of them. The classes a start imports subclass
`Record` instead: each names its fields in order (`_fields`: the constructor's parameters and the repr) and returns the
compared ones from `_key` (equality and hash, as the dataclass compared and hashed them); assigning or deleting an
attribute raises FrozenInstanceError, as before. Tests compare each with its former dataclass definition."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from typing import Any

set_field = object.__setattr__   # what a frozen dataclass's __init__ uses


class Record:
    _fields: tuple[str, ...] = ()

    def _key(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._key() == other._key()  # type: ignore[attr-defined]
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"{self.__class__.__qualname__}({', '.join(f'{name}={getattr(self, name)!r}' for name in self._fields)})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")


class MutableRecord:
    """What a plain (not frozen) ``@dataclass`` makes of a class, written out likewise: a repr and equality over
    `_fields` in order, unhashable (a dataclass with ``eq`` and mutable fields sets ``__hash__`` to None)."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Every field, in order (what dataclasses.asdict gives for fields of plain values)."""
        return {name: getattr(self, name) for name in self._fields}

    def __repr__(self) -> str:
        return f"{self.__class__.__qualname__}({', '.join(f'{name}={getattr(self, name)!r}' for name in self._fields)})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return tuple(getattr(self, name) for name in self._fields) == tuple(getattr(other, name) for name in self._fields)

    __hash__ = None  # type: ignore[assignment]
