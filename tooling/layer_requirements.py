"""functions/requirements.txt with every pin's hashes, taken from Pipfile.lock.

The layer is installed with `pip install --require-hashes` (modules/lambda_packaging.py): pip then
refuses any file whose SHA-256 is not listed, so the layer holds exactly the distributions the lock
vouches for, whatever the index serves. The pins themselves are maintained by hand (they are the
runtime closure of the functions; tests/functions/fraudlib checks them against the test
environment); this module only adds the lock's hashes to them, so the two cannot drift apart.

    python -m tooling.layer_requirements           # rewrite functions/requirements.txt
    python -m tooling.layer_requirements --check   # exit 1 if it differs from what the lock gives
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = REPO_ROOT / "functions" / "requirements.txt"
LOCK = REPO_ROOT / "Pipfile.lock"
_PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([A-Za-z0-9_.+-]+)")


def normalise(name: str) -> str:
    """PEP 503 name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse(text: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Header comment lines and the (name, version) pins of a requirements file, hashes dropped."""
    header: list[str] = []
    pins: list[tuple[str, str]] = []
    for line in text.replace("\\\n", " ").splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            if not pins:
                header.append(stripped)
            continue
        match = _PIN.match(stripped)
        if not match:
            raise ValueError(f"not an exact pin: {stripped!r}")
        pins.append((match[1], match[2]))
    return header, pins


def locked_hashes(lock: Mapping[str, Any], name: str, version: str) -> list[str]:
    """The lock's hashes of `name==version` (default or develop section)."""
    for section in ("default", "develop"):
        entries = {normalise(k): v for k, v in lock.get(section, {}).items()}
        entry = entries.get(normalise(name))
        if entry is None:
            continue
        if entry.get("version") != f"=={version}":
            raise ValueError(f"{name}: requirements pin {version}, Pipfile.lock has {entry.get('version')}")
        return sorted(entry["hashes"])
    raise ValueError(f"{name} is pinned for the layer but not in Pipfile.lock")


def render(text: str, lock: Mapping[str, Any]) -> str:
    """The requirements file with every pin followed by its lock hashes."""
    header, pins = parse(text)
    lines = [*header]
    for name, version in pins:
        hashes = locked_hashes(lock, name, version)
        lines.append(" \\\n".join([f"{name}=={version}", *(f"    --hash={h}" for h in hashes)]))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or --check) functions/requirements.txt."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report whether the file is up to date")
    args = parser.parse_args(argv)
    current = REQUIREMENTS.read_text(encoding="utf-8")
    wanted = render(current, json.loads(LOCK.read_text(encoding="utf-8")))
    if args.check:
        if current != wanted:
            print(f"{REQUIREMENTS} is out of date: run python -m tooling.layer_requirements", file=sys.stderr)
            return 1
        return 0
    REQUIREMENTS.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
