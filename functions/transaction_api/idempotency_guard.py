"""Serialises concurrent creates of one transaction id with the Powertools idempotency utility.

The transactions table cannot do this alone: its key is (`transaction_id`, `timestamp`), and a
request without an explicit timestamp gets "now", so two copies of one request would carry
different keys and `attribute_not_exists` would let both in. The guard takes a lock item keyed on
the transaction id (conditional put in the idempotency table) before the write; a concurrent copy
either finds the lock in progress, or finds it completed and is answered as a replay. A different
body under a locked or completed id fails payload validation (the request fingerprint) instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from transaction_api.errors import RequestInProgressError, TransactionConflictError

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from mypy_boto3_dynamodb.client import DynamoDBClient

KEY_PREFIX = "transactions"
"""Idempotency keys are `transactions#<hash of the id>`: independent of the Lambda function name, so
a renamed or redeployed function still sees the locks of the previous one."""

LOCK_SECONDS = 3600
"""How long a completed lock answers replays by itself. Past it, the strongly consistent lookup in
the transactions table (done before taking the lock) still catches every replay; the lock only has
to outlive the race between that lookup and the write."""


def _run_once(claim: dict[str, str], action: Callable[[], bool]) -> dict[str, bool]:
    """The guarded body: `claim` is what gets hashed and validated, `action` does the write."""
    del claim  # only read by the idempotency utility
    return {"executed": action()}


def _answered_from_lock(response: Any, idempotent_data: DataRecord) -> dict[str, bool]:
    """A completed lock answered this call: the write was done by an earlier request."""
    del response, idempotent_data
    return {"executed": False}


class IdempotencyGuard:
    """Runs a create at most once per transaction id across concurrent invocations."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        """Keep locks in `table_name` (partition key `id`, TTL attribute `expiration`)."""
        self._config = IdempotencyConfig(
            event_key_jmespath="transaction_id",
            payload_validation_jmespath="request_fingerprint",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=LOCK_SECONDS,
            response_hook=_answered_from_lock,
        )
        persistence = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client)
        self._guarded = idempotent_function(
            _run_once,
            data_keyword_argument="claim",
            persistence_store=persistence,
            config=self._config,
            key_prefix=KEY_PREFIX,
        )

    def register_lambda_context(self, lambda_context: LambdaContext) -> None:
        """Lets an abandoned lock expire when the current invocation would have timed out."""
        self._config.register_lambda_context(lambda_context)

    def run(self, transaction_id: str, fingerprint: str, action: Callable[[], bool]) -> bool:
        """Run `action` under the lock; True if it ran here, False if an earlier request did it.

        `action` returns False itself when it found the same request already stored.
        Raises `TransactionConflictError` (same id, different fingerprint) or
        `RequestInProgressError` (another invocation holds the lock right now).
        """
        claim = {"transaction_id": transaction_id, "request_fingerprint": fingerprint}
        try:
            outcome = self._guarded(claim=claim, action=action)
        except IdempotencyValidationError as exc:
            raise TransactionConflictError(transaction_id) from exc
        except IdempotencyAlreadyInProgressError as exc:
            raise RequestInProgressError(transaction_id) from exc
        return bool(outcome["executed"])
