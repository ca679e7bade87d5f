"""Cold start: import time of each handler module against boto3 + one client, in fresh interpreters.

Two layouts, interleaved in the same rounds:

* source: the repository tree (PYTHONPATH=functions, the project virtualenv, cached bytecode);
* packaged: what Lambda runs - the function zip and the layer zip extracted (with the bytecode
  they ship), plus only the packages the runtime provides (boto3, botocore, ...); no
  site-packages, and no bytecode written (Lambda's code directories are read-only), so a module
  without shipped bytecode is compiled on every cold start, as in Lambda.

The floor is a fresh interpreter that imports boto3 and creates one client, in the same layout.
Tracing is enabled, as deployed.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import zipfile
from pathlib import Path

from bench.common import (
    FUNCTIONS_DIR,
    HANDLERS,
    PYTHON,
    Figure,
    SectionResult,
    interleave,
    median,
    rounds,
    time_command,
)
from bench.lambda_env import function_env, runtime_env
from modules.lambda_packaging import build_function_zip, build_layer_zip

SECTION = "cold start"
TARGET_RATIO = 1.2
FLOOR_CODE = "import boto3; boto3.client('dynamodb')"
# Provided by the Lambda Python runtime, hence not in the layer (functions/requirements.txt).
RUNTIME_PACKAGES = ("boto3", "botocore", "jmespath", "s3transfer", "urllib3", "dateutil", "six")


def _runtime_dir(work: Path) -> Path:
    """Links to the runtime-provided packages of this virtualenv, alone on a path entry."""
    runtime = work / "runtime"
    runtime.mkdir()
    for name in RUNTIME_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise RuntimeError(f"{name} is not installed")
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (runtime / source.name).symlink_to(source)
    return runtime


def _extract(archive: Path, target: Path) -> Path:
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(target)
    return target


class Layouts:
    """The extracted packages and the command line of each case."""

    def __init__(self, work: Path, layer_cache: Path) -> None:
        self.runtime = _runtime_dir(work)
        layer_zip = build_layer_zip(out_dir=layer_cache).path
        self.layer = _extract(layer_zip, work / "layer")
        self.code: dict[str, Path] = {}
        for function in HANDLERS:
            packaged = build_function_zip(function, work / "zips").path
            self.code[function] = _extract(packaged, work / "code" / function)

    def handler_case(self, function: str, layout: str) -> tuple[list[str], dict[str, str]]:
        """argv and environment that import one handler module in a layout."""
        argv = [PYTHON, "-c", f"import {function}.app"]
        if layout == "source":
            env = function_env(function, str(FUNCTIONS_DIR / function))
            return argv, {**env, "PYTHONPATH": str(FUNCTIONS_DIR)}
        code = self.code[function]
        env = function_env(function, str(code))
        path = f"{code}:{self.layer / 'python'}:{self.runtime}"
        return [PYTHON, "-S", *argv[1:]], {**env, "PYTHONPATH": path, "PYTHONDONTWRITEBYTECODE": "1"}

    def floor_case(self, layout: str) -> tuple[list[str], dict[str, str]]:
        """argv and environment of the floor in a layout."""
        if layout == "source":
            return [PYTHON, "-c", FLOOR_CODE], runtime_env(str(FUNCTIONS_DIR))
        env = {**runtime_env(str(self.runtime)), "PYTHONPATH": str(self.runtime), "PYTHONDONTWRITEBYTECODE": "1"}
        return [PYTHON, "-S", "-c", FLOOR_CODE], env


def _top_imports(argv: list[str], env: dict[str, str], limit: int = 8) -> list[tuple[str, float]]:
    """The costliest imports made by the handler module (cumulative ms), from python -X importtime."""
    result = subprocess.run(  # noqa: S603 - fixed argv
        [argv[0], "-X", "importtime", *argv[1:]], env=env, capture_output=True, text=True, check=True
    )
    entries: list[tuple[str, float]] = []
    pattern = re.compile(r"^import time:\s+\d+ \|\s+(\d+) \| (\s*)(\S+)$")
    for line in result.stderr.splitlines():
        found = pattern.match(line)
        # Depth 0 is the handler module itself and what the interpreter loads first; depth 1 is
        # what the handler's own import statements cost.
        if found and len(found.group(2)) == 2:
            entries.append((found.group(3), int(found.group(1)) / 1000))
    entries.sort(key=lambda entry: entry[1], reverse=True)
    return [(name, round(ms, 1)) for name, ms in entries[:limit]]


_WHY = (
    "boto3 is the floor itself; on top of it every handler loads Powertools (Logger, Metrics, Tracer and, per "
    "function, the event handler / batch / idempotency utilities) and the X-Ray SDK, which Tracer imports and "
    "patches at construction when tracing is active (Powertools has no deferred patching)"
)


def measure(work: Path, layer_cache: Path) -> SectionResult:
    """Interleave every handler in every layout with the floors; medians and ratios."""
    layouts = Layouts(work, layer_cache)
    cases = {}
    for layout in ("source", "packaged"):
        argv, env = layouts.floor_case(layout)
        cases[f"floor/{layout}"] = lambda argv=argv, env=env: time_command(argv, env=env)
    for layout in ("source", "packaged"):
        for function in HANDLERS:
            argv, env = layouts.handler_case(function, layout)
            cases[f"{function}/{layout}"] = lambda argv=argv, env=env: time_command(argv, env=env)
    interleave(cases, 1)  # warm-up: page cache
    samples = interleave(cases, rounds(7))
    medians = {name: median(values) for name, values in samples.items()}
    n_rounds = len(samples['floor/source'])
    profiles = {function: _top_imports(*layouts.handler_case(function, "packaged")) for function in HANDLERS}
    figures = []
    labels = {"source": "source tree", "packaged": "as deployed (zips and layer with their bytecode)"}
    for layout in ("source", "packaged"):
        floor = medians["floor/source" if layout == "source" else "floor/packaged"]
        for function in HANDLERS:
            value = medians[f"{function}/{layout}"]
            ratio = round(value / floor, 2)
            note = _WHY if layout == "packaged" and ratio > TARGET_RATIO else ""
            figures.append(
                Figure(
                    # The target is for the functions as deployed; the source tree is a reference.
                    SECTION, f"import {function}.app - {labels[layout]}", ratio, "x floor",
                    TARGET_RATIO if layout == "packaged" else None,
                    detail=f"{value * 1000:.0f} ms vs floor {floor * 1000:.0f} ms (medians of {n_rounds})",
                    note=note,
                )
            )
    raw = {
        "wall_seconds": samples,
        "medians_ms": {name: round(value * 1000, 1) for name, value in medians.items()},
        "top_imports_ms_packaged": profiles,
    }
    return SectionResult(figures, raw)
