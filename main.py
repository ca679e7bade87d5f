#!/usr/bin/env python
"""cdktf entry point: synthesizes every stack of the fraud-detection pipeline."""

import os

from cdktf import App

from stacks.app import build_stacks
from stacks.app_settings import resolve_settings
from stacks.artifacts import build_artifacts


def main() -> None:
    """Resolve settings, package the functions, and synthesize all stacks."""
    app = App()
    context = {
        key: app.node.try_get_context(key)
        for key in (
            "stateBucket", "stateRegion", "stateKeyPrefix", "accountRegion", "emulatorUrl", "githubRepository",
        )
    }
    settings = resolve_settings(os.environ, {k: v for k, v in context.items() if v is not None})
    build_stacks(app, settings, build_artifacts())
    app.synth()


if __name__ == "__main__":
    main()
