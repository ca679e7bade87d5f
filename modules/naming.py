"""Resource names: one helper adds the environment suffix and respects AWS name limits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

# Length limits of the names we create. Longer names are shortened with a stable hash so
# two long names never collapse into one.
LIMITS = {"default": 64, "bucket": 63, "role": 64, "queue": 80, "lambda": 64, "log_group": 512}


@dataclass(frozen=True)
class Naming:
    """Builds `<project>-<component>-<suffix>` names for one environment."""

    project: str
    """Short project prefix, e.g. `fraud`."""
    suffix: str
    """Environment suffix, e.g. `dev`."""

    def name(self, component: str, kind: str = "default") -> str:
        """Name of a resource of `kind` for `component`, within AWS's length limit for that kind."""
        full = f"{self.project}-{component}-{self.suffix}"
        limit = LIMITS[kind]
        if kind == "bucket":
            full = full.lower()
        if len(full) <= limit:
            return full
        digest = hashlib.sha256(full.encode()).hexdigest()[:8]
        return f"{full[: limit - 9]}-{digest}"
