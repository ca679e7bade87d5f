"""Static checks run with the tests: mypy on the infrastructure, function and tooling code (the files
and settings in pyproject.toml's [tool.mypy]) and ruff on everything. Either failing fails the suite,
with the tool's output. `make test` runs them only here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, timeout: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=timeout, check=False)


def test_mypy_finds_no_type_errors() -> None:
    # The provider bindings are large: a cold mypy run takes a minute or two, later runs use .mypy_cache.
    result = _run("mypy", timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_finds_nothing() -> None:
    result = _run("ruff", "check", ".", timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
