"""The SNS rendering of a fraud alert: subject, body and message attributes."""

from __future__ import annotations

import json
import re

from fraudlib.alert_message import FraudAlertMessage
from fraudlib.timestamps import utc_text
from fraudlib.transaction_item import reason_maps

SUBJECT_LIMIT = 100  # SNS rejects longer subjects
_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]+")


def _ascii(text: str) -> str:
    return _NOT_PRINTABLE_ASCII.sub("?", text)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 3)] + "..."


def build_subject(alert: FraudAlertMessage) -> str:
    """A one-line ASCII subject of at most 100 characters, e.g.
    "[BLOCK] Fraud alert: score 87 for customer c-123 (txn t-1)".

    Ids are client-supplied, so they are reduced to printable ASCII and shortened (customer first,
    then transaction) when the whole would not fit.
    """
    customer = _ascii(alert.customer_id)
    txn = _ascii(alert.transaction_id)
    head = f"[{alert.decision.value.upper()}] Fraud alert: score {alert.risk_score} for customer "
    fixed = len(head) + len(" (txn )")
    room = SUBJECT_LIMIT - fixed
    if len(customer) + len(txn) > room:
        txn = _shorten(txn, max(room // 2, room - len(customer)))
        customer = _shorten(customer, room - len(txn))
    return f"{head}{customer} (txn {txn})"


def build_message(alert: FraudAlertMessage) -> str:
    """The alert body: JSON with the transaction, score, decision and reasons, readable in an email."""
    return json.dumps(
        {
            "transaction": alert.transaction(),
            "risk_score": alert.risk_score,
            "decision": alert.decision.value,
            "reasons": reason_maps(alert.reasons),
            "scored_at": utc_text(alert.scored_at),
        },
        indent=2,
        sort_keys=True,
    )
