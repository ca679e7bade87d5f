"""Every handler module imports cleanly with no environment at all (cold-start safety): no region,
credentials or settings are read at import time, only on first use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.security.iam_recorder import FUNCTION_KEYS

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
# What a handler must not load at import: what it does not use at all, or only on some invocations.
NOT_AT_IMPORT = {
    "transaction_api": ("aws_lambda_powertools.utilities.idempotency",),
}


@pytest.mark.parametrize("function", FUNCTION_KEYS)
def test_handler_imports_without_any_environment(function: str) -> None:
    checks = "".join(f"; assert {name!r} not in sys.modules, {name!r}" for name in NOT_AT_IMPORT.get(function, ()))
    code = f"import sys, {function}.app as m; assert callable(m.handler){checks}"
    result = subprocess.run(  # a clean interpreter: no environment, nothing imported yet
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(FUNCTIONS)!r}); {code}"],
        cwd=FUNCTIONS,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
