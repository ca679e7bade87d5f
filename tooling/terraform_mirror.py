"""Point Terraform at a local provider mirror when one exists, so init works without a registry.

The mirror directory comes from TF_PROVIDER_MIRROR; when unset, the places Terraform itself
treats as implied local mirrors are searched, then a shallow search of /opt, for a directory
holding registry.terraform.io/hashicorp/aws/<version>. Without a mirror, Terraform uses the
registry as usual. The generated CLI config lives in build/, never in the repository.

    python -m tooling.terraform_mirror build/terraformrc   # writes the config, prints its path
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

AWS_PROVIDER_VERSION = "5.100.0"
_PROVIDER = Path("registry.terraform.io/hashicorp/aws") / AWS_PROVIDER_VERSION


def _implied_mirrors(environ: Mapping[str, str]) -> Iterable[Path]:
    home = Path(environ.get("HOME", "~")).expanduser()
    yield home / ".terraform.d" / "plugins"
    yield home / ".local" / "share" / "terraform" / "plugins"
    for data_dir in environ.get("XDG_DATA_DIRS", "/usr/local/share:/usr/share").split(":"):
        if data_dir:
            yield Path(data_dir) / "terraform" / "plugins"
    # Images often unpack mirrors one level below /opt; the search stays that shallow.
    opt = Path("/opt")
    if opt.is_dir():
        yield from sorted(p for p in opt.iterdir() if p.is_dir())


def find_mirror(environ: Mapping[str, str] | None = None) -> Path | None:
    """The mirror to use: TF_PROVIDER_MIRROR if set (it must hold the provider), else the first
    implied location holding the pinned AWS provider, else None (use the registry)."""
    environ = os.environ if environ is None else environ
    explicit = environ.get("TF_PROVIDER_MIRROR")
    if explicit:
        path = Path(explicit)
        if not (path / _PROVIDER).is_dir():
            raise FileNotFoundError(f"TF_PROVIDER_MIRROR={explicit} has no {_PROVIDER}")
        return path
    return next((p for p in _implied_mirrors(environ) if (p / _PROVIDER).is_dir()), None)


def cli_config(mirror: Path | None) -> str:
    """Terraform CLI configuration: mirror for registry.terraform.io providers, else defaults."""
    if mirror is None:
        return "# no local provider mirror found: providers come from the registry\n"
    return (
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{mirror}"\n'
        '    include = ["registry.terraform.io/*/*"]\n'
        "  }\n"
        "  direct {\n"
        '    exclude = ["registry.terraform.io/*/*"]\n'
        "  }\n"
        "}\n"
    )


def write_cli_config(target: Path, environ: Mapping[str, str] | None = None) -> Path:
    """Write the CLI config for the detected mirror to `target`; return its absolute path."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(cli_config(find_mirror(environ)))
    return target.resolve()


if __name__ == "__main__":
    print(write_cli_config(Path(sys.argv[1] if len(sys.argv) > 1 else "build/terraformrc")))
