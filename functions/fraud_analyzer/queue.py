"""Data access to the fraud queue: batched sends with per-message outcome."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from fraudlib.alert_message import FraudAlertMessage

MAX_BATCH_ENTRIES = 10  # SendMessageBatch limit


class FraudQueue:
    """Sends alert messages to the fraud queue, up to ten per SendMessageBatch call."""

    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._url = queue_url

    def send(self, messages: Sequence[FraudAlertMessage]) -> dict[int, str]:
        """Send all messages; return {index in `messages`: reason} for those that were not accepted.

        A call that fails as a whole fails every message of that call, not the others.
        """
        failures: dict[int, str] = {}
        for start in range(0, len(messages), MAX_BATCH_ENTRIES):
            chunk = messages[start : start + MAX_BATCH_ENTRIES]
            entries = [_entry(str(start + offset), message) for offset, message in enumerate(chunk)]
            try:
                response = self._client.send_message_batch(QueueUrl=self._url, Entries=entries)
            except (BotoCoreError, ClientError) as exc:
                reason = f"SendMessageBatch failed: {exc}"
                failures.update((start + offset, reason) for offset in range(len(chunk)))
                continue
            for failed in response.get("Failed", []):
                failures[int(failed["Id"])] = f"{failed.get('Code', 'Error')}: {failed.get('Message', '')}"
        return failures


def _entry(entry_id: str, message: FraudAlertMessage) -> dict[str, Any]:
    return {"Id": entry_id, "MessageBody": message.body(), "MessageAttributes": message.attributes()}
