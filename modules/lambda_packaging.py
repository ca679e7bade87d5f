"""Deterministic zips of the function code and of the dependencies layer, with their bytecode.

Zips are rebuilt on every synth from the source tree (never "if missing": that ships stale
code) with fixed timestamps, permissions and entry order, so the same source always gives
the same bytes, the same hash, and no diff in a plan.

A function's zip carries only the modules its handler imports (the transitive closure of its
imports within the function's own package and the shared packages), and each module's bytecode:
Lambda's code directories are read-only, so without shipped bytecode every cold start compiles
every module again. The bytecode is built reproducibly: unchecked-hash .pyc (valid without
comparing timestamps, which a zip does not keep), compiled in a fresh isolated interpreter with
PYTHONHASHSEED fixed, with the path the file has in Lambda as its recorded file name.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = REPO_ROOT / "functions"
BUILD_DIR = REPO_ROOT / "build"
# Shared packages a function may import from, beside its own package.
SHARED_PACKAGES = ("fraudlib",)
# Data files a module may read from its own directory ship with it.
_DATA_SUFFIXES = {".json", ".csv"}
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
# The layer is built for the functions' runtime, not for the machine that synthesizes.
LAYER_PLATFORM = "manylinux2014_x86_64"
LAYER_PYTHON = "3.11"
# Where Lambda puts the function code and the layer's packages: the file names bytecode records.
FUNCTION_ROOT = "/var/task"
LAYER_ROOT = "/opt"
CACHE_TAG = "cpython-311"
"""The runtime's bytecode tag (`sys.implementation.cache_tag` of python3.11)."""
# Changes whenever the way bytecode is built changes, so a cached layer is rebuilt.
BYTECODE_FORMAT = "unchecked-hash-pyc/1"


@dataclass(frozen=True)
class PackagedCode:
    """A built zip and its hash in the form Lambda reports (base64 of the SHA-256)."""

    path: Path
    """Location of the zip file."""
    source_code_hash: str
    """base64(sha256(zip bytes)), as `source_code_hash` expects."""

    @property
    def sha256(self) -> str:
        """SHA-256 of the zip bytes in hex: the digest shown in plan summaries and build logs."""
        return base64.b64decode(self.source_code_hash).hex()


