"""Stream checkpoints that outlive one poller: Lambda keeps a mapping's position across invocations,
so a new poller on the same emulator must not deliver records again that an earlier one delivered."""

from __future__ import annotations

import json
from pathlib import Path


class CheckpointFile:
    """shard id -> last processed sequence number, stored as JSON (one file per mapping)."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def load(self) -> dict[str, str]:
        """The saved checkpoints (none when the file does not exist yet)."""
        if not self._path.exists():
            return {}
        return {str(k): str(v) for k, v in json.loads(self._path.read_text()).items()}

    def save(self, checkpoints: dict[str, str]) -> None:
        """Write the checkpoints atomically."""
        self._path.parent.mkdir(parents=True, exist_ok=True)
        staging = self._path.with_suffix(".tmp")
        staging.write_text(json.dumps(checkpoints, sort_keys=True))
        staging.replace(self._path)
