"""Each real function zip carries exactly the modules its handler imports, and bytecode for each that
the runtime uses as is (unchecked hash) and that is rebuilt byte for byte by another process."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from modules.lambda_packaging import CACHE_TAG, build_function_zip, compile_bytecode
from stacks.config import FUNCTION_KEYS

REPO_ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter: import the handler from the extracted zip alone (functions/ is not
# on the path; third-party packages come from this environment, as they come from the layer) and
# list the modules that were loaded from the zip, and whether each came from its bytecode.
_LOADED = """
import importlib.machinery, json, sys
root = sys.argv[1]
sys.path.insert(0, root)
import {function}.app
loaded = {{}}
for name, module in sorted(sys.modules.items()):
    spec = getattr(module, "__spec__", None)
    origin = getattr(spec, "origin", None) or ""
    if origin.startswith(root):
        loaded[origin[len(root) + 1:]] = spec.cached
print(json.dumps(loaded))
"""


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every function's zip, built and extracted once."""
    out = tmp_path_factory.mktemp("zips")
    roots = {}
    for function in FUNCTION_KEYS:
        with zipfile.ZipFile(build_function_zip(function, out).path) as archive:
            archive.extractall(out / function)
        roots[function] = out / function
    return roots


@pytest.mark.parametrize("function", FUNCTION_KEYS)
def test_the_zip_holds_exactly_what_the_handler_imports(extracted: dict[str, Path], function: str) -> None:
    root = extracted[function]
    result = subprocess.run(
        [sys.executable, "-c", _LOADED.format(function=function), str(root)],
        capture_output=True, text=True, check=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    loaded: dict[str, str] = json.loads(result.stdout)
    shipped = {p.relative_to(root).as_posix() for p in root.rglob("*.py")}
    assert sorted(shipped - set(loaded)) == [], "shipped but never imported by the handler"
    assert f"{function}/app.py" in loaded
    assert {name.split("/", 1)[0] for name in loaded} <= {function, "fraudlib"}
    # Every module came from the shipped bytecode (nothing compiled at import: the tree is read-only).
    assert all(cached and cached.endswith(f".{CACHE_TAG}.pyc") and Path(cached).is_file() for cached in loaded.values())


@pytest.mark.parametrize("function", FUNCTION_KEYS)
def test_shipped_bytecode_is_unchecked_hash_of_the_shipped_source(extracted: dict[str, Path], function: str) -> None:
    root = extracted[function]
    for source in root.rglob("*.py"):
        pyc = source.parent / "__pycache__" / f"{source.stem}.{CACHE_TAG}.pyc"
        header = pyc.read_bytes()[:16]
        assert header[:4] == importlib.util.MAGIC_NUMBER
        assert int.from_bytes(header[4:8], "little") == 0b01, f"{pyc}: not an unchecked hash-based pyc"
        assert header[8:16] == importlib.util.source_hash(source.read_bytes()), f"{pyc}: not of its source"


_BUILD = """
import sys
from pathlib import Path
from modules.lambda_packaging import build_function_zip
for function in sys.argv[2:]:
    build_function_zip(function, Path(sys.argv[1]))
"""


def test_two_builds_in_separate_processes_give_identical_zips(tmp_path: Path) -> None:
    for run, seed in (("a", "1"), ("b", "2")):  # different hash seeds in the building processes
        subprocess.run(
            [sys.executable, "-c", _BUILD, str(tmp_path / run), *FUNCTION_KEYS],
            cwd=REPO_ROOT, check=True, env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO_ROOT)},
        )
    for function in FUNCTION_KEYS:
        assert (tmp_path / "a" / f"{function}.zip").read_bytes() == (tmp_path / "b" / f"{function}.zip").read_bytes()


def test_layer_style_bytecode_is_reproducible_and_records_the_deployed_path(tmp_path: Path) -> None:
    source = tmp_path / "python" / "pkg" / "mod.py"
    source.parent.mkdir(parents=True)
    source.write_text("VALUES = frozenset({'a', 'b', 'c', 'd'})\n\ndef f():\n    raise ValueError('x')\n")
    first = compile_bytecode([("python/pkg/mod.py", source)], "/opt", tmp_path / "one")
    second = compile_bytecode([("python/pkg/mod.py", source)], "/opt", tmp_path / "two")
    assert [name for name, _ in first] == ["python/pkg/__pycache__/mod.cpython-311.pyc"]
    assert first[0][1].read_bytes() == second[0][1].read_bytes()
    assert b"/opt/python/pkg/mod.py" in first[0][1].read_bytes()
