"""Outcomes of the transaction API that are not successes, independent of HTTP and AWS."""

from __future__ import annotations


class DuplicateTransactionError(Exception):
    """An item with this transaction id and timestamp already exists (the conditional put failed)."""


class TransactionConflictError(Exception):
    """The transaction id is already used by a request with a different body."""


class RequestInProgressError(Exception):
    """A request with the same transaction id is being processed right now."""


class TransactionNotFoundError(Exception):
    """No transaction with this id is stored."""


class LabelConflictError(Exception):
    """The same source already reported a different label at the same moment."""


class LabelBeforeTransactionError(Exception):
    """A label reported before its transaction took place."""


class LabelHistoryFullError(Exception):
    """The transaction already holds the most label events one item may keep."""
