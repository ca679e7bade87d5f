"""Lambda event filtering (FilterCriteria): does a record match one of the mapping's patterns?

Patterns have EventBridge syntax. Supported here:
- nested objects (`{"dynamodb": {"NewImage": {"country": {"S": [...]}}}}`);
- lists of exact values (strings, numbers, booleans, null); an array in the record matches when
  any of its elements does;
- content filters: `prefix`, `suffix`, `equals-ignore-case`, `anything-but` (a value, a list, or
  `{"prefix": ...}`), `numeric` (comparisons such as `[">", 0, "<=", 5]`), `exists`.
Not supported (an error, never a silent match): `$or`, `cidr`, `wildcard`, and decoding an SQS
`body` as JSON. Several filters of one mapping are OR-ed, as in Lambda.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

_MISSING = object()
_NUMERIC_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, "=": operator.eq, ">=": operator.ge, ">": operator.gt,
}


class UnsupportedFilterError(ValueError):
    """The pattern uses a form this matcher does not implement (or is not a valid pattern)."""


def parse_filter_criteria(criteria: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The patterns of a mapping's FilterCriteria ({"Filters": [{"Pattern": "<json>"}]})."""
    patterns = []
    for entry in (criteria or {}).get("Filters", []):
        pattern = json.loads(entry["Pattern"])
        if not isinstance(pattern, dict):
            raise UnsupportedFilterError(f"a filter pattern must be a JSON object, got {pattern!r}")
        patterns.append(pattern)
    return patterns


def passes_filters(record: Mapping[str, Any], patterns: Sequence[Mapping[str, Any]]) -> bool:
    """True when there are no patterns or the record matches at least one."""
    return not patterns or any(matches(pattern, record) for pattern in patterns)


def matches(pattern: Mapping[str, Any], record: Any) -> bool:
    """Whether `record` matches one pattern (every key of the pattern must match)."""
    for key, expected in pattern.items():
        if key.startswith("$"):
            raise UnsupportedFilterError(f"unsupported pattern operator {key!r}")
        actual = record.get(key, _MISSING) if isinstance(record, Mapping) else _MISSING
        if isinstance(expected, Mapping):
            if actual is _MISSING or not matches(expected, actual):
                return False
        elif isinstance(expected, list):
            if not _matches_any(expected, actual):
                return False
        else:
            raise UnsupportedFilterError(f"pattern value for {key!r} must be an object or a list, got {expected!r}")
    return True


def _matches_any(conditions: list[Any], actual: Any) -> bool:
    values = actual if isinstance(actual, list) else [actual]
    for condition in conditions:
        if isinstance(condition, Mapping):
            if _content_filter(condition, actual, values):
                return True
        elif actual is not _MISSING and any(_equal(condition, v) for v in values):
            return True
    return False


def _equal(expected: Any, value: Any) -> bool:
    if isinstance(expected, bool) or isinstance(value, bool):
        return expected is value
    if isinstance(expected, int | float) and isinstance(value, int | float):
        return float(expected) == float(value)
    return bool(expected == value)


def _content_filter(condition: Mapping[str, Any], actual: Any, values: list[Any]) -> bool:
    if len(condition) != 1:
        raise UnsupportedFilterError(f"a content filter has exactly one key, got {dict(condition)!r}")
    (kind, argument), = condition.items()
    if kind == "exists":
        return (actual is not _MISSING) is bool(argument)
    if actual is _MISSING:
        return False
    if kind == "prefix":
        return any(isinstance(v, str) and v.startswith(_text(argument, kind)) for v in values)
    if kind == "suffix":
        return any(isinstance(v, str) and v.endswith(_text(argument, kind)) for v in values)
    if kind == "equals-ignore-case":
        return any(isinstance(v, str) and v.casefold() == _text(argument, kind).casefold() for v in values)
    if kind == "anything-but":
        return all(not _excluded(argument, v) for v in values)
    if kind == "numeric":
        return any(_numeric(argument, v) for v in values)
    raise UnsupportedFilterError(f"unsupported content filter {kind!r}")


def _text(argument: Any, kind: str) -> str:
    if not isinstance(argument, str):
        raise UnsupportedFilterError(f"{kind} takes a string, got {argument!r}")
    return argument


def _excluded(argument: Any, value: Any) -> bool:
    if isinstance(argument, Mapping):
        if set(argument) == {"prefix"}:
            return isinstance(value, str) and value.startswith(_text(argument["prefix"], "prefix"))
        raise UnsupportedFilterError(f"unsupported anything-but form {dict(argument)!r}")
    excluded = argument if isinstance(argument, list) else [argument]
    return any(_equal(e, value) for e in excluded)


def _numeric(argument: Any, value: Any) -> bool:
    if not isinstance(argument, list) or not argument or len(argument) % 2:
        raise UnsupportedFilterError(f"numeric takes operator/number pairs, got {argument!r}")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    for op, bound in zip(argument[::2], argument[1::2], strict=True):
        if op not in _NUMERIC_OPS or isinstance(bound, bool) or not isinstance(bound, int | float):
            raise UnsupportedFilterError(f"bad numeric comparison {op!r} {bound!r}")
        if not _NUMERIC_OPS[op](float(value), float(bound)):
            return False
    return True
