"""Stream events built from stored items, as the table's stream delivers their INSERTs to the analyzer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fraudlib.dynamodb_items import serialize

STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/transactions/stream/2025-11-22T00:00:00.000"


def sequence_number(n: int) -> str:
    """The n-th record's sequence number (21 digits, as the fixture events have them)."""
    return f"{10**20 + n}"


def insert_event(items: Iterable[Mapping[str, Any]], first: int = 1) -> dict[str, Any]:
    """A stream batch with one INSERT record per item, numbered from `first`."""
    records = []
    for n, item in enumerate(items, start=first):
        image = serialize(item)
        records.append({
            "eventID": f"ev-{n}", "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1", "eventSourceARN": STREAM_ARN,
            "dynamodb": {
                "ApproximateCreationDateTime": int(item["timestamp"]),
                "Keys": {"transaction_id": image["transaction_id"], "timestamp": image["timestamp"]},
                "NewImage": image, "SequenceNumber": sequence_number(n), "SizeBytes": 300,
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            },
        })
    return {"Records": records}
