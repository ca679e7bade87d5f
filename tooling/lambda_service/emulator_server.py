"""moto's server with its own event-source-mapping delivery switched off, and signing jobs played.

moto 5 tries to be the Lambda service itself: every write to a table with a stream mapping, and
every message sent to a queue with a queue mapping, makes it invoke the function in Docker. Without
Docker the invocation "fails", and the side effects ruin the event sources for anyone else:

- DynamoDB: `StreamShard.add` treats the (error) payload as a delivery and empties the shard, so
  GetRecords never returns a record;
- SQS: `Queue.add_message` receives up to a batch of messages on every send (raising their
  ApproximateReceiveCount), so a burst of sends moves messages to the dead-letter queue unprocessed.

Here the Lambda service is played by `tooling.lambda_service`, so the emulator must leave the event
sources alone. `disable_builtin_event_delivery` hides the mapping registry moto keeps on tables and
queues (the mappings themselves, ListEventSourceMappings and GetEventSourceMapping are untouched).

moto 5 also has no Signer signing jobs, which every deployment of the stacks starts: they are played
by `tooling.lambda_service.played_signer` (`enable_signing_jobs`).

moto also rolls a failed TransactWriteItems back by putting back whole copies of its tables, undoing
other requests' writes: `tooling.lambda_service.dynamodb_isolation` gives DynamoDB its isolation back.

Run: `python -m tooling.lambda_service.emulator_server -H 127.0.0.1 -p 5055` (same flags as moto_server).
"""

from __future__ import annotations

import sys
from typing import Any


class _NoDeliveries(dict[str, Any]):
    """A mapping registry that stays empty: moto's delivery loops find nothing to deliver to."""

    def __setitem__(self, key: str, value: Any) -> None:
        del key, value


def _registry_property() -> property:
    def get(self: Any) -> dict[str, Any]:
        del self
        return _NoDeliveries()

    def set_(self: Any, value: Any) -> None:
        del self, value  # moto's constructors assign {}; nothing is kept

    return property(get, set_)


def disable_builtin_event_delivery() -> None:
    """Stop moto from invoking functions for stream writes and queue sends (idempotent)."""
    from moto.dynamodb.models.table import Table
    from moto.sqs.models import Queue

    for model in (Table, Queue):
        model.lambda_event_source_mappings = _registry_property()  # type: ignore[assignment]


def main(argv: list[str] | None = None) -> None:
    """moto_server's command line, with built-in event delivery disabled, signing jobs played and
    DynamoDB serialized."""
    from moto.server import main as moto_main

    from tooling.lambda_service.dynamodb_isolation import isolate_dynamodb
    from tooling.lambda_service.played_signer import enable_signing_jobs

    disable_builtin_event_delivery()
    enable_signing_jobs()
    isolate_dynamodb()
    moto_main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
