"""`make export ENV=<env> [OUT=...] [SINCE=YYYY-MM-DD]`: a deployed transactions table as the backtest's CSV.

    python -m tooling.detection.table_export --env local|dev|staging|prod --out FILE [--since YYYY-MM-DD]
        [--outputs outputs.json] [--key-file FILE] [--keep-customer-ids]

The table's name comes from the pipeline stack's outputs, found as `make redrive` finds them
(tooling.redrive_cli.stack_outputs); a deployed environment is read with the operator's AWS
credentials, `local` from the emulator `make up` left running. One paginated Scan reads the table
(`--since`: only transactions from that UTC day on); the transaction API's per-id marker items are
skipped. Each transaction becomes one row of the file `make backtest DATA=` and `make train DATA=`
read (tooling/detection/dataset.py):

- merchant_id: the key the analyzer counts the transaction under (its terminal, else its merchant;
  fraudlib.merchant_counters.merchant_key), so the offline merchant features group transactions as
  the deployed ones do; a transaction naming neither gets a merchant of its own, i.e. no merchant
  history, as in the analyzer;
- is_fraud: 1 when the effective label is fraud; label_time: when the effective label was reported
  (never before the transaction), empty for an unlabelled transaction (the backtest then assumes
  the label delay);
- customer_id: a pseudonym by default, HMAC-SHA256 of the id (fraudlib.pseudonym) under a key from
  EXPORT_PSEUDONYM_KEY (hex, at least 32 bytes) or from a key file next to the output (generated,
  mode 0600, on the first export), so exports made with the same key can be joined; a customer id
  is personal data, and training needs only to know which transactions share a card.
  `--keep-customer-ids` (PSEUDONYMIZE=0) keeps raw ids, with a warning.

The file is written to a temporary name and renamed when complete: a failed export leaves no
partial file. A stored item that does not follow the item model stops the export, naming it.
"""

from __future__ import annotations

import argparse
import csv
import os
import secrets
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fraudlib.dynamodb_items import page_items
from fraudlib.merchant_counters import merchant_key
from fraudlib.pseudonym import Pseudonymizer
from fraudlib.transaction_item import MalformedItemError, TransactionItem, is_marker_key

COLUMNS = ("transaction_id", "customer_id", "merchant_id", "amount", "currency", "timestamp", "is_fraud",
           "label_time", "country", "merchant_category")
KEY_VARIABLE = "EXPORT_PSEUDONYM_KEY"
KEY_BYTES = 32
FRAUD = "fraud"


class ExportError(RuntimeError):
    """The export cannot be made (or completed); the message says why."""


def effective_label(item: Mapping[str, Any]) -> tuple[bool, int | None]:
    """(is fraud, epoch seconds when the effective label was reported) of a stored item; (False, None)
    when it has no label. The label route keeps the effective label as `label` and `label_reported_at`
    (a stored moment, fraudlib.timestamps) beside the label history."""
    label = item.get("label")
    reported = item.get("label_reported_at")
    if label is None:
        return False, None
    if reported is None:
        raise MalformedItemError(f"transaction {item.get('transaction_id')!r} has a label but no label_reported_at")
    moment = datetime.fromisoformat(str(reported))
    if moment.tzinfo is None:
        raise MalformedItemError(f"transaction {item.get('transaction_id')!r}: label_reported_at has no time zone")
    return label == FRAUD, int(moment.timestamp())


def export_row(item: Mapping[str, Any], customer: Callable[[str], str]) -> dict[str, Any]:
    """The CSV row of one stored transaction item (deserialized); `customer` maps the customer id."""
    txn = TransactionItem.from_item(item)
    is_fraud, reported = effective_label(item)
    return {
        "transaction_id": txn.transaction_id,
        "customer_id": customer(txn.customer_id),
        "merchant_id": merchant_key(txn.terminal_id, txn.merchant_id) or f"none#{txn.transaction_id}",
        "amount": str(txn.amount),
        "currency": txn.currency,
        "timestamp": txn.timestamp,
        "is_fraud": int(is_fraud),
        "label_time": "" if reported is None else max(reported, txn.timestamp),
        "country": txn.country,
        "merchant_category": txn.merchant_category,
    }


def scan_transactions(client: Any, table_name: str, since: date | None = None) -> Iterator[dict[str, Any]]:
    """Every transaction item of the table (markers skipped), page by page; from `since` (UTC) on."""
    params: dict[str, Any] = {"TableName": table_name}
    if since is not None:
        start = int(datetime(since.year, since.month, since.day, tzinfo=UTC).timestamp())
        params |= {"FilterExpression": "#ts >= :since", "ExpressionAttributeNames": {"#ts": "timestamp"},
                   "ExpressionAttributeValues": {":since": {"N": str(start)}}}
    for page in page_items(client.get_paginator("scan").paginate(**params)):
        yield from (item for item in page if not is_marker_key(item.get("transaction_id")))


