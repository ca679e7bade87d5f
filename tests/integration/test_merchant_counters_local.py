"""The local deployment counts scored transactions at their merchant, and `make export` reads its table back.

Transactions go in through the API, the played analyzer scores them from the stream (reading the
merchants' counters and counting each transaction in its write-back), and the export reads the
deployed table, found from the stack's outputs as `make export ENV=local` finds it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.pipeline_session import open_pipeline
from tooling.detection.dataset import read_dataset
from tooling.detection.table_export import pseudonymizer, scan_transactions, transactions_table, write_export
from tooling.local_pipeline import LocalPipeline

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def pipeline(local_deployment: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPipeline]:
    with open_pipeline(local_deployment, tmp_path_factory) as opened:
        yield opened


def test_scored_transactions_are_counted_once_and_exported(
    pipeline: LocalPipeline, local_deployment: Any, tmp_path: Path
) -> None:
    run = f"merchants{uuid.uuid4().hex[:8]}"
    now = int(time.time()) - 120
    bodies = [{"transaction_id": f"{run}-{n}", "amount": "12.00", "currency": "EUR", "customer_id": f"{run}-c{n % 2}",
               "terminal_id": f"{run}-T", "merchant_category": "5411", "country": "DE", "timestamp": now + n}
              for n in range(3)]
    for body in bodies:
        assert pipeline.post_transaction(body).status_code == 201

    pipeline.drive_stream()
    pipeline.drive_stream()  # nothing new: nothing counted again

    counters_table = pipeline.service.package(pipeline.analyzer).environment["MERCHANT_COUNTERS_TABLE_NAME"]
    day = time.strftime("%Y-%m-%d", time.gmtime(now))
    stored = pipeline.clients.client("dynamodb").get_item(
        TableName=counters_table, Key={"merchant_key": {"S": f"terminal#{run}-T"}}, ConsistentRead=True)["Item"]
    assert stored[f"tx#{day}"] == {"N": "3"}
    assert all("scored_at" in (pipeline.stored_item(b["transaction_id"]) or {}) for b in bodies)

    client, table_name = transactions_table("local", None, stack_dir=local_deployment.stack_dir,
                                            emulator_endpoint=local_deployment.endpoint_url)
    assert table_name == pipeline.table_name
    out = tmp_path / "export.csv"
    write_export(scan_transactions(client, table_name), out, pseudonymizer(tmp_path / "pseudonym.key"))
    rows = {r.txn.transaction_id: r for r in read_dataset(out, label_delay_days=7)}
    ours = [rows[b["transaction_id"]] for b in bodies]
    assert {r.merchant_id for r in ours} == {f"terminal#{run}-T"}
    assert ours[0].txn.customer_id == ours[2].txn.customer_id != ours[1].txn.customer_id
    assert not any(r.txn.customer_id.startswith(run) for r in ours)  # pseudonyms, not the ids
    assert not any(tid.startswith("id#") for tid in rows)
