"""`make export`: a transactions table (under moto) as the backtest's CSV, customer ids pseudonymized."""

from __future__ import annotations

import csv
import dataclasses
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from fraudlib.dynamodb_items import serialize
from moto import mock_aws

from tests.functions.items import stored_item
from tests.functions.tables import create_transactions_table
from tests.tooling.detection.conftest import SMALL, TEST, TRAIN
from tooling.detection import backtest, train
from tooling.detection.dataset import read_dataset
from tooling.detection.simulate import simulate, write_csv
from tooling.detection.table_export import (
    COLUMNS,
    KEY_VARIABLE,
    ExportError,
    main,
    pseudonymizer,
    scan_transactions,
    write_export,
)

TABLE = "export-transactions"
T0 = 1763812800  # 2025-11-22T12:00:00Z
KEY = "ab" * 32


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_transactions_table(client, TABLE)
        yield client


def _labelled(item: dict[str, Any], label: str, reported_at: int) -> dict[str, Any]:
    """An item as the label route leaves it: the effective label, its time (and the fraud time)."""
    moment = datetime.fromtimestamp(reported_at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    extra = {"fraud_reported_at": reported_at} if label == "fraud" else {}
    return {**item, "label": label, "label_source": "chargeback", "label_reported_at": moment, **extra}


def _outputs(tmp_path: Path) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(f'{{"table_name": {{"value": "{TABLE}", "type": "string"}}}}')
    return path


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


def _put(client: Any, *items: dict[str, Any]) -> None:
    for item in items:
        client.put_item(TableName=TABLE, Item=serialize(item))


def test_every_transaction_becomes_one_row_with_its_effective_label(dynamodb: Any, tmp_path: Path) -> None:
    _put(dynamodb,
         _labelled(stored_item("t-fraud", "alice@example.com", T0, "99.50", terminal_id="T-1"), "fraud",
                   T0 + 5 * 86400),
         _labelled(stored_item("t-legit", "bob", T0 + 60), "legitimate", T0 + 86400),
         _labelled(stored_item("t-early", "bob", T0 + 120), "fraud", T0 - 30),  # reported before it happened
         stored_item("t-plain", "alice@example.com", T0 + 180, merchant_id="M-7"),
         {k: v for k, v in stored_item("t-anon", "carol", T0 + 240).items() if k != "merchant_id"},
         {"transaction_id": "id#t-fraud", "timestamp": 0, "request_fingerprint": "0" * 64})  # the API's marker
    out = tmp_path / "export.csv"

    assert main(["--env", "dev", "--out", str(out), "--outputs", str(_outputs(tmp_path)),
                 "--keep-customer-ids"]) == 0

    rows = {r["transaction_id"]: r for r in _rows(out)}
    assert sorted(rows) == ["t-anon", "t-early", "t-fraud", "t-legit", "t-plain"]
    assert rows["t-fraud"] == {
        "transaction_id": "t-fraud", "customer_id": "alice@example.com", "merchant_id": "terminal#T-1",
        "amount": "99.50", "currency": "USD", "timestamp": str(T0), "is_fraud": "1",
        "label_time": str(T0 + 5 * 86400), "country": "US", "merchant_category": "5411"}
    assert (rows["t-legit"]["is_fraud"], rows["t-legit"]["label_time"]) == ("0", str(T0 + 86400))
    assert (rows["t-plain"]["is_fraud"], rows["t-plain"]["label_time"]) == ("0", "")
    assert rows["t-plain"]["merchant_id"] == "merchant#M-7"
    assert rows["t-early"]["label_time"] == str(T0 + 120)  # never before the transaction
    assert rows["t-anon"]["merchant_id"] == "none#t-anon"  # a merchant of its own: no merchant history
    # The backtest's reader takes the file as it is.
    read = {r.txn.transaction_id: r for r in read_dataset(out, label_delay_days=7)}
    assert read["t-fraud"].is_fraud and read["t-fraud"].label_time == T0 + 5 * 86400
    assert read["t-plain"].label_time == T0 + 180 + 7 * 86400


def test_customer_ids_are_keyed_pseudonyms_stable_across_exports_with_the_generated_key(
    dynamodb: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _put(dynamodb, stored_item("t-1", "alice@example.com", T0), stored_item("t-2", "alice@example.com", T0 + 1),
         stored_item("t-3", "bob", T0 + 2))
    outputs = _outputs(tmp_path)

    assert main(["--env", "dev", "--out", str(tmp_path / "a.csv"), "--outputs", str(outputs)]) == 0
    assert main(["--env", "dev", "--out", str(tmp_path / "b.csv"), "--outputs", str(outputs)]) == 0

    key_file = tmp_path / "pseudonym.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    first, second = _rows(tmp_path / "a.csv"), _rows(tmp_path / "b.csv")
    by_id = {r["transaction_id"]: r["customer_id"] for r in first}
    assert by_id["t-1"] == by_id["t-2"] != by_id["t-3"]
    assert "alice" not in (tmp_path / "a.csv").read_text()
    assert [r["customer_id"] for r in first] == [r["customer_id"] for r in second]  # joinable
    assert capsys.readouterr().err.count("generated the customer pseudonym key") == 1


def test_the_key_from_the_environment_wins_and_another_key_gives_other_pseudonyms(tmp_path: Path) -> None:
    from_variable = pseudonymizer(tmp_path / "unused.key", {KEY_VARIABLE: KEY})
    other = pseudonymizer(tmp_path / "unused.key", {KEY_VARIABLE: "cd" * 32})

    assert from_variable("alice") == pseudonymizer(tmp_path / "x.key", {KEY_VARIABLE: KEY})("alice")
    assert from_variable("alice") != other("alice")
    assert not (tmp_path / "unused.key").exists()
    with pytest.raises(ExportError, match="at least 32 bytes"):
        pseudonymizer(tmp_path / "k", {KEY_VARIABLE: "abcd"})
    with pytest.raises(ExportError, match="hexadecimal"):
        pseudonymizer(tmp_path / "k", {KEY_VARIABLE: "not hex" * 10})


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "pseudonym.key"
    key_file.write_text(KEY)
    key_file.chmod(0o644)

    with pytest.raises(ExportError, match="chmod 600"):
        pseudonymizer(key_file, {})


def test_raw_ids_are_kept_only_when_asked_and_with_a_warning(
    dynamodb: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _put(dynamodb, stored_item("t-1", "alice", T0))

    assert main(["--env", "dev", "--out", str(tmp_path / "raw.csv"), "--outputs", str(_outputs(tmp_path)),
                 "--keep-customer-ids"]) == 0

    assert _rows(tmp_path / "raw.csv")[0]["customer_id"] == "alice"
    assert "warning: customer ids are exported as they are stored" in capsys.readouterr().err
    assert not (tmp_path / "pseudonym.key").exists()


def test_since_keeps_transactions_from_that_utc_day_on(dynamodb: Any, tmp_path: Path) -> None:
    midnight = T0 - 12 * 3600  # 2025-11-22T00:00:00Z
    _put(dynamodb, stored_item("t-before", "c", midnight - 1), stored_item("t-on", "c", midnight))

    assert main(["--env", "dev", "--out", str(tmp_path / "s.csv"), "--outputs", str(_outputs(tmp_path)),
                 "--since", "2025-11-22", "--keep-customer-ids"]) == 0

    assert [r["transaction_id"] for r in _rows(tmp_path / "s.csv")] == ["t-on"]


def test_the_scan_follows_every_page() -> None:
    client = boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_response("scan", {"Items": [serialize(stored_item("t-1", "c", T0))],
                                   "LastEvaluatedKey": {"transaction_id": {"S": "t-1"}, "timestamp": {"N": str(T0)}}},
                          {"TableName": TABLE})
        stub.add_response("scan", {"Items": [serialize(stored_item("t-2", "c", T0 + 1))]},
                          {"TableName": TABLE,
                           "ExclusiveStartKey": {"transaction_id": {"S": "t-1"}, "timestamp": {"N": str(T0)}}})
        items = list(scan_transactions(client, TABLE))
        stub.assert_no_pending_responses()
    assert [i["transaction_id"] for i in items] == ["t-1", "t-2"]


def test_a_malformed_item_stops_the_export_and_leaves_no_file(tmp_path: Path) -> None:
    good = stored_item("t-1", "c", T0)
    bad = {k: v for k, v in stored_item("t-2", "c", T0).items() if k != "amount"}
    out = tmp_path / "x.csv"

    with pytest.raises(ExportError, match=r"(?s)1 stored items.*'t-2'.*amount"):
        write_export([good, bad], out, str)

    assert list(tmp_path.iterdir()) == []


def test_an_export_of_simulated_history_trains_and_backtests_unchanged(
    dynamodb: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A simulated file's transactions stored as the API and the label route store them, exported back.
    simulated = tmp_path / "simulated.csv"
    write_csv(simulate(dataclasses.replace(SMALL, customers=50, terminals=100)), simulated)
    rows = read_dataset(simulated, label_delay_days=7)
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(TABLE)
    with table.batch_writer() as writer:
        for row in rows:
            item = stored_item(row.txn.transaction_id, row.txn.customer_id, row.txn.timestamp, str(row.txn.amount),
                               row.txn.currency, "FR", terminal_id=row.merchant_id)
            writer.put_item(Item=_labelled(item, "fraud", row.label_time) if row.is_fraud else item)
    out = tmp_path / "export.csv"
    assert main(["--env", "dev", "--out", str(out), "--outputs", str(_outputs(tmp_path))]) == 0
    with out.open() as handle:
        assert csv.DictReader(handle).fieldnames == list(COLUMNS)

    exported = read_dataset(out, label_delay_days=7)
    assert len(exported) == len(rows)
    assert sum(r.is_fraud for r in exported) == sum(r.is_fraud for r in rows) > 0
    model = tmp_path / "model.json"
    assert train.main([str(out), "--train", TRAIN, "--out", str(model)]) == 0
    assert model.read_text().startswith("{")
    assert backtest.main([str(out), "--train", TRAIN, "--test", TEST, "--out", str(tmp_path / "scores.csv")]) == 0
    assert "gradient-boosted trees" in capsys.readouterr().out
