"""What each `lab.apply` did to each object: applied, refused by the API (with its message), or not
reached because an object before it in the same manifest was refused.

A refused apply leaves the cluster as it was, while the learner's variable holds the new manifest.
The grading checks read this record to say so ("your last apply of StatefulSet db was refused: …")
instead of judging a manifest the cluster never received.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Outcome:
    kind: str
    namespace: str  # "" for cluster-scoped objects
    name: str
    refusal: str | None = None  # the API's message, when this object was refused
    blocked_by: str | None = None  # "StatefulSet/db", when an earlier object's refusal stopped the apply

    @property
    def applied(self) -> bool:
        return self.refusal is None and self.blocked_by is None

    @property
    def label(self) -> str:
        return f"{self.kind}/{self.name}"


@dataclass
class ApplyLog:
    """Per object, the outcome of the last apply that named it; and the outcomes of the last apply call."""

    by_object: dict[tuple[str, str, str], Outcome] = field(default_factory=dict)
    last_call: list[Outcome] = field(default_factory=list)

    def record(self, outcomes: list[Outcome]) -> None:
        self.last_call = list(outcomes)
        for outcome in outcomes:
            self.by_object[(outcome.kind, outcome.namespace, outcome.name)] = outcome

    def outcome(self, kind: str, namespace: str, name: str) -> Outcome | None:
        return self.by_object.get((kind, namespace, name))

    def last_refusal(self) -> Outcome | None:
        """The refused object of the last apply call, if that call was refused."""
        return next((o for o in self.last_call if o.refusal is not None), None)


def refusal_note(outcome: Outcome | None) -> str | None:
    """One sentence on why an object is not in the cluster as the manifest says, or None when it was applied."""
    if outcome is None or outcome.applied:
        return None
    if outcome.refusal is not None:
        return f"your last apply of {outcome.label} was refused: {outcome.refusal}"
    return f"{outcome.label} was not applied: {outcome.blocked_by} before it in the same manifest was refused, and an apply stops at the first refusal"
