"""Function zips: only what the handler imports, with reproducible bytecode; same source, same bytes."""

from __future__ import annotations

import base64
import hashlib
import os
import random
import zipfile
from pathlib import Path

import pytest

from modules import lambda_packaging
from modules.lambda_packaging import build_function_zip, write_deterministic_zip


@pytest.fixture
def source_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small functions/ tree (one function, the shared package) standing in for the real one."""
    root = tmp_path / "functions"
    for package, files in {
        "orders": {"__init__.py": "", "app.py": "from fraudlib import rules\n\ndef handler(event, context):\n"
                                                "    return rules.LIMIT\n"},
        "fraudlib": {"__init__.py": "", "rules.py": "LIMIT = 3\n", "limits.json": "{}\n", "unused.py": "X = 1\n",
                     "schemas/request.schema.json": "{}\n"},
    }.items():
        for name, text in files.items():
            path = root / package / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    monkeypatch.setattr(lambda_packaging, "FUNCTIONS_DIR", root)
    return root


def _names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def test_building_a_real_function_twice_gives_identical_bytes(tmp_path: Path) -> None:
    first = build_function_zip("transaction_api", tmp_path / "a")
    second = build_function_zip("transaction_api", tmp_path / "b")
    assert first.path != second.path
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.source_code_hash == second.source_code_hash


def test_real_function_zip_holds_its_package_and_fraudlib_only(tmp_path: Path) -> None:
    names = _names(build_function_zip("transaction_api", tmp_path).path)
    assert "transaction_api/app.py" in names
    assert "transaction_api/__pycache__/app.cpython-311.pyc" in names
    assert "fraudlib/__init__.py" in names
    assert "transaction_api/transaction_request.py" in names
    assert "transaction_api/schema.py" not in names  # the API Gateway model's generator, not runtime code
    assert not any(n.endswith(".schema.json") for n in names)
    assert {n.split("/", 1)[0] for n in names} == {"transaction_api", "fraudlib"}
    assert not any("/tests/" in n or n.split("/")[-1].startswith("test_") for n in names)
    assert names == sorted(names)


def test_hash_is_base64_of_the_zips_sha256(source_tree: Path, tmp_path: Path) -> None:
    code = build_function_zip("orders", tmp_path / "out")
    assert code.path == tmp_path / "out" / "orders.zip"
    assert code.source_code_hash == base64.b64encode(hashlib.sha256(code.path.read_bytes()).digest()).decode()


def test_only_runtime_files_are_packaged(source_tree: Path, tmp_path: Path) -> None:
    (source_tree / "orders" / "__pycache__").mkdir()
    (source_tree / "orders" / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\x00")
    (source_tree / "orders" / "stale.pyc").write_bytes(b"\x00")
    (source_tree / "orders" / "README.md").write_text("notes\n")
    names = _names(build_function_zip("orders", tmp_path).path)
    assert names == [
        "fraudlib/__init__.py", "fraudlib/__pycache__/__init__.cpython-311.pyc",
        "fraudlib/__pycache__/rules.cpython-311.pyc", "fraudlib/limits.json", "fraudlib/rules.py",
        "orders/__init__.py", "orders/__pycache__/__init__.cpython-311.pyc", "orders/__pycache__/app.cpython-311.pyc",
        "orders/app.py",
    ]


def test_modification_times_do_not_change_the_hash(source_tree: Path, tmp_path: Path) -> None:
    before = build_function_zip("orders", tmp_path / "before")
    for path in source_tree.rglob("*.py"):
        os.utime(path, (1_700_000_000, 1_700_000_000))
    after = build_function_zip("orders", tmp_path / "after")
    assert after.source_code_hash == before.source_code_hash
    with zipfile.ZipFile(after.path) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_a_content_change_changes_the_hash(source_tree: Path, tmp_path: Path) -> None:
    before = build_function_zip("orders", tmp_path / "before")
    (source_tree / "fraudlib" / "rules.py").write_text("LIMIT = 4\n")
    after = build_function_zip("orders", tmp_path / "after")
    assert after.source_code_hash != before.source_code_hash


def test_entry_order_does_not_matter(tmp_path: Path) -> None:
    files = []
    for index in range(20):
        path = tmp_path / "src" / f"module_{index:02}.py"
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"VALUE = {index}\n")
        files.append((f"pkg/module_{index:02}.py", path))
    shuffled = files[:]
    random.Random(7).shuffle(shuffled)
    assert shuffled != files
    ordered = write_deterministic_zip(files, tmp_path / "ordered.zip")
    mixed = write_deterministic_zip(shuffled, tmp_path / "mixed.zip")
    assert ordered.path.read_bytes() == mixed.path.read_bytes()
    assert ordered.source_code_hash == mixed.source_code_hash
    assert _names(mixed.path) == sorted(name for name, _ in files)


def test_permissions_are_normalised(tmp_path: Path) -> None:
    plain = tmp_path / "plain.py"
    plain.write_text("x = 1\n")
    plain.chmod(0o600)
    script = tmp_path / "script.py"
    script.write_text("x = 2\n")
    script.chmod(0o700)
    code = write_deterministic_zip([("plain.py", plain), ("script.py", script)], tmp_path / "out.zip")
    with zipfile.ZipFile(code.path) as archive:
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    assert modes == {"plain.py": 0o100644, "script.py": 0o100755}
    assert not (tmp_path / "out.partial").exists()


def test_a_function_that_is_not_a_package_is_refused(source_tree: Path, tmp_path: Path) -> None:
    (source_tree / "loose").mkdir()
    (source_tree / "loose" / "app.py").write_text("")
    with pytest.raises(FileNotFoundError, match="not a Python package"):
        build_function_zip("loose", tmp_path)


def test_tests_inside_a_function_package_are_not_shipped(source_tree: Path, tmp_path: Path) -> None:
    (source_tree / "orders" / "tests").mkdir()
    (source_tree / "orders" / "tests" / "__init__.py").write_text("")
    (source_tree / "orders" / "tests" / "test_app.py").write_text("def test_app():\n    assert True\n")
    (source_tree / "orders" / "conftest.py").write_text("")
    names = _names(build_function_zip("orders", tmp_path).path)
    assert not [n for n in names if "/tests/" in n or n.endswith("conftest.py")]