def _local_module(name: str, roots: tuple[str, ...]) -> Path | None:
    """The source file of module `name` if it belongs to one of the local packages `roots`."""
    if name.split(".", 1)[0] not in roots:
        return None
    base = FUNCTIONS_DIR.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_names(source: Path, package: str) -> Iterable[str]:
    """Every module name `source` imports (at any depth: lazy imports in functions count too)."""
    for node in ast.walk(ast.parse(source.read_bytes(), filename=str(source))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the importing module's package
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            yield base
            # `from package import name` may name a submodule.
            yield from (f"{base}.{alias.name}" for alias in node.names)


def module_closure(function: str) -> list[Path]:
    """The source files a function's handler needs: `<function>.app`, what it imports from the
    function's own package and the shared packages, transitively, and every enclosing package's
    `__init__.py`. Sorted; test code never qualifies (nothing the handler imports is a test)."""
    roots = (function, *SHARED_PACKAGES)
    pending = [f"{function}.app"]
    found: dict[str, Path] = {}
    while pending:
        name = pending.pop()
        if name in found:
            continue
        path = _local_module(name, roots)
        if path is None:
            continue
        found[name] = path
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        parents = [".".join(name.split(".")[:depth]) for depth in range(1, name.count(".") + 1)]
        pending += [*parents, *_imported_names(path, package)]
    if f"{function}.app" not in found:
        raise FileNotFoundError(f"{FUNCTIONS_DIR / function} has no app.py; cannot package function {function!r}")
    return sorted(set(found.values()))


def _data_files(modules: list[Path]) -> list[Path]:
    directories = {module.parent for module in modules}
    return sorted(
        path for directory in directories for path in directory.iterdir()
        if path.is_file() and path.suffix in _DATA_SUFFIXES
    )


_COMPILE = """
import json, py_compile, sys
if sys.version_info[:2] != (3, 11):
    raise SystemExit(f"bytecode must be built by CPython 3.11 (the functions' runtime), not {sys.version}")
for source, recorded, target in json.load(sys.stdin):
    py_compile.compile(source, cfile=target, dfile=recorded, doraise=True, optimize=0,
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
"""


def compile_bytecode(sources: list[tuple[str, Path]], recorded_root: str, out_dir: Path) -> list[tuple[str, Path]]:
    """Compile (archive name, source) pairs into `out_dir`; the (archive name, file) pairs of the .pyc.

    Each .pyc goes where the runtime looks for it (`pkg/__pycache__/mod.cpython-311.pyc`) and
    records `<recorded_root>/<archive name>` as its file name, the path it has in Lambda. One fresh
    interpreter (`-I`: no user site, no PYTHON* variables read, script directory not on the path)
    with PYTHONHASHSEED=0 compiles them all in name order, so the same sources give the same bytes
    in every build, on every machine with the same Python 3.11.
    """
    jobs: list[list[str]] = []
    entries: list[tuple[str, Path]] = []
    for name, source in sorted(sources):
        directory, _, filename = name.rpartition("/")
        archive_name = f"{directory}/__pycache__/{filename.removesuffix('.py')}.{CACHE_TAG}.pyc"
        jobs.append([str(source), f"{recorded_root}/{name}", str(out_dir / archive_name)])
        entries.append((archive_name, out_dir / archive_name))
    if jobs:
        environment = {"PYTHONHASHSEED": "0", "LC_ALL": "C.UTF-8", "PATH": os.environ.get("PATH", "")}
        subprocess.run(  # noqa: S603 - fixed argv, no shell
            [sys.executable, "-I", "-c", _COMPILE], input=json.dumps(jobs), text=True, check=True, env=environment
        )
    return entries


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
    return digest_of(target)


def digest_of(path: Path) -> PackagedCode:
    """A zip on disk with its hash (for a zip built here, or one a promoted build carries)."""
    digest = hashlib.sha256(path.read_bytes()).digest()
    return PackagedCode(path=path, source_code_hash=base64.b64encode(digest).decode())


def build_function_zip(function: str, out_dir: Path | None = None) -> PackagedCode:
    """Zip what `<function>.app` imports from functions/ (plus data files beside those modules),
    with its bytecode."""
    out_dir = out_dir or BUILD_DIR / "functions"
    root = FUNCTIONS_DIR / function
    if not (root / "__init__.py").is_file():
        raise FileNotFoundError(f"{root} is not a Python package; cannot package function {function!r}")
    modules = module_closure(function)
    sources = [(p.relative_to(FUNCTIONS_DIR).as_posix(), p) for p in [*modules, *_data_files(modules)]]
    with tempfile.TemporaryDirectory(prefix=f"pyc-{function}-") as scratch:
        python = [(name, path) for name, path in sources if name.endswith(".py")]
        bytecode = compile_bytecode(python, FUNCTION_ROOT, Path(scratch))
        return write_deterministic_zip([*sources, *bytecode], out_dir / f"{function}.zip")


def build_layer_zip(requirements: Path | None = None, out_dir: Path | None = None) -> PackagedCode:
    """Install the hash-pinned requirements for the Lambda runtime (`--require-hashes`) and zip them
    under python/.

    The installed tree is cached under a key made of the requirements' content and the target
    platform, so it is rebuilt exactly when an input changes; the zip itself is always rewritten.
    """
    requirements = requirements or FUNCTIONS_DIR / "requirements.txt"
    out_dir = out_dir or BUILD_DIR / "layer"
    key = hashlib.sha256(
        requirements.read_bytes() + f"{LAYER_PLATFORM}/{LAYER_PYTHON}/{BYTECODE_FORMAT}".encode()
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
            # Only the distributions Pipfile.lock vouches for (tooling/layer_requirements.py).
            "--require-hashes",
            "--only-binary=:all:", "--platform", LAYER_PLATFORM, "--implementation", "cp",
            "--python-version", LAYER_PYTHON, "--no-compile",
            "--target", str(staging / "python"), "-r", str(requirements),
        ]
        subprocess.run(command, check=True)  # noqa: S603 - fixed argv, no shell
        for cache in (staging / "python").rglob("__pycache__"):
            shutil.rmtree(cache)
        sources = [(path.relative_to(staging).as_posix(), path) for path in (staging / "python").rglob("*.py")]
        compile_bytecode(sources, LAYER_ROOT, staging)
        (staging / ".complete").write_text("ok\n")
        if site.exists():
            shutil.rmtree(site)
        staging.replace(site)
    finally:
        if staging.exists():
            shutil.rmtree(staging)

