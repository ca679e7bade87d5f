"""DynamoDB in the emulator with the isolation DynamoDB guarantees: one request at a time, and a failed
TransactWriteItems undoing its own writes only.

moto 5 serves requests on many threads and, to be able to roll a TransactWriteItems back, deep-copies
every table the transaction touches first and puts the copies back when any of its conditions fails.
That undoes the writes other requests made to those tables in between (a soak with concurrent clients
lost transactions the API had answered 201 for, and scores), and the copy grows with the table and its
stream: 1.2 s per transaction at 3,000 items, so a POST slowed down as the table filled.

`isolate_dynamodb` (applied by the emulator server, see emulator_server.py):
- runs one DynamoDB or DynamoDB Streams request at a time (a lock around moto's request handlers);
- backs up, before a TransactWriteItems, only the items it touches and the length of the tables'
  streams, and restores exactly those when it fails; moto's own copy of whole tables is skipped (its
  deep copy of a table returns the table itself).
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from typing import Any

_LOCK = threading.RLock()


@dataclass
class _Backup:
    table: Any
    hash_value: Any
    range_value: Any
    item: Any
    """The item as it was (a deep copy), None when there was none."""


class _TablesByReference:
    """The `copy` module as moto's DynamoDB models see it: tables are "copied" by reference (the
    transaction wrapper backs up what it touches instead), everything else deep-copied as before."""

    def __init__(self, table_type: type) -> None:
        self._table_type = table_type

    def deepcopy(self, value: Any, memo: dict[int, Any] | None = None) -> Any:
        """A table itself; a deep copy of anything else."""
        return value if isinstance(value, self._table_type) else copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def _backups(backend: Any, transact_items: list[dict[str, Any]], dynamo_type: type) -> list[_Backup]:
    backups = []
    for entry in transact_items:
        try:
            _, operation = next(iter(entry.items()))
            table = backend.tables[operation["TableName"]]
            key = operation.get("Key") or operation["Item"]
            hash_value = dynamo_type(key[table.hash_key_attr])
            range_value = dynamo_type(key[table.range_key_attr]) if table.range_key_attr else None
        except (KeyError, StopIteration, AttributeError, TypeError):
            continue  # moto refuses the malformed entry before writing it: nothing to restore
        backups.append(_Backup(table, hash_value, range_value,
                               copy.deepcopy(table.get_item(hash_value, range_value))))
    return backups


def _restore(backups: list[_Backup]) -> None:
    for backup in reversed(backups):  # the oldest state of a key written twice wins
        items = backup.table.items
        if backup.range_value is not None:
            bucket = items[backup.hash_value]
            if backup.item is None:
                bucket.pop(backup.range_value, None)
            else:
                bucket[backup.range_value] = backup.item
        elif backup.item is None:
            items.pop(backup.hash_value, None)
        else:
            items[backup.hash_value] = backup.item


def isolate_dynamodb() -> None:
    """Patch moto's DynamoDB (idempotent): see the module docstring."""
    from moto.dynamodb import models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    backend_type = models.DynamoDBBackend
    if getattr(backend_type.transact_write_items, "isolated", False):
        return
    for handler in (DynamoHandler, DynamoDBStreamsHandler):
        def call_action(self: Any, _original: Any = handler.call_action) -> Any:
            with _LOCK:
                return _original(self)

        handler.call_action = call_action  # type: ignore[method-assign]

    models.copy = _TablesByReference(Table)  # type: ignore[assignment]
    original = backend_type.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        with _LOCK:
            backups = _backups(self, transact_items, DynamoType)
            streams = {id(b.table): (b.table.stream_shard, len(b.table.stream_shard.items))
                       for b in backups if b.table.stream_shard is not None}
            try:
                original(self, transact_items)
            except Exception:
                _restore(backups)
                for shard, length in streams.values():
                    del shard.items[length:]  # the failed transaction's stream records
                raise

    transact_write_items.isolated = True  # type: ignore[attr-defined]
    backend_type.transact_write_items = transact_write_items  # type: ignore[method-assign]
