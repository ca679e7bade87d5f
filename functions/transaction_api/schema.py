"""The API Gateway request models, generated from the handler's own models: `POST /transactions`
from `TransactionRequest`, `POST /transactions/{id}/label` from `LabelRequest`.

API Gateway validates request bodies against JSON Schema draft 4 only, so pydantic's output
(draft 2020-12) is rewritten: `$defs`/`$ref` are inlined, optional fields lose their `null`
branch (the handler rejects explicit nulls too), numeric `exclusiveMinimum`/`exclusiveMaximum`
become the draft-4 boolean form and `const` becomes a one-value `enum`.

Regenerate the committed file after changing the model (run from `functions/`):

    python -m transaction_api.schema          # rewrite the files in schemas/
    python -m transaction_api.schema --check  # exit 1 if a committed file is stale
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from transaction_api.label_request import LabelRequest
from transaction_api.transaction_request import TransactionRequest

SCHEMA_PATH = Path(__file__).parent / "schemas" / "transaction_request.schema.json"
LABEL_SCHEMA_PATH = Path(__file__).parent / "schemas" / "label_request.schema.json"
SCHEMAS: tuple[tuple[type[BaseModel], Path], ...] = (
    (TransactionRequest, SCHEMA_PATH),
    (LabelRequest, LABEL_SCHEMA_PATH),
)
"""Every request model and the committed file of its API Gateway model."""
DRAFT4_URI = "http://json-schema.org/draft-04/schema#"

DRAFT4_KEYWORDS = frozenset(
    {
        "$schema", "id", "title", "description", "default", "type", "enum", "properties",
        "additionalProperties", "required", "patternProperties", "dependencies", "items",
        "additionalItems", "minItems", "maxItems", "uniqueItems", "minLength", "maxLength",
        "pattern", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
        "multipleOf", "minProperties", "maxProperties", "allOf", "anyOf", "oneOf", "not",
        "definitions",
    }
)
"""The keywords of draft 4 (validation and metadata). Anything else in the output is an error."""

_SUBSCHEMA_MAPS = ("properties", "patternProperties", "definitions")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf")


def api_gateway_request_schema(model: type[BaseModel] = TransactionRequest) -> dict[str, Any]:
    """The draft-4 JSON Schema of a request body (default: the `POST /transactions` body)."""
    generated = model.model_json_schema(mode="validation")
    definitions = generated.pop("$defs", {})
    draft4 = _to_draft4(generated, definitions)
    _assert_draft4(draft4)
    return {"$schema": DRAFT4_URI, **draft4}


def render(schema: dict[str, Any]) -> str:
    """The committed text: stable key order from the model, 2-space indent, final newline."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def _to_draft4(node: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_to_draft4(item, definitions) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        return _to_draft4({**definitions[name], **siblings}, definitions)

    result: dict[str, Any] = {}
    for key, value in node.items():
        if key in _SUBSCHEMA_MAPS:
            result[key] = {name: _to_draft4(sub, definitions) for name, sub in value.items()}
        elif key in (*_SUBSCHEMA_LISTS, "items", "not", "additionalProperties"):
            result[key] = _to_draft4(value, definitions)
        else:
            result[key] = value
    return _simplify(result)


def _simplify(node: dict[str, Any]) -> dict[str, Any]:
    """Draft-4 spellings for one (already converted) schema node."""
    any_of = node.get("anyOf")
    if isinstance(any_of, list) and {"type": "null"} in any_of:
        # `X | None = None`: null is never a valid value on the wire, so only X remains.
        rest = [branch for branch in any_of if branch != {"type": "null"}]
        node = {key: value for key, value in node.items() if key != "anyOf"}
        if len(rest) == 1:
            node = {**rest[0], **node}
        else:
            node["anyOf"] = rest
        if node.get("default", ...) is None:
            del node["default"]
    for numeric, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = node.get(numeric)
        if isinstance(value, int | float) and not isinstance(value, bool):
            node[bound] = value
            node[numeric] = True
    if "const" in node:
        node["enum"] = [node.pop("const")]
    return node


def _assert_draft4(node: Any, path: str = "#") -> None:
    """Fail generation instead of handing API Gateway a schema it would reject or misread."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            _assert_draft4(item, f"{path}/{index}")
        return
    if not isinstance(node, dict):
        return
    unknown = set(node) - DRAFT4_KEYWORDS
    if unknown:
        raise ValueError(f"not draft-4 keywords at {path}: {sorted(unknown)}")
    for key in ("exclusiveMinimum", "exclusiveMaximum"):
        if key in node and not isinstance(node[key], bool):
            raise ValueError(f"{path}/{key} must be a boolean in draft 4")
    for key in _SUBSCHEMA_MAPS:
        for name, sub in node.get(key, {}).items():
            _assert_draft4(sub, f"{path}/{key}/{name}")
    for key in (*_SUBSCHEMA_LISTS, "items", "not"):
        if key in node:
            _assert_draft4(node[key], f"{path}/{key}")
    if isinstance(node.get("additionalProperties"), dict):
        _assert_draft4(node["additionalProperties"], f"{path}/additionalProperties")


def main(argv: list[str] | None = None) -> int:
    """Write the schema files, or with `--check` report whether the committed ones are current."""
    parser = argparse.ArgumentParser(prog="python -m transaction_api.schema", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, exit 1 when stale")
    args = parser.parse_args(argv)
    stale = 0
    for model, path in SCHEMAS:
        expected = render(api_gateway_request_schema(model))
        if args.check:
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if current != expected:
                print(f"{path} is stale: run python -m transaction_api.schema")
                stale = 1
            else:
                print(f"{path} is up to date")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(expected, encoding="utf-8")
        print(f"wrote {path}")
    return stale


if __name__ == "__main__":
    raise SystemExit(main())
