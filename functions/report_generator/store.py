"""Data access: one day's transactions from the day index, and the reports bucket."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fraudlib.dynamodb_items import page_items


class DayIndexReader:
    """Reads the items of one `day_shard` partition of the day index, page by page."""

    def __init__(self, client: Any, table_name: str, day_index_name: str) -> None:
        self._client = client
        self._table = table_name
        self._index = day_index_name

    def pages(self, day_shard: str, start: int, end: int) -> Iterator[list[dict[str, Any]]]:
        """Pages of deserialized items with day_shard = `day_shard` and start <= timestamp <= end."""
        return page_items(
            self._client.get_paginator("query").paginate(
                TableName=self._table,
                IndexName=self._index,
                KeyConditionExpression="day_shard = :d AND #ts BETWEEN :start AND :end",
                ExpressionAttributeNames={"#ts": "timestamp"},
                ExpressionAttributeValues={
                    ":d": {"S": day_shard},
                    ":start": {"N": str(start)},
                    ":end": {"N": str(end)},
                },
            )
        )


class ReportBucket:
    """Writes report objects to the reports bucket."""

    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def put(self, key: str, body: bytes, content_type: str) -> None:
        """Create or overwrite one object."""
        self._client.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType=content_type)
