"""The layer's requirements: every pin carries Pipfile.lock's hashes (pip runs with --require-hashes)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from modules.lambda_packaging import build_layer_zip
from tooling.layer_requirements import LOCK, REQUIREMENTS, parse, render

_HASH = re.compile(r"^--hash=sha256:[0-9a-f]{64}$")


def _entries() -> list[list[str]]:
    """Each requirement as its pin followed by its options (continuation lines joined)."""
    joined = REQUIREMENTS.read_text(encoding="utf-8").replace("\\\n", " ")
    return [line.split() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_every_pin_carries_at_least_one_sha256_hash() -> None:
    entries = _entries()
    assert entries
    for pin, *options in entries:
        assert re.fullmatch(r"[A-Za-z0-9_.-]+==[A-Za-z0-9_.+-]+", pin), pin
        assert options, f"{pin} has no hash"
        assert all(_HASH.match(option) for option in options), f"{pin}: {options}"


def test_the_hashes_are_the_locks() -> None:
    current = REQUIREMENTS.read_text(encoding="utf-8")
    assert current == render(current, json.loads(LOCK.read_text(encoding="utf-8"))), (
        "functions/requirements.txt differs from Pipfile.lock: run python -m tooling.layer_requirements"
    )


def test_a_pin_the_lock_disagrees_with_is_refused() -> None:
    lock = {"default": {"wrapt": {"version": "==2.5.2", "hashes": ["sha256:" + "0" * 64]}}, "develop": {}}
    assert "--hash=sha256:" + "0" * 64 in render("wrapt==2.5.2\n", lock)
    with pytest.raises(ValueError, match=r"Pipfile\.lock has ==2\.5\.2"):
        render("wrapt==2.6.0\n", lock)
    with pytest.raises(ValueError, match=r"not in Pipfile\.lock"):
        render("unlocked==1.0\n", lock)
    with pytest.raises(ValueError, match="not an exact pin"):
        parse("wrapt>=2\n")


def test_pip_refuses_a_distribution_whose_hash_is_not_listed(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    wrong = tmp_path / "requirements.txt"
    wrong.write_text("annotated-types==0.8.0 --hash=sha256:" + "0" * 64 + "\n")
    with pytest.raises(subprocess.CalledProcessError):
        build_layer_zip(wrong, tmp_path / "out")
    assert "DO NOT MATCH THE HASHES" in capfd.readouterr().err
