"""The handler module must import cleanly without any configuration (cold-start safety)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_import_needs_no_environment() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TABLE_", "DAY_", "REPORTS_"))}
    env["PYTHONPATH"] = str(ROOT / "functions")
    result = subprocess.run(
        [sys.executable, "-c", "import report_generator.app"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
