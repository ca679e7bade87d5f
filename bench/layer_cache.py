"""The installed layer tree, shared with benchmarks that package into temporary directories.

`build_layer_zip` caches the pip-installed tree in `<out_dir>/site-<key>`. Benchmarks package into
temporary directories (never the shared build/ outputs), so they link the cached tree there: the
layer is then zipped from cache, as in a normal synth, without a pip install.
"""

from __future__ import annotations

from pathlib import Path

from modules.lambda_packaging import BUILD_DIR, build_layer_zip


def prepare(work_dir: Path) -> Path:
    """A directory holding a complete `site-<key>` tree for the current requirements.

    Links the trees build/layer already has; installs (once) only when none matches.
    """
    cache = work_dir / "layer-cache"
    cache.mkdir(parents=True, exist_ok=True)
    for site in sorted((BUILD_DIR / "layer").glob("site-*")):
        if (site / ".complete").exists() and not (cache / site.name).exists():
            (cache / site.name).symlink_to(site.resolve(), target_is_directory=True)
    build_layer_zip(out_dir=cache)
    return cache


def link_into(cache: Path, layer_dir: Path) -> None:
    """Make the cached trees visible in `layer_dir` (a package out_dir of build_layer_zip)."""
    layer_dir.mkdir(parents=True, exist_ok=True)
    for site in cache.glob("site-*"):
        link = layer_dir / site.name
        if not link.exists():
            link.symlink_to(site.resolve(), target_is_directory=True)
