"""Resource names: one helper adds the environment suffix and respects AWS name limits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

NameKind = Literal["default", "bucket", "role", "queue", "topic", "lambda", "log_group"]
"""Kinds of names with their own AWS length limit."""

# Length limits of the names we create. Longer names are shortened with a stable hash so
# two long names never collapse into one.
LIMITS: MappingProxyType[str, int] = MappingProxyType(
    {"default": 64, "bucket": 63, "role": 64, "queue": 80, "topic": 256, "lambda": 64, "log_group": 512}
)


@dataclass(frozen=True)
class Naming:
    """Builds `<project>-<component>-<suffix>` names for one environment."""

    project: str
    """Short project prefix, e.g. `fraud`."""
    suffix: str
    """Environment suffix, e.g. `dev`."""

    def name(self, component: str, kind: NameKind = "default") -> str:
        """Name of a resource of `kind` for `component`, within AWS's length limit for that kind."""
        if kind not in LIMITS:
            raise ValueError(f"unknown name kind {kind!r}: one of {sorted(LIMITS)}")
        if not component or component.lower().startswith(f"{self.project.lower()}-"):
            # `fraud-fraud-queue-dev`: the project prefix is added here, never by the caller.
            raise ValueError(f"component {component!r} must be non-empty and must not repeat the project prefix")
        full = f"{self.project}-{component}-{self.suffix}"
        limit = LIMITS[kind]
        if kind == "bucket":
            full = full.lower()
        if len(full) <= limit:
            return full
        digest = hashlib.sha256(full.encode()).hexdigest()[:8]
        return f"{full[: limit - 9]}-{digest}"
