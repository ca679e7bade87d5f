"""Package sizes: each function zip (compressed) and the layer (sum of uncompressed entries)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from bench import layer_cache
from bench.common import HANDLERS, Figure, SectionResult
from modules.lambda_packaging import build_function_zip, build_layer_zip

SECTION = "package size"
# A zip carries each module's source and its bytecode (about twice the source alone): 100 KB holds that.
# The analyzer's zip also carries the scoring engine and the trained model (fraudlib/scoring/model.json,
# about 45 KB compressed of its 139 KB), which only the analyzer loads: its target is raised by that.
TARGET_ZIP_KB = 100
TARGET_ZIP_KB_BY_FUNCTION = {"fraud_analyzer": 200}
_WHY_ZIP = "the zip holds what its handler imports (modules/lambda_packaging.py module_closure): see what grew"
TARGET_LAYER_MB = 20  # with the bytecode of every module (about 5.5 MB of it)


def measure(work: Path, cache: Path) -> SectionResult:
    """Package into `work` (the layer from the cached install) and measure."""
    figures = []
    raw: dict[str, object] = {}
    for function in HANDLERS:
        packaged = build_function_zip(function, work / "functions")
        size_kb = packaged.path.stat().st_size / 1024
        target = TARGET_ZIP_KB_BY_FUNCTION.get(function, TARGET_ZIP_KB)
        with zipfile.ZipFile(packaged.path) as archive:
            entries = len(archive.infolist())
            third_party = sorted({
                info.filename.split("/")[0] for info in archive.infolist()
                if info.filename.split("/")[0] not in (function, "fraudlib")
            })
        raw[function] = {"zip_bytes": packaged.path.stat().st_size, "entries": entries, "foreign": third_party}
        figures.append(
            Figure(
                SECTION, f"{function}.zip", round(size_kb, 1), "KB", target,
                detail=f"{entries} files; top-level packages other than its own and fraudlib: {third_party or 'none'}",
                note="" if size_kb <= target else _WHY_ZIP,
            )
        )
    layer_dir = work / "layer"
    layer_cache.link_into(cache, layer_dir)
    layer = build_layer_zip(out_dir=layer_dir)
    with zipfile.ZipFile(layer.path) as archive:
        infos = archive.infolist()
        unzipped = sum(info.file_size for info in infos)
        by_package: dict[str, int] = {}
        for info in infos:
            parts = info.filename.split("/")
            top = parts[1] if len(parts) > 2 else parts[-1]
            by_package[top] = by_package.get(top, 0) + info.file_size
    biggest = sorted(by_package.items(), key=lambda kv: kv[1], reverse=True)[:5]
    raw["layer"] = {"zip_bytes": layer.path.stat().st_size, "unzipped_bytes": unzipped, "files": len(infos),
                    "biggest_bytes": biggest}
    figures.append(
        Figure(
            SECTION, "dependencies layer, unzipped", round(unzipped / 1e6, 2), "MB", TARGET_LAYER_MB,
            detail=(
                f"zip {layer.path.stat().st_size / 1e6:.1f} MB, {len(infos)} files; largest: "
                + ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in biggest)
            ),
        )
    )
    return SectionResult(figures, raw)
