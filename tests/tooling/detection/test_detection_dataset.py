"""The CSV reader: both time formats, label times, and every bad row named by its line number."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tooling.detection.dataset import DAY, DatasetError, parse_time, read_dataset

HEADER = "transaction_id,customer_id,merchant_id,amount,currency,timestamp,is_fraud"


def _write(tmp_path: Path, *lines: str, header: str = HEADER) -> Path:
    path = tmp_path / "data.csv"
    path.write_text("\n".join([header, *lines]) + "\n")
    return path


def test_iso_and_epoch_times() -> None:
    assert parse_time("2018-08-01T00:00:00Z") == 1533081600
    assert parse_time("2018-08-01T02:00:00+02:00") == 1533081600
    assert parse_time("2018-08-01 00:00:00") == 1533081600  # naive: UTC
    assert parse_time("1533081600") == 1533081600
    assert parse_time("1533081600.9") == 1533081600
    with pytest.raises(ValueError):
        parse_time("yesterday")


def test_rows_sorted_with_default_and_explicit_label_times(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "b,c1,m1,10.50,eur,1533081700,1,FR,5411,",
        "a,c1,m1,3,EUR,2018-08-01T00:00:00Z,1,,,2018-08-02T00:00:00Z",
        "c,c2,m2,7,USD,1533081600,0,,,",
        header=HEADER + ",country,merchant_category,label_time",
    )
    rows = read_dataset(path, label_delay_days=7)
    assert [r.txn.transaction_id for r in rows] == ["a", "c", "b"]
    a, c, b = rows
    assert a.label_time == 1533081600 + DAY and a.txn.fraud_reported_at == a.label_time
    assert b.label_time == 1533081700 + 7 * DAY and b.txn.currency == "EUR" and b.txn.country == "FR"
    assert b.txn.amount == Decimal("10.50") and b.txn.merchant_category == "5411" and b.line == 2
    assert c.txn.fraud_reported_at is None and not c.is_fraud and c.merchant_id == "m2"


def test_every_bad_row_is_named_and_nothing_is_used(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "ok,c1,m1,1.00,EUR,1533081600,0",
        "x1,c1,m1,abc,EUR,1533081600,0",
        "x2,c1,m1,1.00,EUR,tomorrow,2",
        "ok,c1,m1,1.00,EUR,1533081600,0",
        "x3,,m1,1.00,EUR,1533081600,0",
        "x4,c1,m1,-1,EUR,1533081600,0,extra",
        "x5,c1,m1",
    )
    with pytest.raises(DatasetError) as caught:
        read_dataset(path, 7)
    message = str(caught.value)
    assert "6 bad rows" in message
    assert "line 3: amount 'abc' is not a number" in message
    assert "line 4: timestamp 'tomorrow' is neither ISO 8601 nor epoch seconds; is_fraud '2' is not 0 or 1" in message
    assert "line 5: transaction_id 'ok' already on line 2" in message
    assert "line 6: customer_id is empty" in message
    assert "line 7: more fields than the header has columns" in message
    assert "line 8: amount is empty; currency is empty" in message


def test_a_byte_order_mark_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_text(HEADER + "\na,c,m,1,EUR,1533081600,0\n", encoding="utf-8-sig")
    assert [r.txn.transaction_id for r in read_dataset(path, 7)] == ["a"]


def test_label_before_the_transaction_and_missing_columns(tmp_path: Path) -> None:
    path = _write(tmp_path, "a,c,m,1,EUR,1533081600,1,1533000000", header=HEADER + ",label_time")
    with pytest.raises(DatasetError, match="line 2: label_time '1533000000' is before"):
        read_dataset(path, 7)
    header = "transaction_id,customer_id,amount,currency,timestamp,is_fraud"
    path = _write(tmp_path, "a,c,1,EUR,1533081600,1", header=header)
    with pytest.raises(DatasetError, match="line 1: missing columns merchant_id"):
        read_dataset(path, 7)
