"""Build the deployment packages once, and check a promoted build before it is deployed.

    python -m tooling.packages build build/packages    # every function zip, the layer zip, SHA256SUMS
    python -m tooling.packages verify build/packages   # every zip equals its recorded digest; print them

The deploy workflow builds once (the `build` job: the zips are reproducible, the layer comes from
hash-pinned requirements), keeps the directory as the run's `packages` artifact, and every
environment's job downloads that same artifact, verifies it, prints its digests and synthesizes
from it (`FRAUD_PACKAGES_DIR`, read by main.py): dev, staging and prod deploy the same bytes, and
the plan summary shows the same digests in each (tooling/plan_summary.py).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from stacks.artifacts import DIGESTS_FILE, LAYER_PACKAGE, PackagesError, build_artifacts, load_artifacts


def build(directory: Path) -> dict[str, str]:
    """Build every package into `directory` (emptied first) with its SHA256SUMS; file name -> digest."""
    artifacts = build_artifacts()
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    packages = {f"{key}.zip": code for key, code in artifacts.code.items()}
    packages[f"{LAYER_PACKAGE}.zip"] = artifacts.layer
    digests = {}
    for name, code in sorted(packages.items()):
        shutil.copyfile(code.path, directory / name)
        digests[name] = code.sha256
    (directory / DIGESTS_FILE).write_text("".join(f"{d}  {n}\n" for n, d in sorted(digests.items())))
    return digests


def verify(directory: Path) -> dict[str, str]:
    """File name -> digest of a promoted build, after checking every zip (PackagesError otherwise)."""
    artifacts = load_artifacts(directory)
    digests = {code.path.name: code.sha256 for code in artifacts.code.values()}
    digests[artifacts.layer.path.name] = artifacts.layer.sha256
    return dict(sorted(digests.items()))


def render(digests: dict[str, str]) -> str:
    """The digests as a Markdown table (build logs and the run's summary page)."""
    return "\n".join(["| package | sha256 |", "|---|---|", *(f"| `{n}` | `{d}` |" for n, d in digests.items())]) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: build or verify."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("build", "verify"))
    parser.add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    try:
        digests = build(args.directory) if args.command == "build" else verify(args.directory)
    except PackagesError as error:
        print(f"packages: {error}", file=sys.stderr)
        return 1
    print(render(digests), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
