"""Deterministic zips of the function code and of the dependencies layer.

Zips are rebuilt on every synth from the source tree (never "if missing": that ships stale
code) with fixed timestamps, permissions and entry order, so the same source always gives
the same bytes, the same hash, and no diff in a plan.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = REPO_ROOT / "functions"
BUILD_DIR = REPO_ROOT / "build"
# Packaged into every function beside the function's own package.
SHARED_PACKAGES = ("fraudlib",)
# Only what the runtime loads goes into a zip.
_PACKAGED_SUFFIXES = {".py", ".json", ".csv"}
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
# The layer is built for the functions' runtime, not for the machine that synthesizes.
LAYER_PLATFORM = "manylinux2014_x86_64"
LAYER_PYTHON = "3.11"


@dataclass(frozen=True)
class PackagedCode:
    """A built zip and its hash in the form Lambda reports (base64 of the SHA-256)."""

    path: Path
    """Location of the zip file."""
    source_code_hash: str
    """base64(sha256(zip bytes)), as `source_code_hash` expects."""


def _is_test_code(path: Path) -> bool:
    return (
        "tests" in path.parts
        or path.name == "conftest.py"
        or (path.name.startswith("test_") and path.suffix == ".py")
    )


def _packaged_files(root: Path) -> list[Path]:
    return sorted(
        p for p in root.rglob("*")
        if p.is_file()
        and p.suffix in _PACKAGED_SUFFIXES
        and "__pycache__" not in p.parts
        and not _is_test_code(p.relative_to(root))
    )


def write_deterministic_zip(entries: list[tuple[str, Path]], target: Path) -> PackagedCode:
    """Write (archive name, file) entries in name order with fixed metadata; return the hash."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for name, path in sorted(entries, key=lambda entry: entry[0]):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100755 if path.stat().st_mode & 0o111 else 0o100644) << 16
            info.create_system = 3  # Unix, so the permissions above are honoured
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    partial.replace(target)
    digest = hashlib.sha256(target.read_bytes()).digest()
    return PackagedCode(path=target, source_code_hash=base64.b64encode(digest).decode())


def build_function_zip(function: str, out_dir: Path | None = None) -> PackagedCode:
    """Zip functions/<function>/ together with the shared packages."""
    out_dir = out_dir or BUILD_DIR / "functions"
    entries: list[tuple[str, Path]] = []
    for package in (function, *SHARED_PACKAGES):
        root = FUNCTIONS_DIR / package
        if not (root / "__init__.py").is_file():
            raise FileNotFoundError(f"{root} is not a Python package; cannot package function {function!r}")
        entries += [(p.relative_to(FUNCTIONS_DIR).as_posix(), p) for p in _packaged_files(root)]
    return write_deterministic_zip(entries, out_dir / f"{function}.zip")


def build_layer_zip(requirements: Path | None = None, out_dir: Path | None = None) -> PackagedCode:
    """Install the pinned requirements for the Lambda runtime and zip them under python/.

    The installed tree is cached under a key made of the requirements' content and the target
    platform, so it is rebuilt exactly when an input changes; the zip itself is always rewritten.
    """
    requirements = requirements or FUNCTIONS_DIR / "requirements.txt"
    out_dir = out_dir or BUILD_DIR / "layer"
    key = hashlib.sha256(
        requirements.read_bytes() + f"{LAYER_PLATFORM}/{LAYER_PYTHON}".encode()
    ).hexdigest()[:16]
    out_dir.mkdir(parents=True, exist_ok=True)
    site = out_dir / f"site-{key}"
    if not (site / ".complete").exists():
        _install_requirements(requirements, site)
    root = site / "python"
    entries = [(p.relative_to(site).as_posix(), p) for p in sorted(root.rglob("*")) if p.is_file()]
    return write_deterministic_zip(entries, out_dir / "dependencies-layer.zip")


def _install_requirements(requirements: Path, site: Path) -> None:
    staging = Path(tempfile.mkdtemp(prefix="layer-", dir=site.parent))
    try:
        command = [
            sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--no-deps",  # requirements.txt pins the whole closure; the runtime provides boto3
            "--only-binary=:all:", "--platform", LAYER_PLATFORM, "--implementation", "cp",
            "--python-version", LAYER_PYTHON, "--no-compile",
            "--target", str(staging / "python"), "-r", str(requirements),
        ]
        subprocess.run(command, check=True)  # noqa: S603 - fixed argv, no shell
        for cache in (staging / "python").rglob("__pycache__"):
            shutil.rmtree(cache)
        (staging / ".complete").write_text("ok\n")
        if site.exists():
            shutil.rmtree(site)
        staging.replace(site)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
