"""Reads back what the deployment holds and did after a soak run: the table, the stream's position,
the queues, the merchant counters, the daily reports. Everything is read from the emulator (or the
played service's control API), never assumed from what was sent."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fraudlib.merchant_counters import KEY_ATTRIBUTE, TRANSACTIONS_PREFIX, merchant_key, transaction_day
from fraudlib.transaction_item import is_marker_key

from tooling.lambda_service.checkpoints import CheckpointFile
from tooling.lambda_service.mappings import list_mappings
from tooling.local_pipeline import plain_values
from tooling.soak.invariants import DayTotals

MERCHANT_COUNTERS_TABLE_PART = "merchant-counters"
"""What the merchant counters table's name contains (fraud-merchant-counters-<suffix>)."""

def _scan(dynamodb: Any, table_name: str) -> Iterable[dict[str, Any]]:
    for page in dynamodb.get_paginator("scan").paginate(TableName=table_name, ConsistentRead=True):
        yield from (plain_values(item) for item in page.get("Items", []))


@dataclass(frozen=True)
class TableSnapshot:
    """Every item of the transactions table, records and id markers apart."""

    records: list[dict[str, Any]]
    marker_ids: frozenset[str]
    """Transaction ids that have an id marker."""

    @classmethod
    def read(cls, dynamodb: Any, table_name: str) -> TableSnapshot:
        """A consistent scan of the whole table."""
        records, markers = [], set()
        for item in _scan(dynamodb, table_name):
            key = item.get("transaction_id")
            if is_marker_key(key):
                markers.add(str(key).split("#", 1)[1])
            else:
                records.append(item)
        return cls(records, frozenset(markers))

    def by_id(self, ids: set[str]) -> dict[str, list[dict[str, Any]]]:
        """The records stored under each of `ids` (absent ids left out)."""
        found: dict[str, list[dict[str, Any]]] = {}
        for record in self.records:
            if record["transaction_id"] in ids:
                found.setdefault(str(record["transaction_id"]), []).append(record)
        return found

    def day_counts(self) -> tuple[Counter[str], Counter[str]]:
        """Records the API stored (they carry `received_at`) and how many are scored, per UTC day of their
        timestamp. Items written behind the API's back (as a poison-pill test does) are in neither the
        report's day index nor these counts."""
        stored: Counter[str] = Counter()
        scored: Counter[str] = Counter()
        for record in self.records:
            if "received_at" not in record:
                continue
            day = transaction_day(int(record["timestamp"]))
            stored[day] += 1
            scored[day] += "scored_at" in record
        return stored, scored


def day_totals(snapshot: TableSnapshot, accepted: Mapping[str, list[str]],
               reports: Mapping[str, tuple[int, int] | None]) -> dict[str, DayTotals]:
    """Per day this run touched (day -> the ids it accepted): its transactions, the table's, the report's."""
    stored, scored = snapshot.day_counts()
    scored_ids = {str(r["transaction_id"]) for r in snapshot.records if "scored_at" in r}
    totals = {}
    for day, ids in accepted.items():
        report = reports.get(day)
        totals[day] = DayTotals(len(ids), len(scored_ids.intersection(ids)), stored[day], scored[day],
                                report[0] if report else None, report[1] if report else None)
    return totals


def merchant_counters(dynamodb: Any, snapshot: TableSnapshot,
                      run_records: Iterable[dict[str, Any]]) -> dict[tuple[str, str], tuple[int, int]] | None:
    """(merchant key, day) -> (scored transactions stored, tx#<day> counted), for the merchants this run
    used; None when the deployment has no merchant counters table.

    The counters item of a merchant (or terminal) is keyed `merchant_key(terminal_id, merchant_id)`
    and holds one top-level number `tx#<YYYY-MM-DD>` per day (fraudlib.merchant_counters); the expected
    value counts every scored record of the table with that key and day, whichever run wrote it.
    """
    names = [n for page in dynamodb.get_paginator("list_tables").paginate() for n in page.get("TableNames", [])]
    table = next((n for n in names if MERCHANT_COUNTERS_TABLE_PART in n), None)
    if table is None:
        return None
    keys = {merchant_key(r.get("terminal_id"), r.get("merchant_id")) for r in run_records} - {None}
    expected: Counter[tuple[str, str]] = Counter()
    for record in snapshot.records:
        key = merchant_key(record.get("terminal_id"), record.get("merchant_id"))
        if key in keys and "scored_at" in record:
            expected[(str(key), transaction_day(int(record["timestamp"])))] += 1
    counted: dict[tuple[str, str], int] = {}
    for item in _scan(dynamodb, table):
        if item.get(KEY_ATTRIBUTE) in keys:
            for attribute, value in item.items():
                if attribute.startswith(TRANSACTIONS_PREFIX):
                    counted[(str(item[KEY_ATTRIBUTE]), attribute.removeprefix(TRANSACTIONS_PREFIX))] = int(value)
    return {pair: (expected.get(pair, 0), counted.get(pair, 0)) for pair in set(expected) | set(counted)}


def stream_pending(clients: Any, work_dir: Path) -> int:
    """Records of the table's stream after the live poller's checkpoints (0: caught up)."""
    streams = clients.client("dynamodbstreams")
    pending = 0
    for mapping in list_mappings(clients.client("lambda")):
        if mapping.service != "dynamodb" or not mapping.enabled:
            continue
        checkpoints = CheckpointFile(work_dir / "checkpoints" / f"{mapping.uuid}.json").load()
        shards = streams.describe_stream(StreamArn=mapping.source_arn)["StreamDescription"].get("Shards", [])
        for shard in shards:
            after = checkpoints.get(shard["ShardId"])
            position: dict[str, Any] = ({"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after}
                                        if after else {"ShardIteratorType": "TRIM_HORIZON"})
            iterator = streams.get_shard_iterator(StreamArn=mapping.source_arn, ShardId=shard["ShardId"],
                                                  **position)["ShardIterator"]
            while iterator:
                page = streams.get_records(ShardIterator=iterator, Limit=1000)
                if not page.get("Records"):
                    break
                pending += len(page["Records"])
                iterator = page.get("NextShardIterator")
    return pending


def queue_depth(sqs: Any, queue_url: str) -> int:
    """Visible and in-flight messages."""
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return sum(int(v) for v in attributes.values())

