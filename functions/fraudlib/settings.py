"""One way for every function to read its configuration: a pydantic model of its environment.

Each function declares a subclass whose fields are its variables (field `table_name` is variable
`TABLE_NAME`). Values the infrastructure always sets have no default here, so function code and
stack cannot drift apart; a missing or malformed variable fails on first use with `SettingsError`,
naming every bad variable at once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

RequiredText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""A variable that must be set to a non-blank value."""

PositiveInt = Annotated[int, Field(ge=1)]
"""A count or a duration that must be at least 1."""


class SettingsError(RuntimeError):
    """A variable of the function's environment is missing or malformed."""


def _variable_name(field_name: str) -> str:
    return field_name.upper()


class FunctionSettings(BaseModel):
    """Base of every function's settings: fields are read from upper-cased environment variables."""

    model_config = ConfigDict(frozen=True, extra="ignore", alias_generator=_variable_name, populate_by_name=True)

    @classmethod
    def variables(cls) -> frozenset[str]:
        """The names of the environment variables this model reads."""
        return frozenset(field.alias or _variable_name(name) for name, field in cls.model_fields.items())

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Self:
        """Parse the variables this model reads from `environ` (default: the process environment)."""
        source = os.environ if environ is None else environ
        present = {name: source[name] for name in cls.variables() if name in source}
        try:
            return cls.model_validate(present)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
                for error in exc.errors(include_url=False)
            )
            raise SettingsError(f"invalid environment of {cls.__name__}: {problems}") from None
