"""Reads a labelled transaction CSV into scoring transactions; every bad row is reported by line number.

Columns (header row; other columns are ignored): transaction_id, customer_id, merchant_id, amount,
currency, timestamp (ISO 8601 or epoch seconds), is_fraud (0/1); optional: country, merchant_category,
label_time (when the row's label became known; ISO 8601 or epoch seconds, not before timestamp;
empty or absent: timestamp + the label delay). Nothing is dropped: a file with a bad row is refused
whole, naming every bad row (the first MAX_REPORTED of them) and what is wrong with it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from fraudlib.scores import Transaction

REQUIRED = ("transaction_id", "customer_id", "merchant_id", "amount", "currency", "timestamp", "is_fraud")
MAX_REPORTED = 50
DAY = 86400


class DatasetError(ValueError):
    """The CSV cannot be used; the message names every bad line (up to MAX_REPORTED)."""


@dataclass(frozen=True, slots=True)
class LabelledTransaction:
    """One row: the transaction as scoring sees it, its merchant, its label and when that label is known."""

    txn: Transaction
    merchant_id: str
    is_fraud: bool
    label_time: int
    line: int


def parse_time(text: str) -> int:
    """Epoch seconds from epoch seconds ("1533081600", "1533081600.5") or ISO 8601 (naive means UTC)."""
    value = text.strip()
    if value[:1].isdigit() and "-" not in value and ":" not in value:
        try:
            return int(Decimal(value).to_integral_value(rounding="ROUND_FLOOR"))
        except InvalidOperation as exc:
            raise ValueError(f"not epoch seconds: {value!r}") from exc
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        return int((moment - _EPOCH).total_seconds())
    return int(moment.timestamp())


_EPOCH = datetime(1970, 1, 1)


def _row(fields: dict[str, str], line: int, delay_seconds: int) -> LabelledTransaction:
    problems = []
    values = {name: (fields.get(name) or "").strip() for name in REQUIRED}
    problems += [f"{name} is empty" for name, value in values.items() if not value]
    amount = Decimal(0)
    timestamp = 0
    if values["amount"]:
        try:
            amount = Decimal(values["amount"])
            if not amount.is_finite() or amount < 0:
                problems.append(f"amount {values['amount']!r} is not a non-negative number")
        except InvalidOperation:
            problems.append(f"amount {values['amount']!r} is not a number")
    if values["timestamp"]:
        try:
            timestamp = parse_time(values["timestamp"])
        except ValueError:
            problems.append(f"timestamp {values['timestamp']!r} is neither ISO 8601 nor epoch seconds")
    if values["is_fraud"] and values["is_fraud"] not in ("0", "1"):
        problems.append(f"is_fraud {values['is_fraud']!r} is not 0 or 1")
    label_text = (fields.get("label_time") or "").strip()
    label_time = timestamp + delay_seconds
    if label_text:
        try:
            label_time = parse_time(label_text)
            if label_time < timestamp:
                problems.append(f"label_time {label_text!r} is before the transaction's timestamp")
        except ValueError:
            problems.append(f"label_time {label_text!r} is neither ISO 8601 nor epoch seconds")
    if problems:
        raise ValueError("; ".join(problems))
    is_fraud = values["is_fraud"] == "1"
    txn = Transaction(
        transaction_id=values["transaction_id"], customer_id=values["customer_id"], timestamp=timestamp,
        amount=amount, currency=values["currency"].upper(),
        country=(fields.get("country") or "").strip().upper() or None,
        merchant_category=(fields.get("merchant_category") or "").strip() or None,
        fraud_reported_at=label_time if is_fraud else None,
    )
    return LabelledTransaction(txn, values["merchant_id"], is_fraud, label_time, line)


def read_dataset(path: Path, label_delay_days: int) -> list[LabelledTransaction]:
    """All rows of the CSV in (timestamp, transaction_id) order; DatasetError naming every bad line."""
    delay_seconds = label_delay_days * DAY
    rows: list[LabelledTransaction] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:  # a spreadsheet export may start with a BOM
        reader = csv.DictReader(handle)
        missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
        if missing:
            raise DatasetError(
                f"{path}: line 1: missing columns {', '.join(missing)} (required: {', '.join(REQUIRED)})"
            )
        for fields in reader:
            line = reader.line_num
            if None in fields:
                errors.append(f"line {line}: more fields than the header has columns")
                continue
            try:
                row = _row(fields, line, delay_seconds)
            except ValueError as exc:
                errors.append(f"line {line}: {exc}")
                continue
            first = seen.setdefault(row.txn.transaction_id, line)
            if first != line:
                errors.append(f"line {line}: transaction_id {row.txn.transaction_id!r} already on line {first}")
                continue
            rows.append(row)
    if errors:
        shown = "\n  ".join(errors[:MAX_REPORTED])
        more = f"\n  ... and {len(errors) - MAX_REPORTED} more" if len(errors) > MAX_REPORTED else ""
        raise DatasetError(f"{path}: {len(errors)} bad rows, nothing was used:\n  {shown}{more}")
    if not rows:
        raise DatasetError(f"{path}: no transactions")
    rows.sort(key=lambda r: r.txn.order_key)
    return rows
