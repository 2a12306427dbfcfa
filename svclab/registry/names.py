"""Generated names and hashes, as the apiserver and controllers make them."""

from __future__ import annotations

import json
import random
from typing import Any

# k8s.io/apimachinery/pkg/util/rand: alphanums without vowels and confusable characters
ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"
MAX_GENERATED_NAME_LENGTH = 63 - 5
SAFE_ENCODE = ALPHANUMS


def random_suffix(rng: random.Random, length: int = 5) -> str:
    return "".join(rng.choice(ALPHANUMS) for _ in range(length))


def generate_name(base: str, rng: random.Random) -> str:
    """names.SimpleNameGenerator: truncate the base and append five random characters."""
    return base[:MAX_GENERATED_NAME_LENGTH] + random_suffix(rng)


def fnv32a(data: bytes) -> int:
    value = 0x811C9DC5
    for byte in data:
        value ^= byte
        value = (value * 0x01000193) & 0xFFFFFFFF
    return value


def safe_encode(value: str) -> str:
    """rand.SafeEncodeString: map each character onto the alphanums alphabet."""
    return "".join(SAFE_ENCODE[ord(c) % len(SAFE_ENCODE)] for c in value)


def template_hash(template: dict[str, Any], collision_count: int = 0) -> str:
    """controller.ComputeHash: FNV-32a over the pod template, SafeEncoded (the pod-template-hash label)."""
    data = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    if collision_count:
        data += str(collision_count).encode()
    return safe_encode(str(fnv32a(data)))