def write_export(items: Iterable[Mapping[str, Any]], out: Path, customer: Callable[[str], str]) -> int:
    """Write the rows of `items` to `out` (complete or not at all); returns the number of rows."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    rows = 0
    bad: list[str] = []
    try:
        with partial.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            for item in items:
                try:
                    writer.writerow(export_row(item, customer))
                except ValueError as exc:  # MalformedItemError, or a label time that is no moment
                    bad.append(f"{item.get('transaction_id')!r}: {exc}")
                    continue
                rows += 1
        if bad:
            shown = "\n  ".join(bad[:20])
            raise ExportError(f"{len(bad)} stored items do not follow the item model, nothing was written:\n  {shown}")
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return rows


def pseudonymizer(key_file: Path, environ: Mapping[str, str] | None = None) -> Pseudonymizer:
    """The keyed hash of customer ids: the key in EXPORT_PSEUDONYM_KEY (hex), else the one in `key_file`,
    generated there (mode 0600) when it does not exist yet."""
    source = os.environ if environ is None else environ
    if source.get(KEY_VARIABLE):
        return Pseudonymizer(_key_bytes(source[KEY_VARIABLE], KEY_VARIABLE))
    if key_file.exists():
        if key_file.stat().st_mode & 0o077:
            raise ExportError(f"{key_file} is readable by others than its owner: chmod 600 it first")
        return Pseudonymizer(_key_bytes(key_file.read_text().strip(), str(key_file)))
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key.hex() + "\n")
    print(f"generated the customer pseudonym key {key_file} (keep it to join later exports)", file=sys.stderr)
    return Pseudonymizer(key)


def _key_bytes(text: str, where: str) -> bytes:
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise ExportError(f"{where}: the pseudonym key must be hexadecimal") from None
    if len(key) < KEY_BYTES:
        raise ExportError(f"{where}: the pseudonym key must have at least {KEY_BYTES} bytes "
                          f"({2 * KEY_BYTES} hex digits)")
    return key


def transactions_table(env: str, outputs_file: Path | None, *, stack_dir: Path | None = None,
                       emulator_endpoint: str | None = None) -> tuple[Any, str]:
    """(DynamoDB client, table name) of `env`'s deployment, from its stack's outputs (the synthesized
    stack in cdktf.out unless `stack_dir` is given; `local`: the running emulator unless
    `emulator_endpoint` is given)."""
    import boto3

    from tooling.redrive_cli import STACKS_DIR, stack_outputs

    directory = stack_dir or STACKS_DIR / f"fraud-detection-{env}"
    if env != "local":
        return boto3.client("dynamodb"), _table_name(stack_outputs(directory, outputs_file))
    from tooling.emulator import running_emulator
    from tooling.lambda_service.clients import EmulatorClients
    from tooling.local_deploy import LocalToolchain  # its environment points Terraform at the emulator

    if emulator_endpoint is None:
        emulator = running_emulator()
        if emulator is None:
            raise ExportError("no local deployment is up (make up starts one)")
        emulator_endpoint = emulator.endpoint_url
    outputs = stack_outputs(directory, outputs_file, LocalToolchain(emulator_endpoint).env)
    return EmulatorClients(emulator_endpoint).client("dynamodb"), _table_name(outputs)


def _table_name(outputs: Mapping[str, Any]) -> str:
    if not outputs.get("table_name"):
        raise ExportError("the stack's outputs lack table_name")
    return str(outputs["table_name"])


def main(argv: list[str] | None = None) -> int:
    """Export the table; exit 1 with a message when it cannot be done."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", required=True, help="local, dev, staging or prod")
    parser.add_argument("--out", type=Path, required=True, help="the CSV to write")
    parser.add_argument("--since", type=date.fromisoformat, help="only transactions from this UTC day on")
    parser.add_argument("--outputs", type=Path, help="a saved `terraform output -json` of the pipeline stack")
    parser.add_argument("--key-file", type=Path, help="pseudonym key file (default: pseudonym.key beside --out)")
    parser.add_argument("--keep-customer-ids", action="store_true", help="write raw customer ids (PSEUDONYMIZE=0)")
    args = parser.parse_args(argv)
    try:
        if args.keep_customer_ids:
            print("warning: customer ids are exported as they are stored (personal data): protect the file",
                  file=sys.stderr)
            customer: Callable[[str], str] = str
        else:
            customer = pseudonymizer(args.key_file or args.out.with_name("pseudonym.key"))
        client, table_name = transactions_table(args.env, args.outputs)
        rows = write_export(scan_transactions(client, table_name, args.since), args.out, customer)
    except ExportError as exc:
        print(f"export failed: {exc}", file=sys.stderr)
        return 1
    print(f"{rows} transactions of {table_name} -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
