#!/usr/bin/env python
"""cdktf entry point: synthesizes every stack of the fraud-detection pipeline."""

import os
from pathlib import Path

from cdktf import App

from stacks.app import build_stacks
from stacks.app_settings import resolve_settings
from stacks.artifacts import build_artifacts, load_artifacts


def main() -> None:
    """Resolve settings, package the functions (or load a promoted build), and synthesize all stacks."""
    app = App()
    context = {
        key: app.node.try_get_context(key)
        for key in (
            "stateBucket", "stateRegion", "stateKeyPrefix", "accountRegion", "emulatorUrl", "githubRepository",
        )
    }
    settings = resolve_settings(os.environ, {k: v for k, v in context.items() if v is not None})
    # A deploy promotes one build (tooling/packages.py): its zips, checked against their digests.
    packages = os.environ.get("FRAUD_PACKAGES_DIR")
    build_stacks(app, settings, load_artifacts(Path(packages)) if packages else build_artifacts())
    app.synth()


if __name__ == "__main__":
    main()
