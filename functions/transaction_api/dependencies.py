"""AWS clients and data-access objects, created once per container on first use.

Nothing here runs at import time, so the handler module imports without credentials, region or
configuration; boto3 picks the endpoint from `AWS_ENDPOINT_URL` itself when it is set.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from transaction_api.label_repository import LabelRepository
from transaction_api.label_service import LabelService
from transaction_api.repository import TransactionRepository
from transaction_api.service import StoragePolicy, TransactionService
from transaction_api.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient


# Requests are built by this package's own code from validated models, never from client input, and
# the service validates them again; client-side validation of every request is pure CPU on the hot path.
_CLIENT_CONFIG = Config(parameter_validation=False)


@functools.cache
def dynamodb_client() -> DynamoDBClient:
    """The DynamoDB client shared by every invocation of this container."""
    return boto3.client("dynamodb", config=_CLIENT_CONFIG)


@functools.cache
def transaction_service() -> TransactionService:
    """The rules over the transactions table, with this container's settings."""
    settings = get_settings()
    return TransactionService(
        TransactionRepository(dynamodb_client(), settings.table_name),
        StoragePolicy(day_shards=settings.day_shards, ttl_days=settings.transaction_ttl_days),
    )


@functools.cache
def label_service() -> LabelService:
    """The label rules over the transactions and merchant counters tables (built on the first label
    request only: POST /transactions never creates it)."""
    settings = get_settings()
    client = dynamodb_client()
    return LabelService(
        TransactionRepository(client, settings.table_name),
        LabelRepository(client, settings.table_name, settings.merchant_counters_table_name),
    )


def reset() -> None:
    """Forget every cached object (used when the environment changes, e.g. between tests)."""
    for factory in (dynamodb_client, transaction_service, label_service, get_settings):
        factory.cache_clear()
