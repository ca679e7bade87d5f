"""DynamoDB's typed attribute maps <-> plain Python values, with boto3's own (de)serializers.

Numbers come back as `Decimal` (never `float`); a `float` handed to `serialize` is refused by
boto3, so money cannot be rounded on the way in either.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def serialize(item: Mapping[str, Any]) -> dict[str, Any]:
    """A plain item as an attribute map (`{"amount": {"N": "12.5"}, ...}`)."""
    return {name: _serializer.serialize(value) for name, value in item.items()}


def deserialize(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """An attribute map as a plain item."""
    return {name: _deserializer.deserialize(value) for name, value in attributes.items()}


def page_items(pages: Iterable[Mapping[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """The deserialized items of each page a boto3 paginator yields, page by page."""
    for page in pages:
        yield [deserialize(item) for item in page.get("Items", [])]
