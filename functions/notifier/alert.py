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
    """A one-line ASCII subject of at most 100 characters, e.g. "[BLOCK] Fraud alert: score 87 (txn t-1)".

    No customer identifier: subjects travel in clear (e-mail subjects, notification previews); the
    body, on the encrypted topic, names the customer. The transaction id is client-supplied, so it
    is reduced to printable ASCII and shortened when the whole would not fit.
    """
    head = f"[{alert.decision.value.upper()}] Fraud alert: score {alert.risk_score} (txn "
    txn = _shorten(_ascii(alert.transaction_id), SUBJECT_LIMIT - len(head) - len(")"))
    return f"{head}{txn})"


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
