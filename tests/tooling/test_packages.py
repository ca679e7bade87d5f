"""Build once, promote: a packages directory is built with its digests, and a promoted one is used only
when every zip is the one its build recorded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from stacks.artifacts import DIGESTS_FILE, LAYER_PACKAGE, PackagesError, load_artifacts, package_names
from tooling.packages import build, main, verify


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    directory = tmp_path_factory.mktemp("packages") / "build"
    return directory, build(directory)


def test_a_build_holds_every_package_and_its_digests(built: tuple[Path, dict[str, str]]) -> None:
    directory, digests = built
    assert sorted(digests) == sorted(f"{name}.zip" for name in package_names())
    lines = (directory / DIGESTS_FILE).read_text().splitlines()
    assert lines == [f"{digest}  {name}" for name, digest in sorted(digests.items())]


def test_the_promoted_build_is_loaded_with_the_same_digests(built: tuple[Path, dict[str, str]]) -> None:
    directory, digests = built
    assert verify(directory) == digests
    artifacts = load_artifacts(directory)
    assert artifacts.layer.path == directory / f"{LAYER_PACKAGE}.zip"
    assert {code.path.parent for code in artifacts.code.values()} == {directory}


def test_building_again_gives_the_same_bytes(built: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    assert build(tmp_path / "again") == built[1]


def test_a_changed_or_missing_zip_is_refused(built: tuple[Path, dict[str, str]], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    tampered = tmp_path / "tampered"
    shutil.copytree(built[0], tampered)
    with (tampered / "notifier.zip").open("ab") as archive:
        archive.write(b"\0")
    with pytest.raises(PackagesError, match=r"notifier\.zip: SHA-256"):
        load_artifacts(tampered)
    assert main(["verify", str(tampered)]) == 1
    assert "the build recorded" in capsys.readouterr().err
    (tampered / DIGESTS_FILE).write_text("".join(
        line + "\n" for line in (built[0] / DIGESTS_FILE).read_text().splitlines() if "notifier" not in line))
    with pytest.raises(PackagesError, match="expected"):
        load_artifacts(tampered)
    (tampered / DIGESTS_FILE).unlink()
    with pytest.raises(PackagesError, match="missing"):
        load_artifacts(tampered)


def test_verify_prints_the_digests(built: tuple[Path, dict[str, str]], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(built[0])]) == 0
    out = capsys.readouterr().out
    for name, digest in built[1].items():
        assert f"| `{name}` | `{digest}` |" in out
