"""The notifier logs no customer data: neither the customer ids of its alerts nor rejected values."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.functions.log_scan import HandlerLogs

EVENTS = Path(__file__).parent / "events"
CUSTOMERS = {"c-100": "alice.martin@example.com", "c-200": "bob+cards@example.org"}
# Values a malformed message carries in fields that fail validation.
REJECTED = {"amount": "alice.martin@example.com", "country": "bob+cards@example.org"}



def _alerts() -> dict[str, Any]:
    text = (EVENTS / "alerts.json").read_text()
    for plain, email in CUSTOMERS.items():
        text = text.replace(f'\\"{plain}\\"', json.dumps(json.dumps(email))[1:-1])
    event = json.loads(text)
    assert all(CUSTOMERS["c-100"] in r["body"] or CUSTOMERS["c-200"] in r["body"] for r in event["Records"])
    malformed = copy.deepcopy(event["Records"][0])
    malformed["messageId"] = "malformed-1"
    malformed["body"] = json.dumps({**json.loads(malformed["body"]), **REJECTED})
    event["Records"].append(malformed)
    return event


def test_published_and_rejected_alerts_leave_no_customer_data_in_the_logs(
    app: Any, logs: HandlerLogs, lambda_context: Any
) -> None:
    response = app.handler(_alerts(), lambda_context)

    assert response == {"batchItemFailures": [{"itemIdentifier": "malformed-1"}]}
    logs.assert_free_of([*CUSTOMERS.values(), *REJECTED.values()])
    # The scan reads the real output: both outcomes were logged, the rejection with its fields.
    assert "Alert published" in logs.text
    assert "Malformed fraud-queue message" in logs.text
    assert "amount" in logs.text and "country" in logs.text


def test_failed_publishes_leave_no_customer_data_in_the_logs(
    app: Any, logs: HandlerLogs, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from notifier.publisher import AlertPublisher

    def unreachable(self: AlertPublisher, alert: Any) -> str:
        raise ConnectionError("SNS unreachable")

    monkeypatch.setattr(AlertPublisher, "publish", unreachable)
    event = _alerts()
    event["Records"].pop()

    with pytest.raises(Exception, match="All records failed"):
        app.handler(event, lambda_context)
    logs.assert_free_of(CUSTOMERS.values())
    assert "Alert not published" in logs.text
