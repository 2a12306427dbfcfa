"""Resource quantities in validation: ValidateResourceQuantityValue (pkg/apis/core/validation).

Decoding already refused strings that are not quantities (svclab.apiserver.typecheck); here a
quantity's value is read (k8s.io/apimachinery/pkg/api/resource suffixes) to refuse negative amounts
and fractions of resources counted in whole units. Values are shown as written, not in
Quantity.String()'s canonical form.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from svclab.validation import field as f
from svclab.validation import messages as m
from svclab.validation.errors import Cause

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1), "k": Decimal(10**3), "M": Decimal(10**6), "G": Decimal(10**9), "T": Decimal(10**12), "P": Decimal(10**15), "E": Decimal(10**18)}
_QUANTITY = re.compile(r"([+-]?[0-9.]+)(.*)")
# helper.IsIntegerResourceName: the standard resources counted in whole units
INTEGER_RESOURCES = frozenset({"pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps", "persistentvolumeclaims", "services.nodeports", "services.loadbalancers"})


def quantity_value(value: Any) -> Decimal | None:
    """The amount a quantity stands for (None when it is not one)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if not isinstance(value, str):
        return None
    match = _QUANTITY.fullmatch(value.strip())
    if match is None:
        return None
    try:
        number = Decimal(match.group(1))
    except InvalidOperation:
        return None
    suffix = match.group(2)
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    if suffix in _DECIMAL:
        return number * _DECIMAL[suffix]
    if suffix[:1] in ("e", "E"):
        try:
            return number * Decimal(10) ** int(suffix[1:])
        except (ValueError, InvalidOperation, OverflowError):
            return None
    return None


def validate_resource_list_values(resources: Any, path: str) -> list[Cause]:
    """ValidateResourceQuantityValue for each entry of a ResourceList (paths ``<path>.<name>``)."""
    causes: list[Cause] = []
    if not isinstance(resources, dict):
        return causes
    for name, value in resources.items():
        amount = quantity_value(value)
        if amount is None:
            continue
        where = f"{path}.{name}"
        shown = value if isinstance(value, str) else str(value)
        if amount < 0:
            causes.append(f.invalid(where, shown, m.IS_NEGATIVE))
        if name in INTEGER_RESOURCES and amount != amount.to_integral_value():
            causes.append(f.invalid(where, shown, m.MUST_BE_INTEGER))
    return causes
