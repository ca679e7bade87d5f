"""AWS clients and data-access objects, created once per container on first use.

Nothing here runs at import time, so the handler module imports without credentials, region or
configuration; boto3 picks the endpoint from `AWS_ENDPOINT_URL` itself when it is set.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import boto3

from transaction_api.repository import TransactionRepository
from transaction_api.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

    from transaction_api.idempotency_guard import IdempotencyGuard


@functools.cache
def dynamodb_client() -> DynamoDBClient:
    """The DynamoDB client shared by every invocation of this container."""
    return boto3.client("dynamodb")


@functools.cache
def transaction_repository() -> TransactionRepository:
    """Access to the transactions table."""
    return TransactionRepository(dynamodb_client(), get_settings().table_name)


@functools.cache
def idempotency_guard() -> IdempotencyGuard:
    """The create lock; imported on first use because only POSTs with a client id need it."""
    from transaction_api.idempotency_guard import IdempotencyGuard

    return IdempotencyGuard(dynamodb_client(), get_settings().idempotency_table_name)


def reset() -> None:
    """Forget every cached object (used when the environment changes, e.g. between tests)."""
    for factory in (dynamodb_client, transaction_repository, idempotency_guard, get_settings):
        factory.cache_clear()
